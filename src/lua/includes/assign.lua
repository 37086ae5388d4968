-- assignOne(id, t, to, extra) -> true when the assignee changed: the body of assignTask,
-- shared with the bulk `reassign` (bulkTasks), for a task that is assignable(t) (not `running`). `to` is the
-- lane (lower-cased) or nil to unassign. A change of assignee resets the failure counter
-- (the new lane gets a fresh budget). Event `assigned { from, to }` plus `extra`'s fields
-- (a bulk call's actor and op) when it changed.
--@include events
--@include listing
--@include status

local function assignable(t) return t.status ~= 'running' end

local function assignOne(id, t, to, extra)
  if to == t.assignee then return false end
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
  appendEvent(id, 'assigned', withFields({ from = from or NULL, to = to or NULL }, extra))
  return true
end
