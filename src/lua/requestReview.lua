--[[ requestReview: running -> review
  The run is closed `review_requested`; with a reviewer the task moves to the reviewer's
  lane and remembers the author's lane, which requestChanges gives it back.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id, runId?, reviewer?, summary? }
  Returns { ok = true } | { ok = false, status } | { err }
  Events:  review_requested { reviewer, summary }
]]
--@include events
--@include listing
--@include status
--@include runs

local id = A.id
local t = loadTask(id)
if not t then return fail('TASK_NOT_FOUND', { id = id }) end
if t.status ~= 'running' then return refused(t, id) end
if given(A.runId) and t.currentRunId ~= A.runId then return refused(t, id) end
local rid = closeRun(id, t, 'review_requested', { summary = A.summary })
if given(A.reviewer) and A.reviewer ~= t.assignee then
  redis.call('HSET', taskKey(id), 'authorAssignee', t.assignee or '')
  setAssignee(id, t, A.reviewer)
end
redis.call('HDEL', taskKey(id), 'runFromReview')
setStatus(id, t, 'review')
appendEvent(id, 'review_requested', { reviewer = A.reviewer or NULL, summary = A.summary or NULL }, rid or NULL)
return reply({ ok = true })
