--[[ blockTask: running | ready -> blocked (sticky) | todo | triage
  kind `dependency` with an unsatisfied parent -> todo (dependency_wait); `dependency` with
  every parent satisfied is re-kinded `needs_input`. Any other kind (or none) -> blocked and
  sticky: recompute-ready never releases it, only unblockTask / promoteTask do.
  Block loops (docs/blocks-and-breaker.md#block-loops-go-to-triage): each block counts a
  recurrence of its kind, from 1 at the first; a block without a kind is a kind of its own
  (blockKind absent with blockRecurrences > 0); a different kind starts again at 1; only
  completion resets the count. At the board's blockRecurrenceLimit (default 2) the task goes
  to triage instead of blocked. A dependency wait neither counts nor resets.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id, reason, kind?, runId? }
  Returns { ok = true, status } | { ok = false, status } | { err }
  Events:  blocked { reason, kind, sticky } | dependency_wait |
           block_loop_detected { reason, kind, recurrences, limit }; the run is closed `blocked`.
]]
--@include events
--@include status
--@include runs

-- the default limit, as in the original system: the 2nd block of one kind escalates
local DEFAULT_RECURRENCE_LIMIT = 2
local id = A.id
local t = loadTask(id)
if not t then return fail('TASK_NOT_FOUND', { id = id }) end
if t.status ~= 'running' and t.status ~= 'ready' then return refused(t, id) end
if given(A.runId) and t.currentRunId ~= A.runId then return refused(t, id) end

local kind = given(A.kind) and A.kind or nil
local rid = closeRun(id, t, 'blocked', { summary = A.reason })

if kind == 'dependency' then
  if num(t.pending, 0) > 0 then
    setSticky(id, t, false)
    setStatus(id, t, 'todo')
    appendEvent(id, 'dependency_wait', { reason = A.reason }, rid or NULL)
    return reply({ ok = true, status = 'todo' })
  end
  kind = 'needs_input'
end

-- '' stands for "no kind" so that untyped blocks loop like any other kind
local previous = num(t.blockRecurrences, 0)
local recurrences = 1
if previous > 0 and (t.blockKind or '') == (kind or '') then recurrences = previous + 1 end
if kind then
  redis.call('HSET', taskKey(id), 'blockKind', kind, 'blockRecurrences', recurrences, 'blockReason', A.reason)
else
  redis.call('HSET', taskKey(id), 'blockRecurrences', recurrences, 'blockReason', A.reason)
  redis.call('HDEL', taskKey(id), 'blockKind')
end

local limit = setting('blockRecurrenceLimit', DEFAULT_RECURRENCE_LIMIT)
if recurrences >= limit then
  setSticky(id, t, false)
  setStatus(id, t, 'triage')
  appendEvent(id, 'block_loop_detected', { reason = A.reason, kind = kind or NULL, recurrences = recurrences, limit = limit }, rid or NULL)
  return reply({ ok = true, status = 'triage' })
end

setSticky(id, t, true)
setStatus(id, t, 'blocked')
appendEvent(id, 'blocked', { reason = A.reason, kind = kind or NULL, sticky = true }, rid or NULL)
return reply({ ok = true, status = 'blocked' })
