-- setStatus(id, task, to): moves the task between status indexes and keeps the derived
-- sets in step:
--   `doneSince` / `archivedSince` hold the done and archived tasks by the time they entered
--     that status (NOW), for retention (sweepRetention.lua).
--   `nsblocked` holds exactly the blocked tasks that are not sticky (the only blocked
--     tasks recompute-ready may revisit). Set t.sticky before calling.
--   `dq` / `dqu` hold the ready and review tasks waiting to be handed to BullMQ (with /
--     without an assignee), by dispatch order; `queued` those handed over and not yet
--     claimed. A task in a rate-limit cooldown waits in `cooldowns` instead.
--   the listing indexes by lane and tenant (includes/listing.lua) follow the status index.
--@include listing

local function inCooldown(t)
  local c = num(t.cooldownUntil)
  return c ~= nil and c > NOW
end

-- waitsOnParents(t): a parent is unsatisfied and no operator forced the task past it
-- (promoteTask force sets `forced`, kept until completion).
local function waitsOnParents(t) return num(t.pending, 0) > 0 and t.forced ~= '1' end

-- readyOrTodo(t): where a task released back to work goes.
local function readyOrTodo(t) return waitsOnParents(t) and 'todo' or 'ready' end

local function isDispatchable(status) return status == 'ready' or status == 'review' end

-- dispatchIndex(id, t, fresh): (re)files a task in dq / dqu according to status, assignee
-- and cooldown. Leaves a task that is already `queued` alone. `fresh` = the caller knows
-- the task is in none of dq / dqu / queued (it was not ready or review), which saves the
-- removals on the hot path.
local function dispatchIndex(id, t, fresh)
  local dispatchable = isDispatchable(t.status) and not inCooldown(t)
  if dispatchable and not fresh and redis.call('ZSCORE', K.queued, id) then return end
  local assigned = t.assignee and t.assignee ~= ''
  if dispatchable then
    redis.call('ZADD', assigned and K.dispatchQueue or K.dispatchUnassigned, t.ord, id)
    if not fresh then redis.call('ZREM', assigned and K.dispatchUnassigned or K.dispatchQueue, id) end
  elseif not fresh then
    redis.call('ZREM', K.dispatchQueue, id)
    redis.call('ZREM', K.dispatchUnassigned, id)
  end
end

-- In flight = handed to BullMQ (`queued`) or `running`. Each in-flight task counts once
-- against the lane it entered with (`inflightLane`), in the `inflight` hash, so the
-- per-lane cap is one HGET instead of a walk over everything in flight.
local function enterInflight(id, t)
  if t.inflightLane then return end
  local lane = t.assignee or ''
  redis.call('HINCRBY', K.inflight, lane, '1')
  redis.call('HSET', taskKey(id), 'inflightLane', lane)
  t.inflightLane = lane
end

-- hdel (optional): a list the caller deletes from the task hash itself, in one HDEL
local function leaveInflight(id, t, hdel)
  if not t.inflightLane then return end
  if redis.call('HINCRBY', K.inflight, t.inflightLane, '-1') <= 0 then
    redis.call('HDEL', K.inflight, t.inflightLane)
  end
  if hdel then hdel[#hdel + 1] = 'inflightLane' else redis.call('HDEL', taskKey(id), 'inflightLane') end
  t.inflightLane = nil
end

-- The statuses retention times (docs/lifecycle.md#retention): status -> the board key of the
-- sorted set that holds its tasks by the time they entered it.
local SINCE = { done = 'doneSince', archived = 'archivedSince' }

-- fields / hdel (optional): more task fields to set in the same HSET as the status, and a
-- list of fields the caller deletes itself (the hot transitions write the hash once).
local function setStatus(id, t, to, fields, hdel)
  local from = t.status
  if from ~= to then
    redis.call('ZREM', statusKey(from), id)
    redis.call('ZADD', statusKey(to), t.ord, id)
    -- retention's clocks: when the task entered done / archived (the status index is scored
    -- by dispatch order, not time); leaving the status leaves the index
    if SINCE[from] then redis.call('ZREM', K[SINCE[from]], id) end
    if SINCE[to] then redis.call('ZADD', K[SINCE[to]], NOWS, id) end
    listMove(id, t, from, to)
    local f = fields or {}
    f[#f + 1] = 'status'
    f[#f + 1] = to
    redis.call('HSET', taskKey(id), unpack(f))
    t.status = to
    -- only a ready or review task can be queued or filed for dispatch; a queued one is in
    -- neither dq nor dqu, so it counts as fresh for the re-filing
    local wasDispatchable = isDispatchable(from)
    local wasQueued = wasDispatchable and redis.call('ZREM', K.queued, id) == 1
    if to ~= 'running' then leaveInflight(id, t, hdel) end
    if wasDispatchable or isDispatchable(to) then dispatchIndex(id, t, wasQueued or not wasDispatchable) end
  elseif fields and #fields > 0 then
    redis.call('HSET', taskKey(id), unpack(fields))
  end
  if to == 'blocked' and t.sticky ~= '1' then
    redis.call('SADD', K.nsblocked, id)
  elseif from == 'blocked' or to == 'blocked' then
    redis.call('SREM', K.nsblocked, id)
  end
end

local function setSticky(id, t, sticky)
  t.sticky = sticky and '1' or '0'
  redis.call('HSET', taskKey(id), 'sticky', t.sticky)
end
