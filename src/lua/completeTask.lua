--[[ completeTask: running | ready | blocked -> done
  Closes the run `completed` (records a zero-length run when none was open and a result is
  given), resets the failure counter and block kind/recurrences, and promotes the children
  whose parents are now all satisfied — all in this one step.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id, runId?, result?, summary?, metadata? (JSON text), enqueue? }
  With `enqueue` (an autoEnqueue handle), the promoted children are reserved for BullMQ in
  the same call (includes/handover.lua): their lane jobs come back in `jobs`, and any
  beyond the first 100 in `rest` for the caller's own reservation.
  Returns { ok = true, promoted = [id], jobs = [ { id, lane, jobId } ], rest = [id] }
          | { ok = false, status } | { err }
  Events:  completed { summary = first line } (run id), promoted per released child.
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

local r = completeOne(A.id, A)
if r.ok then r.jobs, r.rest = handOver(r.promoted) end
return reply(r)
