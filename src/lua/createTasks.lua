--[[ createTasks: (none) -> blocked | triage | scheduled | todo | ready
  One script for createTask (one node) and createTasks (a whole DAG): every check first,
  then every write, so a rejected batch writes nothing and concurrent duplicates of an
  idempotency key create one task.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { nodes = [ { ref, title, body?, assignee?, priority, tenant?, createdBy?,
            maxRetries?, maxRuntimeMs?, idempotencyKey?, triage?, blocked?, runAt?,
            metadata? (JSON text), parentIds = [existing id], parentRefs = [earlier ref] } ],
            enqueue? (an autoEnqueue handle: hand the new ready tasks to BullMQ) }
            Nodes arrive in topological order (the TS side validated refs and cycles).
  With `enqueue`, when the board's caps cannot bind for this batch (no maxInProgress /
  maxInProgressPerAssignee, or room for every node), new ready tasks with an assignee go
  straight to `queued` — never filed in `dq` — grouped into lane jobs as reserveDispatch
  does (includes/jobs.lua, room from includes/reserve.lua); the caller adds those jobs. Other new ready tasks (no assignee,
  or caps that could bind) are filed as usual and listed in `toEnqueue` for the caller's
  reserveDispatch, which applies the default lane and the caps in dispatch order.
  Returns { ok = true, ids = { ref = id }, created = [ref], jobs = [ { id, lane, jobId } ],
            toEnqueue = [id] }
          | { err = 'UNKNOWN_PARENT', id }
  Events:  created (+ blocked when created blocked) per new task.
]]
--@include base
--@include events
--@include status
--@include lanecap
--@include jobs
--@include reserve

local nodes = A.nodes
local idem = P .. 'idem'
local NODE_TEXT_FIELDS = { 'body', 'assignee', 'tenant', 'createdBy', 'idempotencyKey', 'metadata' }
local NODE_INT_FIELDS = { 'maxRetries', 'maxRuntimeMs', 'runAt' }

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
-- straight to a lane job only when no cap can bind for this batch (see the header)
local direct = A.enqueue == true
if direct then
  if boardRoom() < fresh then direct = false end
  local maxLane = setting('maxInProgressPerAssignee', 0)
  if direct and maxLane > 0 then
    local perLane = {}
    for _, n in ipairs(nodes) do
      if given(n.assignee) then perLane[n.assignee] = (perLane[n.assignee] or 0) + 1 end
    end
    for lane, k in pairs(perLane) do
      if num(redis.call('HGET', P .. 'inflight', lane), 0) + k > maxLane then direct = false end
    end
  end
