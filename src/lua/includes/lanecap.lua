-- Lane concurrency, as workers announce it (announceLanes.lua): one hash per window of
-- LANE_WINDOW_MS, lane -> the smallest concurrency announced in that window.
local LANE_WINDOW_MS = 30000
-- a lane no worker announced in the last two windows is sized as if served at this
-- concurrency (jobs of up to 10 tasks, as before workers announced)
local UNSEEN_LANE_CONCURRENCY = 20

-- laneWindow(back) -> the window `back` windows before the current one
local function laneWindow(back) return math.floor(NOW / LANE_WINDOW_MS) - back end
local function laneCapOf(back) return laneCapKey(int(laneWindow(back))) end

-- laneConcurrency(lane) -> the smallest concurrency a worker of the lane announced in the
-- current or the previous window (UNSEEN_LANE_CONCURRENCY when none did); read once per call
local LANE_CC = {}
RESETS[#RESETS + 1] = function() LANE_CC = {} end
local function laneConcurrency(lane)
  local c = LANE_CC[lane]
  if c then return c end
  local now, prev = num(redis.call('HGET', laneCapOf(0), lane)), num(redis.call('HGET', laneCapOf(1), lane))
  if now and prev then c = math.min(now, prev) else c = now or prev or UNSEEN_LANE_CONCURRENCY end
  LANE_CC[lane] = c
  return c
end
