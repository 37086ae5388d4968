--[[ announceLanes: (no task) a worker tells the board which lanes it serves, at what concurrency
  Lane jobs are sized to the fleet that takes them (includes/jobs.lua): a job carries at
  most half the smallest concurrency that a worker of its lane announced lately, so a
  worker of concurrency 1 gets one-task jobs and never sits on tasks another worker could
  start. Workers announce at start and every 10 s. Announcements go to one hash per
  30-second window (`lanecap:<window>`: lane -> the smallest concurrency announced in it),
  kept for 90 s; a reservation reads the current and the previous window, so a worker that
  stopped drops out within a minute.
  Liveness (docs/fleet.md#liveness): with `worker`, the announcement is also kept as the
  worker's own hash (`w:<id>`: name, host, pid, lanes, concurrency, startedAt, lastSeen,
  ttlMs) that expires `ttlMs` after it, and in `workers` (id -> expiry), which expires with
  the last live entry; each announcement drops up to PRUNE expired entries of `workers`, so
  workers that come and go leave nothing behind. `leave` is a worker's goodbye at shutdown.
  Bounded: one HGET / HSET per lane named, the lanes added to `lanes` (deleteBoard), one
  page of PRUNE expired workers.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { lanes = [lane], concurrency, worker? = { id, name, host, pid }, ttlMs? }
        | { leave = worker id }
  Returns { ok = true, window } | { ok = true, left }
  Events:  none
]]
--@include lanecap

local PRUNE = 20

if given(A.leave) then
  local left = redis.call('ZREM', K.workers, A.leave)
  redis.call('DEL', workerKey(A.leave))
  return reply({ ok = true, left = left == 1 })
end

local key = laneCapOf(0)
local c = math.floor(A.concurrency)
for _, lane in ipairs(A.lanes) do
  local cur = num(redis.call('HGET', key, lane))
  if not cur or c < cur then redis.call('HSET', key, lane, int(c)) end
end
-- a worker's lanes have BullMQ queues (made by the worker) that deleteBoard removes
if #A.lanes > 0 then redis.call('SADD', K.lanes, unpack(A.lanes)) end
redis.call('PEXPIRE', key, int(LANE_WINDOW_MS * 3))

if given(A.worker) then
  local w, ttl = A.worker, math.floor(A.ttlMs)
  local wk = workerKey(w.id)
  redis.call('HSET', wk, 'id', w.id, 'name', w.name, 'host', w.host, 'pid', int(w.pid),
    'lanes', table.concat(A.lanes, ' '), 'concurrency', int(c), 'lastSeen', NOWS, 'ttlMs', int(ttl))
  redis.call('HSETNX', wk, 'startedAt', NOWS)
  redis.call('PEXPIRE', wk, ttl)
  redis.call('ZADD', K.workers, int(NOW + ttl), w.id)
  local gone = redis.call('ZRANGEBYSCORE', K.workers, '-inf', NOWS, 'LIMIT', 0, PRUNE)
  if #gone > 0 then redis.call('ZREM', K.workers, unpack(gone)) end
  -- the index lives as long as its longest-lived entry (workers may announce different TTLs)
  if redis.call('PTTL', K.workers) < ttl then redis.call('PEXPIRE', K.workers, ttl) end
end
return reply({ ok = true, window = laneWindow(0) })
