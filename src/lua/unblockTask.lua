--[[ unblockTask: blocked | scheduled -> ready | todo (a parent unsatisfied)
  Clears stickiness, the failure counter and last error; keeps block recurrences (so a
  block loop is still detected); closes a dangling run.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id, actor? }
  Returns { ok = true, status } | { ok = false, status } | { err }
  Events:  unblocked { from, to }
]]
--@include events
--@include status
--@include runs

local id = A.id
local t = loadTask(id)
if not t then return fail('TASK_NOT_FOUND', { id = id }) end
local from = t.status
if from ~= 'blocked' and from ~= 'scheduled' then return refused(t, id) end
closeRun(id, t, 'reclaimed', { error = 'closed by unblock' })
setSticky(id, t, false)
redis.call('HSET', taskKey(id), 'consecutiveFailures', '0')
redis.call('HDEL', taskKey(id), 'lastFailureError', 'runAt', 'blockReason')
redis.call('ZREM', K.scheduled, id)
local to = readyOrTodo(t)
setStatus(id, t, to)
appendEvent(id, 'unblocked', { from = from, to = to, actor = A.actor or NULL })
return reply({ ok = true, status = to })
