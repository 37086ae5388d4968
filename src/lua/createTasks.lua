--[[ createTasks: (none) -> blocked | triage | scheduled | todo | ready
  createTask (one node) and createTasks (a whole DAG) in one call: every check first, then
  every write, so a rejected batch writes nothing and concurrent duplicates of an
  idempotency key create one task. A DAG too large for one call is written in parts in one
  MULTI / EXEC instead (createCheck, createWrite, createLink; includes/createBatch.lua).
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { nodes = [ { ref, title, body?, assignee?, priority, tenant?, createdBy?,
            maxRetries?, maxRuntimeMs?, idempotencyKey?, triage?, blocked?, runAt?,
            metadata? (JSON text), parentIds = [existing id], parentRefs = [earlier ref] } ],
            enqueue? (an autoEnqueue handle: hand the new ready tasks to BullMQ),
            batchKey?, digest? (with a batch key: the content's digest) }
            Nodes arrive in topological order (the TS side validated refs and cycles).
  A batch key already recorded (includes/batchRecord.lua) with the same digest replays the
  recorded ids and writes nothing; with another digest the call fails, writing nothing.
  With `enqueue`, when the board's caps cannot bind for this batch (no maxInProgress /
  maxInProgressPerAssignee, or room for every node), new ready tasks with an assignee go
  straight to `queued` — never filed in `dq` — grouped into lane jobs as reserveDispatch
  does (includes/jobs.lua, room from includes/reserve.lua); the caller adds those jobs.
  Other new ready tasks (no assignee, or caps that could bind) are filed as usual and
  listed in `toEnqueue` for the caller's reserveDispatch, which applies the default lane
  and the caps in dispatch order.
  Returns { ok = true, ids = { ref = id }, created = [ref], jobs = [ { id, lane, jobId } ],
            toEnqueue = [id] } | { ok = true, replayed = true, ids = { ref = id } }
          | { err = 'UNKNOWN_PARENT', id } | { err = 'BATCH_KEY_CONFLICT', batchKey }
  Events:  created (+ blocked when created blocked) per new task.
]]
--@include batchRecord
--@include createNodes
--@include jobs

local nodes = A.nodes
-- 0. a batch key seen before: its ids again, or a conflict; nothing written either way
if given(A.batchKey) then
  local ids = replayBatch(A.batchKey, A.digest)
  if ids then return reply({ ok = true, replayed = true, ids = ids }) end
  if ids == false then return fail('BATCH_KEY_CONFLICT', { batchKey = A.batchKey }) end
end
-- 1. checks, no writes
local batchKeys = {} -- idempotencyKey -> ref of an earlier node in this batch
local existing, missing = checkNodes(nodes, function(key) return batchKeys[key] end, function(key, ref) batchKeys[key] = ref end)
if missing then return fail('UNKNOWN_PARENT', { id = missing }) end
local fresh = 0
for _, n in ipairs(nodes) do if not existing[n.ref] then fresh = fresh + 1 end end

-- 2. writes; the new tasks' ids come from one increment of the task counter, and they go
-- straight to a lane job only when no cap can bind for this batch (see the header)
local direct = goesDirect(fresh, function() return nodeLanes(nodes) end)
local seq = fresh > 0 and redis.call('HINCRBY', K.seq, 'task', fresh) - fresh or 0
local w = writeNodes(nodes, existing, direct, seq, nil)
-- their jobs in dispatch order (priority desc, then oldest), as reserveDispatch would make them
sortByOrd(w.reserved, w.ordOf)
for _, j in ipairs(groupJobs(w.reserved, w.laneCount, true)) do
  local h = w.hashes[j.id]
  h[#h + 1] = 'queueToken'
  h[#h + 1] = j.token
  j.token = nil
end
writeHashes(w)
if given(A.batchKey) then recordBatch(A.batchKey, A.digest, w.ids) end
return reply({ ok = true, ids = w.ids, created = w.created, jobs = w.reserved, toEnqueue = w.toEnqueue })
