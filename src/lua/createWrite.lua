--[[ createWrite: (none) -> blocked | triage | scheduled | todo | ready   (one part of a large createTasks)
  One write part of a DAG written in parts (includes/createBatch.lua): step 2 of
  createTasks for its nodes, after the check parts. The first write part takes the ids of
  the whole DAG (scratch field seq) and decides for it whether new ready tasks go straight
  to lane jobs (goesDirect, with the DAG's fresh count and lanes); refs of earlier parts
  resolve through i:<ref>, written for the refs in `keep` (those a later call names). A
  wide node comes without its parents (links = how many it has; createLink calls link
  them). Lane jobs are grouped once, by the last call, over the whole DAG (as one call
  would group them).
  With a batch key, the part's ref -> id map joins the key's record (includes/batchRecord.lua).
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { batch (id), nodes = [ createTasks' node, + linkLater?, links? ], enqueue?,
            keep? = [ref], last?, batchKey?, digest? }
  Returns what createTasks returns for its own nodes (jobs: the last call, all of them)
          | { ok = true, skipped = true } (a check part failed: nothing written)
  Events:  created (+ blocked when created blocked) per new task.
]]
--@include batchRecord
--@include createBatch
--@include createNodes

local nodes, batch = A.nodes, A.batch
local stop = openPart(batch, A.last)
if stop then return stop end
local scratch = createBatchKey(batch)
local existing = {}
for _, n in ipairs(nodes) do
  if given(n.idempotencyKey) then
    local h = redis.call('HMGET', scratch, 'x:' .. n.ref, 's:' .. n.ref)
    if h[1] then existing[n.ref] = h[1] elseif h[2] then existing[n.ref] = { sameAs = h[2] } end
  end
end

local direct, seq
if redis.call('HEXISTS', scratch, 'seq') == 1 then
  -- a later write part: the first one decided for the whole DAG
  local h = redis.call('HMGET', scratch, 'seq', 'direct')
  seq, direct = tonumber(h[1]), h[2] == '1'
else
  local total = tonumber(redis.call('HGET', scratch, 'fresh'))
  direct = goesDirect(total, function() return batchLanes(batch) end)
  seq = total > 0 and redis.call('HINCRBY', K.seq, 'task', total) - total or 0
end
local w = writeNodes(nodes, existing, direct, seq, scratch)
-- its tasks that went straight to a job wait for the last call's grouping
writeHashes(w)
if given(A.batchKey) then recordBatch(A.batchKey, A.digest, w.ids) end
if #w.reserved > 0 then
  local list = {}
  for i, j in ipairs(w.reserved) do list[i] = { j.id, j.lane, int(w.ordOf[j.id]) } end
  redis.call('RPUSH', createBatchJobsKey(batch), cjson.encode(list))
end
if not A.last then
  local f = { 'seq', int(w.seq), 'direct', direct and '1' or '0' }
  for _, ref in ipairs(A.keep or {}) do
    f[#f + 1] = 'i:' .. ref
    f[#f + 1] = w.ids[ref]
  end
  redis.call('HSET', scratch, unpack(f))
  return reply({ ok = true, ids = w.ids, created = w.created, jobs = {}, toEnqueue = w.toEnqueue })
end
-- the last part (no wide node's links after it)
local jobs = {}
finishJobs(batch, jobs)
return reply({ ok = true, ids = w.ids, created = w.created, jobs = jobs, toEnqueue = w.toEnqueue })
