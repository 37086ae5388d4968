--[[ claimBatch: claimTask for each task of one BullMQ job, in one call
  A worker's lane job carries up to `tasksPerJob` tasks and one queue token; the worker
  claims as many of them as it has free slots in one round trip. Each task is claimed
  exactly as claimTask does (includes/claim.lua): the same compare-and-set, token check
  and events; one task's refusal does not affect the others.
  Bounded: at most `tasksPerJob` ids per call (the caller's job).
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { ids = [id], claimer, queueToken, ttlMs? }
  Returns { results = [ claimTask's reply per id, in order ] }
  Events:  as claimTask, per task
]]
--@include base
--@include events
--@include status
--@include runs
--@include claim

local results = {}
for i, id in ipairs(A.ids) do results[i] = claimOne(id, A.claimer, A.ttlMs, A.queueToken) end
return reply({ results = results })
