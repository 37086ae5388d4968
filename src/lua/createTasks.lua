--[[ createTasks: (none) -> blocked | triage | scheduled | todo | ready
  One script for createTask (one node) and createTasks (a whole DAG): every check first,
  then every write, so a rejected batch writes nothing and concurrent duplicates of an
  idempotency key create one task.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { nodes = [ { ref, title, body?, assignee?, priority, tenant?, createdBy?,
            maxRetries?, maxRuntimeMs?, idempotencyKey?, triage?, blocked?, runAt?,
            metadata? (JSON text), parentIds = [existing id], parentRefs = [earlier ref] } ] }
            Nodes arrive in topological order (the TS side validated refs and cycles).
  Returns { ok = true, ids = { ref = id }, created = [ref] }
          | { err = 'UNKNOWN_PARENT', id }
  Events:  created (+ blocked when created blocked) per new task.
]]
--@include base
--@include events
--@include status

local nodes = A.nodes
local idem = P .. 'idem'

-- 1. checks, no writes
local existing = {}   -- ref -> id of a task an idempotency key matched
local batchKeys = {}  -- idempotencyKey -> ref of an earlier node in this batch
for _, n in ipairs(nodes) do
  if given(n.idempotencyKey) then
    local hit = redis.call('HGET', idem, n.idempotencyKey)
    if hit and redis.call('EXISTS', taskKey(hit)) == 1 then
      existing[n.ref] = hit
    elseif batchKeys[n.idempotencyKey] then
      existing[n.ref] = { sameAs = batchKeys[n.idempotencyKey] }
    else
      batchKeys[n.idempotencyKey] = n.ref
    end
  end
  if not existing[n.ref] then
    for _, pid in ipairs(n.parentIds or {}) do
      if redis.call('EXISTS', taskKey(pid)) == 0 then return fail('UNKNOWN_PARENT', { id = pid }) end
    end
  end
end

-- 2. writes; the new tasks' ids come from one increment of the task counter
local fresh = 0
for _, n in ipairs(nodes) do if not existing[n.ref] then fresh = fresh + 1 end end
local nextSeq = fresh > 0 and redis.call('HINCRBY', P .. 'seq', 'task', fresh) - fresh or 0
local ids, created = {}, {}
for _, n in ipairs(nodes) do
  local hit = existing[n.ref]
  if type(hit) == 'table' then hit = ids[hit.sameAs] end
  if hit then
    ids[n.ref] = hit
  else
    nextSeq = nextSeq + 1
    local seq = nextSeq
    local id = 't' .. seq
    ids[n.ref] = id
    local parents = {}
    for _, pid in ipairs(n.parentIds or {}) do parents[pid] = true end
    for _, r in ipairs(n.parentRefs or {}) do parents[ids[r]] = true end
    local pending = 0
    for pid in pairs(parents) do
      redis.call('SADD', taskKey(id) .. ':p', pid)
      redis.call('SADD', taskKey(pid) .. ':c', id)
      if not isSatisfied(redis.call('HGET', taskKey(pid), 'status')) then pending = pending + 1 end
    end
    local status
    if n.blocked then status = 'blocked'
    elseif n.triage then status = 'triage'
    elseif given(n.runAt) and n.runAt > NOW then status = 'scheduled'
    elseif pending > 0 then status = 'todo'
    else status = 'ready' end
    local ord = -(n.priority or 0) * 1e9 + seq
    local f = { 'id', id, 'title', n.title, 'status', status, 'priority', int(n.priority or 0),
      'createdAt', NOWS, 'consecutiveFailures', '0', 'blockRecurrences', '0',
      'sticky', status == 'blocked' and '1' or '0', 'pending', pending, 'ord', int(ord) }
    for _, k in ipairs({ 'body', 'assignee', 'tenant', 'createdBy', 'idempotencyKey', 'metadata' }) do
      if given(n[k]) then table.insert(f, k); table.insert(f, n[k]) end
    end
    for _, k in ipairs({ 'maxRetries', 'maxRuntimeMs', 'runAt' }) do
      if given(n[k]) then table.insert(f, k); table.insert(f, int(n[k])) end
    end
    redis.call('HSET', taskKey(id), unpack(f))
    redis.call('ZADD', P .. 'tasks', ord, id)
    redis.call('ZADD', statusKey(status), ord, id)
    dispatchIndex(id, { status = status, ord = int(ord), assignee = n.assignee }, true)
    if given(n.idempotencyKey) then redis.call('HSET', idem, n.idempotencyKey, id) end
    if status == 'scheduled' then redis.call('ZADD', P .. 'sched', n.runAt, id) end
    appendEvent(id, 'created', { status = status, parents = #(n.parentIds or {}) + #(n.parentRefs or {}) })
    if status == 'blocked' then
      redis.call('HSET', taskKey(id), 'blockReason', 'created blocked')
      appendEvent(id, 'blocked', { reason = 'created blocked', sticky = true })
    end
    table.insert(created, n.ref)
  end
end
return reply({ ok = true, ids = ids, created = created })
