--[[ reserveDispatch: ready | review waiting in `dq` -> `queued` (handed to BullMQ)
  Picks tasks in dispatch order (priority desc, then oldest) under the board's caps —
  maxInProgress (running + queued) and maxInProgressPerAssignee — and groups them, per
  lane and in that order, into BullMQ jobs of up to `tasksPerJob` tasks (setting, default
  10; a lane with few tasks in this call gets one-task jobs, so that a small amount of
  work spreads over the fleet: group size = min(tasksPerJob, max(1, floor(n / 4))) for n
  tasks of the lane). Each job takes a new board-wide token `n`, its BullMQ job id is
  `j<n>`, and every task in it gets queueToken = n: a claim that carries another token is
  refused, so a task is never held twice. Unassigned tasks take the board's
  defaultAssignee when one is set, else stay ready and are counted. The caller adds one
  BullMQ job per distinct jobId; a crash in between is repaired by requeueLost.
  Bounded: at most `scan` candidates are looked at; the per-lane cap reads the
  `inflight` counter of the lane (includes/status.lua).
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { count, scan, ids? (only these: the immediate enqueue after a completion), fence?,
            releaseIfDone?, lostBefore? }
  releaseIfDone (a tick's reservation, with its fence): when this call reserved fewer than
  `count` — the tick's last reservation — and no queued task is older than `lostBefore`
  (no lost-job repair left for the tick), the leader lease is released here, saving the
  tick its closing round trip; `released` says so.
  Returns { jobs = [ { id, lane, jobId } ] (one entry per task, in dispatch order; tasks
            that share a jobId go in one BullMQ job), skippedCapped, skippedUnassigned,
            skippedCooldown, released? } | { err = 'STALE_LEADER' }
  Events:  assigned { to, by = 'dispatcher' } when the default assignee is applied
]]
--@include fence
--@include reserve

local stop = fenced()
if stop then return stop end

local r = reserve(A.ids, A.count, A.scan)
if A.releaseIfDone and given(A.fence) and #r.jobs < A.count then
  local old = given(A.lostBefore) and redis.call('ZRANGEBYSCORE', K.queued, '-inf', int(A.lostBefore), 'LIMIT', 0, 1) or {}
  if #old == 0 and releaseLease(A.fence) then r.released = true end
end
return reply(r)
