-- unblockOne(id, t, extra) -> the status it went to: the body of unblockTask, shared with the
-- bulk `unblock` and `retry` (bulkTasks). Clears stickiness, the failure counter and last
-- error (so it resets the breaker of a `gave_up` task); keeps block recurrences (a block loop
-- is still detected); closes a dangling run. Event `unblocked { from, to }` plus `extra`'s
-- fields (the actor, a bulk call's op). unblockable(t) first: the statuses it applies to.
--@include events
--@include status
--@include runs

local function unblockable(t) return t.status == 'blocked' or t.status == 'scheduled' end

local function unblockOne(id, t, extra)
  local from = t.status
  closeRun(id, t, 'reclaimed', { error = 'closed by unblock' })
  setSticky(id, t, false)
  redis.call('HSET', taskKey(id), 'consecutiveFailures', '0')
  redis.call('HDEL', taskKey(id), 'lastFailureError', 'runAt', 'blockReason')
  redis.call('ZREM', K.scheduled, id)
  local to = readyOrTodo(t)
  setStatus(id, t, to)
  appendEvent(id, 'unblocked', withFields({ from = from, to = to }, extra))
  return to
end
