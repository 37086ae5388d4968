-- reserve(ids, count, scan): ready | review tasks waiting in `dq` -> `queued`, in dispatch
-- order (priority desc, then oldest), under maxInProgress and maxInProgressPerAssignee,
-- grouped into lane jobs (includes/jobs.lua). ids = only these (the immediate paths), else
-- the first `scan` of `dq`; at most `count` reserved. Unassigned tasks take the board's
-- defaultAssignee (event `assigned` by the dispatcher) or are counted. Tasks of a paused
-- lane, or of any lane while the board is paused (includes/pause.lua), stay in `dq` and are
-- counted in skippedPaused; a paused board reserves nothing and applies no default lane,
-- and counts the whole of `dq` (or the ids asked about). Shared by
-- reserveDispatch (the tick and the immediate enqueue) and the completion scripts (the
-- children a completion promotes).
-- -> { jobs = [ { id, lane, jobId } ], skippedCapped, skippedUnassigned, skippedCooldown, skippedPaused }
--@include events
--@include jobs
--@include listing
--@include pause
--@include status

-- boardRoom() -> how many more tasks maxInProgress lets be in flight (running + queued);
-- math.huge without the cap
local function boardRoom()
  local maxIn = setting('maxInProgress', 0)
  if maxIn <= 0 then return math.huge end
  return maxIn - redis.call('ZCARD', statusKey('running')) - redis.call('ZCARD', K.queued)
end

-- laneFull(lane, maxLane, extra?) -> the lane has maxInProgressPerAssignee (maxLane, 0 = no
-- cap) tasks in flight already (extra: more the caller counts itself, a dry run's)
local function laneFull(lane, maxLane, extra)
  return maxLane > 0 and num(redis.call('HGET', K.inflight, lane), 0) + (extra or 0) >= maxLane
end

-- candidate(id, capacity, maxLane, lane?, extra?) -> what a reservation does with a `dq`
-- entry, and the task's lane: 'gone' (no longer ready or review), 'cooling' (and the
-- cooldown's end), 'paused', 'capped' or 'take'. lane: the lane to assume (a dry run's
-- default lane for an unassigned task); extra: lane -> more in flight than the hash says
-- (a dry run counts what it would reserve itself; see laneFull). Shared by reserve and the
-- dry run (previewDispatch.lua), so the two decide alike.
local function candidate(id, capacity, maxLane, lane, extra)
  local h = redis.call('HMGET', taskKey(id), 'status', 'assignee', 'cooldownUntil')
  local status, cool = h[1], num(h[3])
  lane = lane or h[2]
  if status ~= 'ready' and status ~= 'review' then return 'gone', lane end
  if cool and cool > NOW then return 'cooling', lane, cool end
  if lanePaused(lane) then return 'paused', lane end
  if capacity <= 0 or laneFull(lane, maxLane, extra and extra[lane]) then return 'capped', lane end
  return 'take', lane
end

local function reserve(ids, count, scan)
  local function pick(index)
    if ids then
      local out = {}
      for _, id in ipairs(ids) do
        if redis.call('ZSCORE', index, id) then table.insert(out, id) end
      end
      return out
    end
    return redis.call('ZRANGE', index, 0, scan - 1)
  end

  local cooling = function() return redis.call('ZCOUNT', K.cooldowns, '(' .. NOW, '+inf') end
  -- 0. a paused board: nothing moves
  if boardPaused() then
    local skipped = ids and #pick(K.dispatchQueue) or redis.call('ZCARD', K.dispatchQueue)
    return {
      jobs = {},
      skippedCapped = 0,
      skippedUnassigned = redis.call('ZCARD', K.dispatchUnassigned),
      skippedCooldown = cooling(),
      skippedPaused = skipped,
    }
  end

  -- 1. unassigned tasks: the default lane, or counted and left alone
  local default = redis.call('HGET', SETTINGS, 'defaultAssignee')
  local skippedUnassigned = 0
  if default and default ~= '' then
    for _, id in ipairs(pick(K.dispatchUnassigned)) do
      redis.call('ZREM', K.dispatchUnassigned, id)
      local h = redis.call('HMGET', taskKey(id), 'status', 'ord', 'tenant')
      if h[1] then
        setAssignee(id, { status = h[1], ord = h[2], tenant = h[3] }, default)
        redis.call('ZADD', K.dispatchQueue, h[2], id)
        appendEvent(id, 'assigned', { from = NULL, to = default, by = 'dispatcher' })
      end
    end
  else
    skippedUnassigned = redis.call('ZCARD', K.dispatchUnassigned)
  end

  -- 2. what is in flight
  local maxLane = setting('maxInProgressPerAssignee', 0)
  local capacity = boardRoom()
  -- 3. reserve in dispatch order
  local jobs, capped, paused, laneCount = {}, 0, 0, {}
  for _, id in ipairs(pick(K.dispatchQueue)) do
    if #jobs >= count then break end
    local what, lane, cool = candidate(id, capacity, maxLane)
    if what == 'gone' then
      redis.call('ZREM', K.dispatchQueue, id)
    elseif what == 'cooling' then
      redis.call('ZREM', K.dispatchQueue, id)
      redis.call('ZADD', K.cooldowns, cool, id)
    elseif what == 'paused' then
      paused = paused + 1
    elseif what == 'capped' then
      capped = capped + 1
    else
      redis.call('ZREM', K.dispatchQueue, id)
      redis.call('ZADD', K.queued, NOWS, id)
      enterInflight(id, { assignee = lane })
      capacity = capacity - 1
      laneCount[lane] = (laneCount[lane] or 0) + 1
      table.insert(jobs, { id = id, lane = lane })
    end
  end
  -- 4. group per lane into jobs; one token per job
  groupJobs(jobs, laneCount)

  return {
    jobs = jobs,
    skippedCapped = capped,
    skippedUnassigned = skippedUnassigned,
    skippedCooldown = cooling(),
    skippedPaused = paused,
  }
end
