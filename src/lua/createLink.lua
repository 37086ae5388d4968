--[[ createLink: (no status) a slice of a wide node's parents, in a large createTasks
  A node with more parents than a part's budget is written without them (createWrite,
  node.linkLater); link calls after its write part link them, a slice at a time
  (includes/createBatch.lua): the node's parent set, each parent's child set and its
  hasChildren flag. Its pending count was set by the check parts.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { batch (id), link = { ref, parentIds? = [existing id], parentRefs? = [ref of the
            DAG] }, last? }
  Returns { ok = true, ids = {}, created = [], jobs = [ { id, lane, jobId } ] (the last call:
            the DAG's), toEnqueue = [] } | { ok = true, skipped = true } (a check failed)
  Events:  none
]]
--@include createBatch

local batch, link = A.batch, A.link
local stop = openPart(batch, A.last)
if stop then return stop end
local scratch = createBatchKey(batch)
local id = redis.call('HGET', scratch, 'i:' .. link.ref)
local plist = {}
for _, pid in ipairs(link.parentIds or {}) do plist[#plist + 1] = pid end
for _, r in ipairs(link.parentRefs or {}) do plist[#plist + 1] = redis.call('HGET', scratch, 'i:' .. r) end
redis.call('SADD', parentsKey(id), unpack(plist))
for _, pid in ipairs(plist) do
  redis.call('SADD', childrenKey(pid), id)
  if redis.call('HGET', taskKey(pid), 'hasChildren') ~= '1' then redis.call('HSET', taskKey(pid), 'hasChildren', '1') end
end
local jobs = {}
if A.last then finishJobs(batch, jobs) end
return reply({ ok = true, ids = {}, created = {}, jobs = jobs, toEnqueue = {} })
