-- setStatus(id, task, to): moves the task between status indexes and keeps the derived
-- sets in step: `nsblocked` holds exactly the blocked tasks that are not sticky (the only
-- blocked tasks recompute-ready may revisit). Set t.sticky before calling.
local function setStatus(id, t, to)
  if t.status ~= to then
    redis.call('ZREM', statusKey(t.status), id)
    redis.call('ZADD', statusKey(to), t.ord, id)
    redis.call('HSET', taskKey(id), 'status', to)
    t.status = to
  end
  if to == 'blocked' and t.sticky ~= '1' then
    redis.call('SADD', P .. 'nsblocked', id)
  else
    redis.call('SREM', P .. 'nsblocked', id)
  end
end

local function setSticky(id, t, sticky)
  t.sticky = sticky and '1' or '0'
  redis.call('HSET', taskKey(id), 'sticky', t.sticky)
end
