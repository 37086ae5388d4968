--[[ createTasks: (none) -> blocked | triage | scheduled | todo | ready
  One script for createTask (one node) and createTasks (a whole DAG): every check first,
  then every write, so a rejected batch writes nothing and concurrent duplicates of an
  idempotency key create one task.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { nodes = [ { ref, title, body?, assignee?, priority, tenant?, createdBy?,
            maxRetries?, maxRuntimeMs?, idempotencyKey?, triage?, blocked?, runAt?,
            metadata? (JSON text), parentIds = [existing id], parentRefs = [earlier ref] } ],
            enqueue? (an autoEnqueue handle: hand the new ready tasks to BullMQ),
            batch? (one part of a large DAG, see below) }
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

  A large DAG (src/create.ts#createInParts) is not one call but one MULTI / EXEC of parts,
  so no single call holds Redis long and the whole is still one atomic step: check calls,
  then a write call per part, each followed by the link calls of its wide nodes, all with
  batch = { id }. They share a scratch hash `cb:<id>` (fields below), `cb:<id>:l` (lane ->
  nodes with that assignee) and `cb:<id>:r` (each write part's tasks that went straight to
  a job), which the last call (batch.last) deletes. Inside EXEC no other client runs, so
  nobody sees them.
    check part  (batch.check; nodes: only those with an idempotencyKey or parentIds, and
      wide ones, with only what the checks need; count = how many nodes the DAG has and
      lanes = { lane = nodes with that assignee }, both in the first check part only):
      the checks of step 1 for its nodes -> fields x:<ref> (an existing task's id),
      s:<ref> (same key as an earlier ref), k:<key> (ref holding a key), fresh (count),
      now (the first check's clock: every part writes the same time), pend:<ref> (a wide
      node's unsatisfied parents: node.linkLater, with keyedRefs = its refs to nodes with
      an idempotency key and newRefs = how many refs it has to nodes without one);
      a failure is kept in field `err` and returned; every later part then writes nothing.
      Returns { ok = true, checked = n } | the failure.
    write part: step 2 for its nodes; the first one takes the ids (field seq) and decides
      `direct` for the whole DAG; refs of earlier parts resolve through i:<ref>, written for
      the refs in batch.keep (those a later call names). A wide node comes without its
      parents (links = how many it has). Lane jobs are grouped once, by the last call, over the
      whole DAG (as one call would group them).
      Returns what a single call returns for its own nodes (jobs: the last call, all of
      them), or { ok = true, skipped = true } after a failed check.
    link part  (batch.link = { ref, parentIds?, parentRefs? }): for a slice of a wide
      node's parents, fills its parent set, adds it to each one's child set and flags them
      hasChildren. Returns the reply of a write part with no nodes.
]]
--@include events
--@include status
--@include jobs
--@include reserve

local nodes = A.nodes
local idem = K.idem
local NODE_TEXT_FIELDS = { 'body', 'assignee', 'tenant', 'createdBy', 'idempotencyKey', 'metadata' }
local NODE_INT_FIELDS = { 'maxRetries', 'maxRuntimeMs', 'runAt' }
local NONE = {} -- for a node without parent ids / refs (no new empty table per node)
local batch = A.batch
local scratch, scratchLanes, scratchJobs
if batch then
  scratch = createBatchKey(batch.id)
  scratchLanes = createBatchLanesKey(batch.id)
  scratchJobs = createBatchJobsKey(batch.id)
end

-- 1. checks, no writes (a check part writes only its scratch fields)
local existing = {}   -- ref -> id of a task an idempotency key matched, or { sameAs = ref }
local missing         -- a parent id that names no task
local waitingOn = {}  -- a wide node's ref -> how many of its parent ids are unsatisfied
-- checkNodes(list, earlier, remember): the checks of `list` into existing / missing;
-- earlier(key) = the ref of an earlier node of the DAG with that key, remember(key, ref)
local function checkNodes(list, earlier, remember)
  for _, n in ipairs(list) do
    if given(n.idempotencyKey) then
      local hit = redis.call('HGET', idem, n.idempotencyKey)
      if hit and redis.call('EXISTS', taskKey(hit)) == 1 then
        existing[n.ref] = hit
      else
        local same = earlier(n.idempotencyKey)
        if same then existing[n.ref] = { sameAs = same } else remember(n.idempotencyKey, n.ref) end
      end
    end
    if not existing[n.ref] then
      local unsatisfied = 0
      for _, pid in ipairs(n.parentIds or NONE) do
        local status = redis.call('HGET', taskKey(pid), 'status')
        if not status then missing = pid; break end
        if n.linkLater and not isSatisfied(status) then unsatisfied = unsatisfied + 1 end
      end
      if n.linkLater then waitingOn[n.ref] = unsatisfied end
    end
    if missing then break end
  end
end
if batch and batch.check then
  if redis.call('HEXISTS', scratch, 'err') == 1 then return reply({ ok = true, skipped = true }) end
  checkNodes(nodes, function(key) return redis.call('HGET', scratch, 'k:' .. key) end,
    function(key, ref) redis.call('HSET', scratch, 'k:' .. key, ref) end)
  if missing then
    redis.call('HSET', scratch, 'err', '1')
    return fail('UNKNOWN_PARENT', { id = missing })
  end
  local hits = 0
  for ref, hit in pairs(existing) do
    hits = hits + 1
    if type(hit) == 'table' then redis.call('HSET', scratch, 's:' .. ref, hit.sameAs) else redis.call('HSET', scratch, 'x:' .. ref, hit) end
  end
  -- a wide node: how many of its parents are unsatisfied — its parent ids (counted above),
  -- its refs to nodes without a key (new tasks), and its refs to keyed nodes, which may be
  -- existing tasks (each parent once, as one call counts them)
  for _, n in ipairs(nodes) do
    if waitingOn[n.ref] then
      local pend, seen = waitingOn[n.ref] + (n.newRefs or 0), {}
      for _, pid in ipairs(n.parentIds or NONE) do seen[pid] = true end
      for _, r in ipairs(n.keyedRefs or NONE) do
        local h = redis.call('HMGET', scratch, 'x:' .. r, 's:' .. r)
        local who = h[1] or ('ref:' .. (h[2] or r))
        if not seen[who] then
          seen[who] = true
          if not h[1] or not isSatisfied(redis.call('HGET', taskKey(h[1]), 'status')) then pend = pend + 1 end
        end
      end
      redis.call('HSET', scratch, 'pend:' .. n.ref, pend)
    end
  end
  redis.call('HINCRBY', scratch, 'fresh', (A.count or 0) - hits)
  redis.call('HSETNX', scratch, 'now', NOWS)
  for lane, k in pairs(A.lanes or {}) do redis.call('HINCRBY', scratchLanes, lane, k) end
  return reply({ ok = true, checked = #nodes })
end

-- dispatch order of the tasks that went straight to a job (ordOf: id -> ord)
local ordOf = {}
local function byOrd(a, b) return ordOf[a.id] < ordOf[b.id] end
-- (nodes come in creation order, so with equal priorities they already are: no sort then)
local function sortByOrd(list)
  for i = 2, #list do
    if ordOf[list[i - 1].id] > ordOf[list[i].id] then
      table.sort(list, byOrd)
      break
    end
  end
end
-- finishJobs(all): the last call of a large DAG groups its lane jobs into `all`, as one
-- call would have grouped them (the tasks' queueToken written here), then deletes the
-- scratch keys
local function finishJobs(all)
  local counts = {}
  for _, text in ipairs(redis.call('LRANGE', scratchJobs, 0, -1)) do
    for _, e in ipairs(cjson.decode(text)) do
      all[#all + 1] = { id = e[1], lane = e[2] }
      ordOf[e[1]] = tonumber(e[3])
      counts[e[2]] = (counts[e[2]] or 0) + 1
    end
  end
  sortByOrd(all)
  groupJobs(all, counts, false)
  redis.call('DEL', scratch, scratchLanes, scratchJobs)
end

if batch then
  -- a write or link part: nothing when a check failed (or, a failed call, never ran);
  -- one clock reading for the whole step: the first check part's
  local flags = redis.call('HMGET', scratch, 'err', 'fresh', 'now')
  if flags[1] or not flags[2] then
    if batch.last then redis.call('DEL', scratch, scratchLanes, scratchJobs) end
    return reply({ ok = true, skipped = true })
  end
  NOWS = flags[3]
  NOW = tonumber(NOWS)
end
if batch and batch.link then
  -- a link part: a slice of a wide node's parents (ids, and refs of this DAG), after the
  -- node's write part
  local id = redis.call('HGET', scratch, 'i:' .. batch.link.ref)
  local plist = {}
  for _, pid in ipairs(batch.link.parentIds or NONE) do plist[#plist + 1] = pid end
  for _, r in ipairs(batch.link.parentRefs or NONE) do plist[#plist + 1] = redis.call('HGET', scratch, 'i:' .. r) end
  redis.call('SADD', parentsKey(id), unpack(plist))
  for _, pid in ipairs(plist) do
    redis.call('SADD', childrenKey(pid), id)
    if redis.call('HGET', taskKey(pid), 'hasChildren') ~= '1' then redis.call('HSET', taskKey(pid), 'hasChildren', '1') end
  end
  local jobs = {}
  if batch.last then finishJobs(jobs) end
  return reply({ ok = true, ids = {}, created = {}, jobs = jobs, toEnqueue = {} })
end

if batch then
  -- a write part
  for _, n in ipairs(nodes) do
    if given(n.idempotencyKey) then
      local h = redis.call('HMGET', scratch, 'x:' .. n.ref, 's:' .. n.ref)
      if h[1] then existing[n.ref] = h[1] elseif h[2] then existing[n.ref] = { sameAs = h[2] } end
    end
  end
else
  local batchKeys = {} -- idempotencyKey -> ref of an earlier node in this batch
  checkNodes(nodes, function(key) return batchKeys[key] end, function(key, ref) batchKeys[key] = ref end)
  if missing then return fail('UNKNOWN_PARENT', { id = missing }) end
end
local fresh = 0
for _, n in ipairs(nodes) do if not existing[n.ref] then fresh = fresh + 1 end end

-- 2. writes; the new tasks' ids come from one increment of the task counter
-- straight to a lane job only when no cap can bind for this batch (see the header)
local direct, nextSeq
if batch and redis.call('HEXISTS', scratch, 'seq') == 1 then
  -- a later write part: the first one decided for the whole DAG
  local h = redis.call('HMGET', scratch, 'seq', 'direct')
  nextSeq, direct = tonumber(h[1]), h[2] == '1'
else
  local total = batch and tonumber(redis.call('HGET', scratch, 'fresh')) or fresh
  direct = A.enqueue == true
  if direct and boardRoom() < total then direct = false end
  local maxLane = setting('maxInProgressPerAssignee', 0)
  if direct and maxLane > 0 then
    local perLane = {}
    if batch then
      local flat = redis.call('HGETALL', scratchLanes)
      for i = 1, #flat, 2 do perLane[flat[i]] = tonumber(flat[i + 1]) end
    else
      for _, n in ipairs(nodes) do
        if given(n.assignee) then perLane[n.assignee] = (perLane[n.assignee] or 0) + 1 end
      end
    end
    for lane, k in pairs(perLane) do
      if num(redis.call('HGET', K.inflight, lane), 0) + k > maxLane then direct = false end
    end
  end
  nextSeq = total > 0 and redis.call('HINCRBY', K.seq, 'task', total) - total or 0
end
-- the id of a ref: of this call, or (a write part) of an earlier part
local ids = {}
local function idOf(ref) if ids[ref] or not batch then return ids[ref] end return redis.call('HGET', scratch, 'i:' .. ref) end
local reserved, laneCount, toEnqueue = {}, {}, {}
-- status -> { score, id, ... } of the new tasks; the same for `queued`
local zadds, queuedAdds = {}, {}
-- zaddAll(key, pairs): ZADD in calls of at most 500 members (unpack has a stack limit)
local function zaddAll(key, list)
  for i = 1, #list, 1000 do
    redis.call('ZADD', key, unpack(list, i, math.min(i + 999, #list)))
  end
end
local created, hashes = {}, {}
-- hasParents / hasChildren (task fields, '1'): the task's :p / :c set may have members;
-- without them the hot paths (a claim's parents, a completion's children) skip the read
local hasChildren = {}
for _, n in ipairs(nodes) do
  local hit = existing[n.ref]
  if type(hit) == 'table' then hit = idOf(hit.sameAs) end
  if hit then
    ids[n.ref] = hit
  else
    nextSeq = nextSeq + 1
    local seq = nextSeq
    local id = string.format('t%d', seq)
    ids[n.ref] = id
    local parents = {}
    -- (a wide node, linkLater, comes without its parents: its check part counted them and
    -- link parts after this one link them)
    for _, pid in ipairs(n.parentIds or NONE) do parents[pid] = true end
    for _, r in ipairs(n.parentRefs or NONE) do parents[idOf(r)] = true end
    -- the node's own parent set in one SADD per 1,000; per parent its child set, its status
    -- and its hasChildren flag (a parent of this call is new, so unsatisfied, and gets the
    -- flag with its hash below; an existing one now, unless it has it)
    local pending, plist = 0, {}
    if n.linkLater then pending = tonumber(redis.call('HGET', scratch, 'pend:' .. n.ref)) end
    for pid in pairs(parents) do
      plist[#plist + 1] = pid
      redis.call('SADD', childrenKey(pid), id)
      if hashes[pid] then
        pending = pending + 1
        hasChildren[pid] = true
      else
        local h = redis.call('HMGET', taskKey(pid), 'status', 'hasChildren')
        if not isSatisfied(h[1]) then pending = pending + 1 end
        if not hasChildren[pid] then
          hasChildren[pid] = true
          if h[2] ~= '1' then redis.call('HSET', taskKey(pid), 'hasChildren', '1') end
        end
      end
    end
    local linked = #plist > 0 or n.linkLater == true
    for i = 1, #plist, 1000 do redis.call('SADD', parentsKey(id), unpack(plist, i, math.min(i + 999, #plist))) end
    local status
    if n.blocked then status = 'blocked'
    elseif n.triage then status = 'triage'
    elseif given(n.runAt) and n.runAt > NOW then status = 'scheduled'
    elseif pending > 0 then status = 'todo'
    else status = 'ready' end
    local ord = int(-(n.priority or 0) * 1e9 + seq) -- a string: dispatch order, kept as the score everywhere
    -- counters and flags absent = 0 (consecutiveFailures, blockRecurrences, sticky, pending):
    -- a task hash holds what differs from a fresh task's defaults
    local f = { 'id', id, 'title', n.title, 'status', status, 'priority', n.priority and int(n.priority) or '0', 'createdAt', NOWS, 'ord', ord }
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
    if status == 'scheduled' then redis.call('ZADD', K.scheduled, n.runAt, id) end
    -- the payload as JSON text (status is this code's; cjson formats numbers through printf)
    local links = n.links or (#(n.parentIds or NONE) + #(n.parentRefs or NONE))
    appendEvent(id, 'created', '{"status":"' .. status .. '","parents":' .. (links == 0 and '0' or int(links)) .. '}')
    if status == 'blocked' then appendEvent(id, 'blocked', { reason = 'created blocked', sticky = true }) end
    created[#created + 1] = n.ref
  end
end
for status, list in pairs(zadds) do zaddAll(statusKey(status), list) end
zaddAll(K.queued, queuedAdds)
-- in flight: one increment per lane for the tasks that went straight to a job; their jobs
-- in dispatch order (priority desc, then oldest), as reserveDispatch would have made them
for lane, k in pairs(laneCount) do redis.call('HINCRBY', K.inflight, lane, k) end
-- each new task's hash in one write
local function writeHashes()
  for _, r in ipairs(created) do
    local id = ids[r]
    if hasChildren[id] then
      local h = hashes[id]
      h[#h + 1] = 'hasChildren'
      h[#h + 1] = '1'
    end
    redis.call('HSET', taskKey(id), unpack(hashes[id]))
  end
end
if not batch then
  sortByOrd(reserved)
  for _, j in ipairs(groupJobs(reserved, laneCount, true)) do
    local h = hashes[j.id]
    h[#h + 1] = 'queueToken'
    h[#h + 1] = j.token
    j.token = nil
  end
  writeHashes()
  return reply({ ok = true, ids = ids, created = created, jobs = reserved, toEnqueue = toEnqueue })
end

-- a write part: its tasks that went straight to a job wait for the last part's grouping
writeHashes()
if #reserved > 0 then
  local list = {}
  for i, j in ipairs(reserved) do list[i] = { j.id, j.lane, int(ordOf[j.id]) } end
  redis.call('RPUSH', scratchJobs, cjson.encode(list))
end
if not batch.last then
  local f = { 'seq', int(nextSeq), 'direct', direct and '1' or '0' }
  for _, ref in ipairs(batch.keep or {}) do
    f[#f + 1] = 'i:' .. ref
    f[#f + 1] = ids[ref]
  end
  redis.call('HSET', scratch, unpack(f))
  return reply({ ok = true, ids = ids, created = created, jobs = {}, toEnqueue = toEnqueue })
end
-- the last part (no wide node's links after it)
local jobs = {}
finishJobs(jobs)
return reply({ ok = true, ids = ids, created = created, jobs = jobs, toEnqueue = toEnqueue })
