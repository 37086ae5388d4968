--[[ scheduleTask: todo | ready | running | blocked -> scheduled
  Parked until unblockTask releases it, or — when runAt is given — until the dispatcher's
  releaseDue step passes runAt.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id, reason?, runId?, runAt? }
  Returns { ok = true } | { ok = false, status } | { err }
  Events:  scheduled { reason, runAt }; an open run is closed `scheduled`.
]]
--@include events
--@include status
--@include runs

local id = A.id
local t = loadTask(id)
if not t then return fail('TASK_NOT_FOUND', { id = id }) end
local s = t.status
if s ~= 'todo' and s ~= 'ready' and s ~= 'running' and s ~= 'blocked' then return refused(t, id) end
if given(A.runId) and t.currentRunId ~= A.runId then return refused(t, id) end
local rid = closeRun(id, t, 'scheduled', { summary = A.reason })
setSticky(id, t, false)
if given(A.runAt) then
  redis.call('HSET', taskKey(id), 'runAt', int(A.runAt))
  redis.call('ZADD', K.scheduled, A.runAt, id)
else
  redis.call('HDEL', taskKey(id), 'runAt')
  redis.call('ZREM', K.scheduled, id)
end
setStatus(id, t, 'scheduled')
appendEvent(id, 'scheduled', { reason = A.reason or NULL, runAt = A.runAt or NULL }, rid or NULL)
return reply({ ok = true })
