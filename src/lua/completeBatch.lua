--[[ completeBatch: completeTask for several tasks, in one call
  Completions made while earlier ones are on the wire go to Redis together (a worker's
  handlers finishing at the same time); each is applied exactly as completeTask does
  (includes/complete.lua), in order, and one refusal does not affect the others.
  Bounded: at most 50 items per call (the caller's batch limit).
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { items = [ { id, runId?, result?, summary?, metadata? (JSON text) } ], enqueue? }
  With `enqueue`, the children the batch promoted are reserved in the same call, as in
  completeTask (includes/handover.lua).
  Returns { results = [ completeTask's reply per item, in order ], jobs = [ { id, lane, jobId } ],
            rest = [id] }
  Events:  as completeTask, per item
]]
--@include base
--@include events
--@include effectiveLimit
--@include status
--@include runs
--@include promote
--@include complete
--@include lanecap
--@include jobs
--@include reserve
--@include handover

local results, promoted = {}, {}
for i, item in ipairs(A.items) do
  results[i] = completeOne(item.id, item)
  for _, cid in ipairs(results[i].promoted or {}) do table.insert(promoted, cid) end
end
local jobs, rest = handOver(promoted)
return reply({ results = results, jobs = jobs, rest = rest })
