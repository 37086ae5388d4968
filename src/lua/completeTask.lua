--[[ completeTask: running | ready | blocked -> done
  Closes the run `completed` (records a zero-length run when none was open and a result is
  given), resets the failure counter and block kind/recurrences, and promotes the children
  whose parents are now all satisfied — all in this one step.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id, runId?, result?, summary?, metadata? (JSON text), enqueue?,
            handoff? = { claimer, lanes = [lane] } }
  With `handoff` (a worker completing its own task), one promoted child of the worker's
  lanes is claimed for that worker in the same step (includes/takeover.lua) and comes back
  in `handoff`. With `enqueue` (an autoEnqueue handle), the other promoted children are
  reserved for BullMQ in the same call (includes/handover.lua): their lane jobs come back
  in `jobs`, and any beyond the first 100 in `rest` for the caller's own reservation.
  Returns { ok = true, promoted = [id], jobs = [ { id, lane, jobId } ], rest = [id],
            handoff? = claimTask's reply with the task and its id }
          | { ok = false, status } | { err }
  Events:  completed { summary = first line } (run id), promoted per released child,
           claimed for a child taken over.
]]
--@include complete
--@include handover
--@include takeover

local r = completeOne(A.id, A)
if r.ok then
  r.handoff = takeOver(r.promoted, A.handoff)
  r.jobs, r.rest = handOver(without(r.promoted, r.handoff and r.handoff.id))
end
return reply(r)
