--[[ createCheck: (no task) the checks of a large createTasks, before any of its writes
  One check part of a DAG written in parts (includes/createBatch.lua): step 1 of
  createTasks for its nodes, results kept in the batch's scratch hash for the write parts
  after it: x:<ref>, s:<ref>, k:<key in its tenant's scope>, fresh, now, pend:<ref> (a wide node's unsatisfied
  parents: node.linkLater, with keyedRefs = its refs to nodes with an idempotency key and
  newRefs = how many refs it has to nodes without one). A failure is kept in field `err`
  and returned; every later part then writes nothing. The first check part also checks the
  batch key (includes/batchRecord.lua): a recorded one with the same digest replays its ids
  (field `err` = replayed: every later part writes nothing), with another digest fails.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { batch (id), nodes = [ { ref, tenant?, idempotencyKey?, parentIds?, linkLater?,
            keyedRefs?, newRefs? } ] (only nodes with an idempotencyKey or parentIds, and wide
            ones), count? = how many nodes the DAG has, lanes? = { lane = nodes with that
            assignee }, batchKey?, digest? (all four in the first check part only) }
  Returns { ok = true, checked = n } | { ok = true, skipped = true } (an earlier check failed)
          | { ok = true, replayed = true, ids = { ref = id } } (the batch key's record)
          | { err = 'UNKNOWN_PARENT', id } | { err = 'BATCH_KEY_CONFLICT', batchKey }
  Events:  none
]]
--@include batchRecord
--@include createNodes

local nodes = A.nodes
local scratch = createBatchKey(A.batch)
if redis.call('HEXISTS', scratch, 'err') == 1 then return reply({ ok = true, skipped = true }) end
if given(A.batchKey) then
  local ids = replayBatch(A.batchKey, A.digest)
  if ids ~= nil then redis.call('HSET', scratch, 'err', ids and 'replayed' or '1') end
  if ids then return reply({ ok = true, replayed = true, ids = ids }) end
  if ids == false then return fail('BATCH_KEY_CONFLICT', { batchKey = A.batchKey }) end
end
local existing, missing, waitingOn = checkNodes(nodes, function(key) return redis.call('HGET', scratch, 'k:' .. key) end,
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
local scratchLanes = createBatchLanesKey(A.batch)
for lane, k in pairs(A.lanes or {}) do redis.call('HINCRBY', scratchLanes, lane, k) end
return reply({ ok = true, checked = #nodes })
