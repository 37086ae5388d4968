--[[ claimBatch: ready | review -> running   (claimTask for several tasks handed over by BullMQ, in one call)
  A worker's lane jobs carry up to `tasksPerJob` tasks each, with the job's queue token;
  whenever handler slots free up, the worker claims that many of the tasks it holds in
  one round trip. Each task is claimed exactly as claimTask does (includes/claim.lua): the
  same compare-and-set, token check and events; one task's refusal does not affect the
  others.
  Bounded: at most the worker's free slots per call (its concurrency).
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { ids = [id], tokens = [queueToken] (same length), claimer, ttlMs?,
            traces? = [traceparent or ''] (same length: the worker's process span per run,
            written on the run; docs/tracing.md) }
  Returns { results = [ claimTask's reply per id, in order ] }
  Events:  as claimTask, per task
]]
--@include runs
--@include claim

local results = {}
-- one increment of the run counter for the batch (a refused claim leaves its id unused)
newRunIds(#A.ids)
local traces = A.traces or {}
for i, id in ipairs(A.ids) do
  local tp = traces[i]
  results[i] = claimOne(id, A.claimer, A.ttlMs, A.tokens[i], true, (tp and tp ~= '') and tp or nil)
end
return reply({ results = results })
