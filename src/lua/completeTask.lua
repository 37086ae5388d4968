--[[ completeTask: running | ready | blocked -> done
  Closes the run `completed` (records a zero-length run when none was open and a result is
  given), resets the failure counter and block kind/recurrences, and promotes the children
  whose parents are now all satisfied — all in this one step.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id, runId?, result?, summary?, metadata? (JSON text) }
  Returns { ok = true, promoted = [id] } | { ok = false, status } | { err }
  Events:  completed { summary = first line } (run id), promoted per released child.
]]
--@include base
--@include events
--@include effectiveLimit
--@include status
--@include runs
--@include promote
--@include complete

return reply(completeOne(A.id, A))
