--[[ announceLanes: (no task) a worker tells the board which lanes it serves, at what concurrency
  Lane jobs are sized to the fleet that takes them (includes/jobs.lua): a job carries at
  most half the smallest concurrency that a worker of its lane announced lately, so a
  worker of concurrency 1 gets one-task jobs and never sits on tasks another worker could
  start. Workers announce at start and every 10 s. Announcements go to one hash per
  30-second window (`lanecap:<window>`: lane -> the smallest concurrency announced in it),
  kept for 90 s; a reservation reads the current and the previous window, so a worker that
  stopped drops out within a minute.
  Bounded: one HGET / HSET per lane named, and the lanes added to `lanes` (deleteBoard).
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { lanes = [lane], concurrency }
  Returns { ok = true, window }
  Events:  none
]]
--@include lanecap

local key = laneCapOf(0)
local c = math.floor(A.concurrency)
for _, lane in ipairs(A.lanes) do
  local cur = num(redis.call('HGET', key, lane))
  if not cur or c < cur then redis.call('HSET', key, lane, int(c)) end
end
-- a worker's lanes have BullMQ queues (made by the worker) that deleteBoard removes
if #A.lanes > 0 then redis.call('SADD', K.lanes, unpack(A.lanes)) end
redis.call('PEXPIRE', key, int(LANE_WINDOW_MS * 3))
return reply({ ok = true, window = laneWindow(0) })