end
local reserved, laneCount, toEnqueue, ordOf = {}, {}, {}, {}
-- status -> { score, id, ... } of the new tasks; the same for `queued`
local zadds, queuedAdds = {}, {}
-- zaddAll(key, pairs): ZADD in calls of at most 500 members (unpack has a stack limit)
local function zaddAll(key, list)
  for i = 1, #list, 1000 do
    redis.call('ZADD', key, unpack(list, i, math.min(i + 999, #list)))
  end
end
local nextSeq = fresh > 0 and redis.call('HINCRBY', P .. 'seq', 'task', fresh) - fresh or 0
local ids, created, hashes = {}, {}, {}
-- hasParents / hasChildren (task fields, '1'): the task's :p / :c set may have members;
-- without them the hot paths (a claim's parents, a completion's children) skip the read
local hasChildren = {}
for _, n in ipairs(nodes) do
  local hit = existing[n.ref]
  if type(hit) == 'table' then hit = ids[hit.sameAs] end
  if hit then
    ids[n.ref] = hit
  else
    nextSeq = nextSeq + 1
    local seq = nextSeq
    local id = string.format('t%d', seq)
    ids[n.ref] = id
    local parents = {}
    for _, pid in ipairs(n.parentIds or {}) do parents[pid] = true end
    for _, r in ipairs(n.parentRefs or {}) do parents[ids[r]] = true end
    local pending, linked = 0, false
    for pid in pairs(parents) do
      redis.call('SADD', taskKey(id) .. ':p', pid)
      redis.call('SADD', taskKey(pid) .. ':c', id)
      if not isSatisfied(redis.call('HGET', taskKey(pid), 'status')) then pending = pending + 1 end
      linked = true
      if not hasChildren[pid] then
        hasChildren[pid] = true
        -- a parent of this batch gets the flag with its hash below; an existing one now
        if not hashes[pid] then redis.call('HSET', taskKey(pid), 'hasChildren', '1') end
      end
    end
    local status
    if n.blocked then status = 'blocked'
    elseif n.triage then status = 'triage'
    elseif given(n.runAt) and n.runAt > NOW then status = 'scheduled'
    elseif pending > 0 then status = 'todo'
    else status = 'ready' end
    local ord = int(-(n.priority or 0) * 1e9 + seq) -- a string: dispatch order, kept as the score everywhere
    -- counters and flags absent = 0 (consecutiveFailures, blockRecurrences, sticky, pending):
    -- a task hash holds what differs from a fresh task's defaults
    local f = { 'id', id, 'title', n.title, 'status', status, 'priority', int(n.priority or 0), 'createdAt', NOWS, 'ord', ord }
    if status == 'blocked' then
      for _, v in ipairs({ 'sticky', '1', 'blockReason', 'created blocked' }) do table.insert(f, v) end
    end
    if pending > 0 then f[#f + 1] = 'pending'; f[#f + 1] = tostring(pending) end
    if linked then f[#f + 1] = 'hasParents'; f[#f + 1] = '1' end
    for _, k in ipairs(NODE_TEXT_FIELDS) do
      local v = n[k]
      if given(v) then f[#f + 1] = k; f[#f + 1] = v end
    end
    for _, k in ipairs(NODE_INT_FIELDS) do
      local v = n[k]
      if given(v) then f[#f + 1] = k; f[#f + 1] = int(v) end
    end
    local toJob = direct and status == 'ready' and given(n.assignee) and n.assignee ~= ''
    if toJob then
      f[#f + 1] = 'inflightLane'
      f[#f + 1] = n.assignee
    end
    hashes[id] = f -- written below, once the lane jobs (queueToken) are known
    -- status index and `queued`: one ZADD per key for the whole batch, below
    local adds = zadds[status]
    if not adds then
      adds = {}
      zadds[status] = adds
    end
    adds[#adds + 1] = ord
    adds[#adds + 1] = id
    if toJob then
      queuedAdds[#queuedAdds + 1] = NOWS
      queuedAdds[#queuedAdds + 1] = id
      laneCount[n.assignee] = (laneCount[n.assignee] or 0) + 1
      reserved[#reserved + 1] = { id = id, lane = n.assignee }
      ordOf[id] = tonumber(ord)
    else
      dispatchIndex(id, { status = status, ord = ord, assignee = n.assignee }, true)
      if A.enqueue and status == 'ready' then table.insert(toEnqueue, id) end
    end
    if given(n.idempotencyKey) then redis.call('HSET', idem, n.idempotencyKey, id) end
    if status == 'scheduled' then redis.call('ZADD', P .. 'sched', n.runAt, id) end
    -- the payload as JSON text (status is this code's; cjson formats numbers through printf)
    appendEvent(id, 'created', '{"status":"' .. status .. '","parents":' .. int(#(n.parentIds or {}) + #(n.parentRefs or {})) .. '}')
    if status == 'blocked' then appendEvent(id, 'blocked', { reason = 'created blocked', sticky = true }) end
    created[#created + 1] = n.ref
  end
end
for status, list in pairs(zadds) do zaddAll(statusKey(status), list) end
zaddAll(P .. 'queued', queuedAdds)
-- in flight: one increment per lane for the tasks that went straight to a job; their jobs
-- in dispatch order (priority desc, then oldest), as reserveDispatch would have made them
for lane, k in pairs(laneCount) do redis.call('HINCRBY', P .. 'inflight', lane, k) end
-- (nodes come in creation order, so with equal priorities they already are: no sort then)
local sorted = true
for i = 2, #reserved do
  if ordOf[reserved[i - 1].id] > ordOf[reserved[i].id] then sorted = false; break end
end
if not sorted then table.sort(reserved, function(a, b) return ordOf[a.id] < ordOf[b.id] end) end
for _, j in ipairs(groupJobs(reserved, laneCount, true)) do
  local h = hashes[j.id]
  h[#h + 1] = 'queueToken'
  h[#h + 1] = j.token
  j.token = nil
end
-- each new task's hash in one write
for _, r in ipairs(created) do
  local id = ids[r]
  if hasChildren[id] then
    local h = hashes[id]
    h[#h + 1] = 'hasChildren'
    h[#h + 1] = '1'
  end
  redis.call('HSET', taskKey(id), unpack(hashes[id]))
end
return reply({ ok = true, ids = ids, created = created, jobs = reserved, toEnqueue = toEnqueue })
