--[[ reserveDispatch: ready | review waiting in `dq` -> `queued` (handed to BullMQ)
  Picks tasks in dispatch order (priority desc, then oldest) under the board's caps —
  maxInProgress (running + queued) and maxInProgressPerAssignee — and groups them, per
  lane and in that order, into BullMQ jobs of up to `tasksPerJob` tasks (setting, default
  10; a lane with few tasks in this call gets one-task jobs, so that a small amount of
  work spreads over the fleet: group size = min(tasksPerJob, max(1, floor(n / 4))) for n
  tasks of the lane). Each job takes a new board-wide token `n`, its BullMQ job id is
  `j<n>`, and every task in it gets queueToken = n: a claim that carries another token is
  refused, so a task is never held twice. Unassigned tasks take the board's
  defaultAssignee when one is set, else stay ready and are counted. The caller adds one
  BullMQ job per distinct jobId; a crash in between is repaired by requeueLost.
  Bounded: at most `scan` candidates are looked at; the per-lane cap reads the
  `inflight` counter of the lane (includes/status.lua).
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { count, scan, ids? (only these: the immediate enqueue after a completion), fence? }
  Returns { jobs = [ { id, lane, jobId } ] (one entry per task, in dispatch order; tasks
            that share a jobId go in one BullMQ job), skippedCapped, skippedUnassigned,
            skippedCooldown } | { err = 'STALE_LEADER' }
  Events:  assigned { to, by = 'dispatcher' } when the default assignee is applied
]]
--@include base
--@include events
--@include status
--@include fence
--@include jobs

local stop = fenced()
if stop then return stop end

local function pick(index)
  if A.ids then
    local out = {}
    for _, id in ipairs(A.ids) do
      if redis.call('ZSCORE', P .. index, id) then table.insert(out, id) end
    end
    return out
  end
  return redis.call('ZRANGE', P .. index, 0, A.scan - 1)
end

-- 1. unassigned tasks: the default lane, or counted and left alone
local default = redis.call('HGET', SETTINGS, 'defaultAssignee')
local skippedUnassigned = 0
if default and default ~= '' then
  for _, id in ipairs(pick('dqu')) do
    redis.call('HSET', taskKey(id), 'assignee', default)
    redis.call('ZREM', P .. 'dqu', id)
    redis.call('ZADD', P .. 'dq', redis.call('HGET', taskKey(id), 'ord'), id)
    appendEvent(id, 'assigned', { from = NULL, to = default, by = 'dispatcher' })
  end
else
  skippedUnassigned = redis.call('ZCARD', P .. 'dqu')
end

-- 2. what is in flight
local maxIn = setting('maxInProgress', 0)
local maxLane = setting('maxInProgressPerAssignee', 0)
local capacity = math.huge
if maxIn > 0 then
  capacity = maxIn - redis.call('ZCARD', statusKey('running')) - redis.call('ZCARD', P .. 'queued')
end
-- 3. reserve in dispatch order
local jobs, capped, laneCount = {}, 0, {}
for _, id in ipairs(pick('dq')) do
  if #jobs >= A.count then break end
  local h = redis.call('HMGET', taskKey(id), 'status', 'assignee', 'cooldownUntil')
  local status, lane, cool = h[1], h[2], num(h[3])
  if status ~= 'ready' and status ~= 'review' then
    redis.call('ZREM', P .. 'dq', id)
  elseif cool and cool > NOW then
    redis.call('ZREM', P .. 'dq', id)
    redis.call('ZADD', P .. 'cooldowns', cool, id)
  elseif capacity <= 0 or (maxLane > 0 and num(redis.call('HGET', P .. 'inflight', lane), 0) >= maxLane) then
    capped = capped + 1
  else
    redis.call('ZREM', P .. 'dq', id)
    redis.call('ZADD', P .. 'queued', NOW, id)
    enterInflight(id, { assignee = lane })
    capacity = capacity - 1
    laneCount[lane] = (laneCount[lane] or 0) + 1
    table.insert(jobs, { id = id, lane = lane })
  end
end
-- 4. group per lane into jobs; one token per job
groupJobs(jobs, laneCount)

return reply({
  jobs = jobs,
  skippedCapped = capped,
  skippedUnassigned = skippedUnassigned,
  skippedCooldown = redis.call('ZCOUNT', P .. 'cooldowns', '(' .. NOW, '+inf'),
})
