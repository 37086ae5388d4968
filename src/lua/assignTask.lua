--[[ assignTask: any status but running -> same status, new assignee
  A change of assignee resets the failure counter (the new lane gets a fresh budget).
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id, assignee (lower-cased) | null to unassign }
  Returns { ok = true, changed } | { ok = false, status } | { err }
  Events:  assigned { from, to } when it changed
]]
--@include events
--@include listing
--@include status

local id = A.id
local t = loadTask(id)
if not t then return fail('TASK_NOT_FOUND', { id = id }) end
if t.status == 'running' then return refused(t, id) end
local to = given(A.assignee) and A.assignee or nil
if to == t.assignee then return reply({ ok = true, changed = false }) end
local from = t.assignee
setAssignee(id, t, to)
redis.call('HSET', taskKey(id), 'consecutiveFailures', '0')
redis.call('HDEL', taskKey(id), 'lastFailureError')
-- a job already in the old lane's queue is abandoned (its claim carries a stale queue
-- token); the task is filed for the new lane
if redis.call('ZREM', K.queued, id) == 1 then leaveInflight(id, t) end
dispatchIndex(id, t)
-- the counter was reset: a breaker-parked task is eligible at the next recompute
if t.status == 'blocked' and t.sticky ~= '1' then redis.call('SADD', K.recheck, id) end
appendEvent(id, 'assigned', { from = from or NULL, to = to or NULL })
return reply({ ok = true, changed = true })
