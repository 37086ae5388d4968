--[[ previewDispatch: a dry run of a tick (docs/fleet.md#dry-run) — reads only, no status change
  What a tick would do now, writing nothing (no lease, no event, no index repair): the
  running tasks whose lease expired, whose heartbeat is older than staleTimeoutMs and that
  are past their maxRuntimeMs (each listed once, in that order, as the tick's steps take
  them); the scheduled tasks due; and the ready / review tasks the reservation would hand
  to BullMQ, decided as reserve does (includes/reserve.lua#candidate: caps, cooldowns,
  pauses, the default lane), from the dispatch queue as it is now — tasks the earlier steps
  would release are not added to it.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { count }   at most `count` ids per category; the reservation looks at the first
                      2 × count entries of the dispatch queue (and of the unassigned queue
                      when a defaultAssignee is set)
  Returns { reclaimed = [id], stale = [id], timedOut = [id], released = [id],
            enqueued = [id], skippedCapped, skippedUnassigned, skippedCooldown, skippedPaused }
  Bounded: 3 × count + count index entries and 4 × count task reads at most.
]]
--@flags no-writes
--@include pause
--@include reserve

local count = A.count
local seen = {}
-- the running tasks an expiry step would take (index entries up to the cutoff), into out
local function expiring(out, index, cutoff)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', cutoff, 'LIMIT', 0, count)) do
    if not seen[id] and redis.call('HGET', taskKey(id), 'status') == 'running' then
      seen[id] = true
      out[#out + 1] = id
    end
  end
end

local r = { reclaimed = {}, stale = {}, timedOut = {}, released = {}, enqueued = {} }
expiring(r.reclaimed, K.leases, NOW)
local staleMs = setting('staleTimeoutMs', 0)
if staleMs > 0 then expiring(r.stale, K.heartbeats, NOW - staleMs) end
expiring(r.timedOut, K.deadlines, NOW)
for _, id in ipairs(redis.call('ZRANGEBYSCORE', K.scheduled, '-inf', NOW, 'LIMIT', 0, count)) do
  if redis.call('HGET', taskKey(id), 'status') == 'scheduled' then r.released[#r.released + 1] = id end
end

-- the reservation: dq (and, with a default lane, dqu) in dispatch order
local cooling = redis.call('ZCOUNT', K.cooldowns, '(' .. NOW, '+inf')
r.skippedCapped, r.skippedPaused = 0, 0
local default = redis.call('HGET', SETTINGS, 'defaultAssignee')
if default == '' then default = false end
r.skippedUnassigned = default and 0 or redis.call('ZCARD', K.dispatchUnassigned)
if boardPaused() then
  r.skippedPaused = redis.call('ZCARD', K.dispatchQueue)
  r.skippedUnassigned = redis.call('ZCARD', K.dispatchUnassigned)
  r.skippedCooldown = cooling
  return reply(r)
end
local scan = count * 2
local list = {}
local function add(index, lane)
  local flat = redis.call('ZRANGE', index, 0, scan - 1, 'WITHSCORES')
  for i = 1, #flat, 2 do list[#list + 1] = { id = flat[i], ord = tonumber(flat[i + 1]), lane = lane } end
end
add(K.dispatchQueue, nil)
if default then add(K.dispatchUnassigned, default) end
table.sort(list, function(a, b) return a.ord < b.ord end)
local capacity, maxLane, extra = boardRoom(), setting('maxInProgressPerAssignee', 0), {}
for i, c in ipairs(list) do
  if i > scan or #r.enqueued >= count then break end
  local what, lane = candidate(c.id, capacity, maxLane, c.lane, extra)
  if what == 'cooling' then
    cooling = cooling + 1
  elseif what == 'paused' then
    r.skippedPaused = r.skippedPaused + 1
  elseif what == 'capped' then
    r.skippedCapped = r.skippedCapped + 1
  elseif what == 'take' then
    r.enqueued[#r.enqueued + 1] = c.id
    capacity = capacity - 1
    extra[lane] = (extra[lane] or 0) + 1
  end
end
r.skippedCooldown = cooling
return reply(r)
