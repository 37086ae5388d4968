-- setStatus(id, task, to): moves the task between status indexes and keeps the derived
-- sets in step:
--   `nsblocked` holds exactly the blocked tasks that are not sticky (the only blocked
--     tasks recompute-ready may revisit). Set t.sticky before calling.
--   `dq` / `dqu` hold the ready and review tasks waiting to be handed to BullMQ (with /
--     without an assignee), by dispatch order; `queued` those handed over and not yet
--     claimed. A task in a rate-limit cooldown waits in `cooldowns` instead.

local function inCooldown(t)
  local c = num(t.cooldownUntil)
  return c ~= nil and c > NOW
end

-- dispatchIndex(id, t): (re)files a task in dq / dqu according to status, assignee and
-- cooldown. Leaves a task that is already `queued` alone.
local function dispatchIndex(id, t)
  local dispatchable = (t.status == 'ready' or t.status == 'review') and not inCooldown(t)
  if dispatchable and redis.call('ZSCORE', P .. 'queued', id) then return end
  if dispatchable and t.assignee and t.assignee ~= '' then
    redis.call('ZADD', P .. 'dq', t.ord, id)
    redis.call('ZREM', P .. 'dqu', id)
  elseif dispatchable then
    redis.call('ZADD', P .. 'dqu', t.ord, id)
    redis.call('ZREM', P .. 'dq', id)
  else
    redis.call('ZREM', P .. 'dq', id)
    redis.call('ZREM', P .. 'dqu', id)
  end
end

-- In flight = handed to BullMQ (`queued`) or `running`. Each in-flight task counts once
-- against the lane it entered with (`inflightLane`), in the `inflight` hash, so the
-- per-lane cap is one HGET instead of a walk over everything in flight.
local function enterInflight(id, t)
  if t.inflightLane then return end
  local lane = t.assignee or ''
  redis.call('HINCRBY', P .. 'inflight', lane, 1)
  redis.call('HSET', taskKey(id), 'inflightLane', lane)
  t.inflightLane = lane
end

local function leaveInflight(id, t)
  if not t.inflightLane then return end
  if redis.call('HINCRBY', P .. 'inflight', t.inflightLane, -1) <= 0 then
    redis.call('HDEL', P .. 'inflight', t.inflightLane)
  end
  redis.call('HDEL', taskKey(id), 'inflightLane')
  t.inflightLane = nil
end

local function setStatus(id, t, to)
  if t.status ~= to then
    redis.call('ZREM', statusKey(t.status), id)
    redis.call('ZADD', statusKey(to), t.ord, id)
    redis.call('HSET', taskKey(id), 'status', to)
    t.status = to
    redis.call('ZREM', P .. 'queued', id)
    if to ~= 'running' then leaveInflight(id, t) end
    dispatchIndex(id, t)
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
