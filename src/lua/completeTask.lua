--[[ completeTask: running | ready | blocked -> done
  Closes the run `completed` (records a zero-length run when none was open and a result is
  given), resets the failure counter and block kind/recurrences, and promotes the children
  whose parents are now all satisfied — all in this one step.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id, runId?, result?, summary?, metadata? (JSON text) }
  Returns { ok = true, promoted = [id] } | { ok = false, status } | { err }
  Events:  completed { summary = first line } (run id), promoted per released child.
]]
--@include base
--@include events
--@include effectiveLimit
--@include status
--@include runs
--@include promote

local id = A.id
local t = loadTask(id)
if not t then return fail('TASK_NOT_FOUND', { id = id }) end
local s = t.status
if s ~= 'running' and s ~= 'ready' and s ~= 'blocked' then return refused(t, id) end
if given(A.runId) and t.currentRunId ~= A.runId then return refused(t, id) end

-- the task hash is written once (HSET) and trimmed once (HDEL)
local f = {}
local hdel = { 'blockKind', 'blockReason', 'lastFailureError', 'cooldownUntil', 'runFromReview', 'forced' }
local extra = { summary = A.summary, metadata = A.metadata }
local rid = t.currentRunId
if rid then
  closeRun(id, t, 'completed', extra, hdel)
elseif given(A.result) then
  rid = openRun(id, t, 'direct', 0, f)
  closeRun(id, t, 'completed', extra, hdel)
  f = {} -- the zero-length run opened and closed at once: its fields are gone again
  table.insert(f, 'runIds')
  table.insert(f, t.runIds)
end

for _, v in ipairs({ 'completedAt', NOWS, 'consecutiveFailures', '0', 'blockRecurrences', '0', 'sticky', '0' }) do
  table.insert(f, v)
end
if given(A.result) then table.insert(f, 'result'); table.insert(f, A.result) end
if t.cooldownUntil then redis.call('ZREM', P .. 'cooldowns', id) end
t.sticky = '0'
setStatus(id, t, 'done', f, hdel)
redis.call('HDEL', taskKey(id), unpack(hdel))
local firstLine = given(A.summary) and string.match(A.summary, '^[^\n]*') or NULL
appendEvent(id, 'completed', { summary = firstLine }, rid or NULL)
local promoted = {}
releaseChildren(id, promoted)
return reply({ ok = true, promoted = promoted })
