--[[ releaseTask: running -> ready | review | todo, neutral (a worker gives a task back)
  Used on worker shutdown after the grace period: the run is closed `reclaimed` but
  nothing is counted — the task did not fail, its worker left.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id, runId, reason }
  Returns { ok = true, status } | { ok = false, status } | { err }
  Events:  released { reason, neutral = true } (the run's id)
]]
--@include events
--@include status
--@include runs

local id = A.id
local t = loadTask(id)
if not t then return fail('TASK_NOT_FOUND', { id = id }) end
if t.status ~= 'running' or t.currentRunId ~= A.runId then return refused(t, id) end
local fromReview = t.runFromReview == '1'
local rid = closeRun(id, t, 'reclaimed', { error = A.reason })
redis.call('HDEL', taskKey(id), 'runFromReview')
-- a force-promoted task goes back to ready: the operator's override outlives the run
local to = fromReview and 'review' or readyOrTodo(t)
setStatus(id, t, to)
appendEvent(id, 'released', { reason = A.reason, neutral = true }, rid)
return reply({ ok = true, status = to })
