--[[ requestChanges: review | running (a claimed review) -> ready | todo
  The reviewer sends the task back to its author's lane (when requestReview moved it).
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id, runId?, reason }
  Returns { ok = true, status } | { ok = false, status } | { err }
  Events:  changes_requested { reason }; a claimed review's run is closed `completed`
           with the reason as its summary.
]]
--@include events
--@include listing
--@include status
--@include runs

local id = A.id
local t = loadTask(id)
if not t then return fail('TASK_NOT_FOUND', { id = id }) end
local fromReviewRun = t.status == 'running' and t.runFromReview == '1'
if t.status ~= 'review' and not fromReviewRun then return refused(t, id) end
if given(A.runId) and t.currentRunId ~= A.runId then return refused(t, id) end
local rid = closeRun(id, t, 'completed', { summary = A.reason })
if t.authorAssignee then
  setAssignee(id, t, t.authorAssignee)
  redis.call('HDEL', taskKey(id), 'authorAssignee')
end
redis.call('HDEL', taskKey(id), 'runFromReview')
local to = readyOrTodo(t)
setStatus(id, t, to)
appendEvent(id, 'changes_requested', { reason = A.reason }, rid or NULL)
return reply({ ok = true, status = to })
