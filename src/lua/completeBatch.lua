--[[ completeBatch: completeTask for several tasks, in one call
  Completions made while earlier ones are on the wire go to Redis together (a worker's
  handlers finishing at the same time); each is applied exactly as completeTask does
  (includes/complete.lua), in order, and one refusal does not affect the others.
  Bounded: at most 50 items per call (the caller's batch limit).
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { items = [ { id, runId?, result?, summary?, metadata? (JSON text) } ] }
  Returns { results = [ completeTask's reply per item, in order ] }
  Events:  as completeTask, per item
]]
--@include base
--@include events
--@include effectiveLimit
--@include status
--@include runs
--@include promote
--@include complete

local results = {}
for i, item in ipairs(A.items) do results[i] = completeOne(item.id, item) end
return reply({ results = results })
