--[[ releaseDue: scheduled -> ready | todo   (runAt passed)
  One bounded batch of the tick's release step; also a task whose cooldown (a rate limit's,
  or a retry backoff's: includes/backoff.lua) is over goes back to dispatch (same status).
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { count, fence? }
  Returns { released = [id], cooled = [id] } | { err = 'STALE_LEADER' }
  Events:  released { runAt } per scheduled task released
]]
--@include events
--@include status
--@include fence

local stop = fenced()
if stop then return stop end
local released, cooled = {}, {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', K.scheduled, '-inf', NOW, 'LIMIT', 0, A.count)) do
  redis.call('ZREM', K.scheduled, id)
  local t = loadTask(id)
  if t and t.status == 'scheduled' then
    redis.call('HDEL', taskKey(id), 'runAt')
    setStatus(id, t, readyOrTodo(t))
    appendEvent(id, 'released', { runAt = num(t.runAt) or NULL, to = t.status })
    table.insert(released, id)
  end
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', K.cooldowns, '-inf', NOW, 'LIMIT', 0, A.count)) do
  redis.call('ZREM', K.cooldowns, id)
  local t = loadTask(id)
  if t then
    redis.call('HDEL', taskKey(id), 'cooldownUntil', 'cooldownReason')
    t.cooldownUntil = nil
    dispatchIndex(id, t)
    table.insert(cooled, id)
  end
end
return reply({ released = released, cooled = cooled })
