-- A large createTasks (src/create.ts#createInParts) is not one call but one MULTI / EXEC of
-- parts, so no single call holds Redis long and the whole is still one atomic step:
-- createCheck calls, then a createWrite call per part, each followed by the createLink calls
-- of its wide nodes, all naming the same batch id. They share a scratch hash
-- (createBatchKey), the DAG's nodes per lane (createBatchLanesKey: lane -> nodes with that
-- assignee) and each write part's tasks that went straight to a job (createBatchJobsKey),
-- which the last call (`last`) deletes. Inside EXEC no other client runs, so nobody sees
-- them. The scratch hash's fields:
--   x:<ref> an existing task's id (its idempotency key matched)  s:<ref> same key as an
--   earlier ref  k:<key> the ref holding a key (named in its tenant's scope, idemField)
--   fresh: how many new tasks the DAG makes
--   now: the first check's clock (every part writes the same time)  pend:<ref> a wide
--   node's unsatisfied parents  err: a check failed, or the batch key's record was replayed
--   (every later part writes nothing)
--   seq, direct: the ids taken and the choice of goesDirect, by the first write part
--   i:<ref>: the id of a ref that a later call names
--
--   openPart(batchId, last) -> a skip reply when a check failed (or, a failed call, never
--     ran), else nil, with NOW / NOWS the step's one clock reading
--   batchLanes(batchId) -> lane -> how many nodes of the DAG have that assignee
--   finishJobs(batchId, all): the last call groups the DAG's lane jobs into `all`, as one
--     call would have grouped them (queueToken written here), and deletes the scratch keys
--@include createNodes
--@include jobs

local function openPart(batchId, last)
  local scratch = createBatchKey(batchId)
  local flags = redis.call('HMGET', scratch, 'err', 'fresh', 'now')
  if flags[1] or not flags[2] then
    if last then redis.call('DEL', scratch, createBatchLanesKey(batchId), createBatchJobsKey(batchId)) end
    return reply({ ok = true, skipped = true })
  end
  NOWS = flags[3]
  NOW = tonumber(NOWS)
  return nil
end

local function batchLanes(batchId)
  local perLane = {}
  local scratchLanes = createBatchLanesKey(batchId)
  local flat = redis.call('HGETALL', scratchLanes)
  for i = 1, #flat, 2 do perLane[flat[i]] = tonumber(flat[i + 1]) end
  return perLane
end

local function finishJobs(batchId, all)
  local scratchJobs = createBatchJobsKey(batchId)
  local ordOf, counts = {}, {}
  for _, text in ipairs(redis.call('LRANGE', scratchJobs, 0, -1)) do
    for _, e in ipairs(cjson.decode(text)) do
      all[#all + 1] = { id = e[1], lane = e[2] }
      ordOf[e[1]] = tonumber(e[3])
      counts[e[2]] = (counts[e[2]] or 0) + 1
    end
  end
  sortByOrd(all, ordOf)
  groupJobs(all, counts, false)
  redis.call('DEL', createBatchKey(batchId), createBatchLanesKey(batchId), scratchJobs)
end
