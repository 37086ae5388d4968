--[[ blockTask: running | ready -> blocked (sticky) | todo | triage
  kind `dependency` with an unsatisfied parent -> todo (dependency_wait); `dependency` with
  every parent satisfied is re-kinded `needs_input`. Any other kind (or none) -> blocked and
  sticky: recompute-ready never releases it, only unblockTask / promoteTask do. The same
  kind again after an unblock counts a recurrence; at 2 the task goes to triage instead.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id, reason, kind?, runId? }
  Returns { ok = true, status } | { ok = false, status } | { err }
  Events:  blocked { reason, kind, sticky } | dependency_wait | block_loop_detected; the
           run is closed `blocked`.
]]
--@include events
--@include status
--@include runs

local RECURRENCE_LIMIT = 2
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

local recurrences = num(t.blockRecurrences, 0)
if kind then
  if t.blockKind == kind then recurrences = recurrences + 1 else recurrences = 0 end
  redis.call('HSET', taskKey(id), 'blockKind', kind, 'blockRecurrences', recurrences)
end

if kind and recurrences >= RECURRENCE_LIMIT then
  setSticky(id, t, false)
  redis.call('HSET', taskKey(id), 'blockReason', A.reason)
  setStatus(id, t, 'triage')
  appendEvent(id, 'block_loop_detected', { reason = A.reason, kind = kind, recurrences = recurrences }, rid or NULL)
  return reply({ ok = true, status = 'triage' })
end

setSticky(id, t, true)
redis.call('HSET', taskKey(id), 'blockReason', A.reason)
setStatus(id, t, 'blocked')
appendEvent(id, 'blocked', { reason = A.reason, kind = kind or NULL, sticky = true }, rid or NULL)
return reply({ ok = true, status = 'blocked' })
