--[[ completeBatch: running | ready | blocked -> done   (completeTask for several tasks, in one call)
  Completions made while earlier ones are on the wire go to Redis together (a worker's
  handlers finishing at the same time); each is applied exactly as completeTask does
  (includes/complete.lua), in order, and one refusal does not affect the others.
  Bounded: at most 50 items per call (the caller's batch limit).
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { items = [ { id, runId?, result?, summary?, metadata? (JSON text), handoff? } ], enqueue? }
  An item with `handoff` = { claimer, lanes } may take over one child it promoted, as in
  completeTask (includes/takeover.lua); with `enqueue`, the other children the batch
  promoted are reserved in the same call (includes/handover.lua).
  Returns { results = [ completeTask's reply per item, in order ], jobs = [ { id, lane, jobId } ],
            rest = [id] }
  Events:  as completeTask, per item
]]
--@include complete
--@include handover
--@include takeover

local results, promoted = {}, {}
for i, item in ipairs(A.items) do
  local r = completeOne(item.id, item)
  results[i] = r
  if r.ok then
    r.handoff = takeOver(r.promoted, item.handoff)
    for _, cid in ipairs(without(r.promoted, r.handoff and r.handoff.id)) do table.insert(promoted, cid) end
  end
end
local jobs, rest = handOver(promoted)
return reply({ results = results, jobs = jobs, rest = rest })
