--[[ reclaimTask: running -> ready | todo   (operator takes the task back)
  Closes the run `reclaimed` and resets the failure counter. The old worker's later writes
  carry a run id that is no longer open, so they are refused.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id, reason? }
  Returns { ok = true, status, runId } | { ok = false, status } | { err }
  Events:  reclaimed { reason, manual = true } (the closed run's id)
]]
--@include events
--@include status
--@include runs

local id = A.id
local t = loadTask(id)
if not t then return fail('TASK_NOT_FOUND', { id = id }) end
if t.status ~= 'running' then return refused(t, id) end
local rid = closeRun(id, t, 'reclaimed', { error = A.reason })
redis.call('HSET', taskKey(id), 'consecutiveFailures', '0')
redis.call('HDEL', taskKey(id), 'lastFailureError', 'runFromReview')
local to = readyOrTodo(t)
setStatus(id, t, to)
appendEvent(id, 'reclaimed', { reason = A.reason or NULL, manual = true }, rid or NULL)
return reply({ ok = true, status = to, runId = rid or NULL })
