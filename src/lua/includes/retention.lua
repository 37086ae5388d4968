-- Retention (docs/lifecycle.md#retention), the pieces of sweepRetention.lua:
--   retentionCutoff(kind) -> the time before which a task (kind 'archive': done, 'delete':
--     archived) or an event ('events') is due, or nil while its setting is off
--   sweepDue(index, before, status, act, out, budget) -> tasks taken from the budget: acts
--     on the tasks of `index` (doneSince / archivedSince) that entered it before the cutoff,
--     up to the budget; an entry whose task is gone or moved on is dropped
--   backfillSince(status, index, budget) -> tasks visited: the one-time pass that files the
--     tasks done / archived before the since-indexes existed
--   markEvents() / eventMarkBefore(time) / trimEvents(before) -> the event stream's trim by time
local RETENTION_SETTINGS = { archive = 'archiveDoneAfterMs', delete = 'deleteArchivedAfterMs', events = 'eventStreamRetentionMs' }
-- stream entries one trim removes at most (whole nodes of ~100)
local TRIM_LIMIT = 10000

local function retentionCutoff(kind)
  local after = setting(RETENTION_SETTINGS[kind], 0)
  if after <= 0 then return nil end
  return NOW - after
end

local function sweepDue(index, before, status, act, out, budget)
  if not before or budget <= 0 then return 0 end
  local ids = redis.call('ZRANGEBYSCORE', index, '-inf', int(before), 'LIMIT', 0, budget)
  local promoted = {}
  for _, id in ipairs(ids) do
    local t = loadTask(id)
    if t and t.status == status then
      act(id, t, promoted, { by = 'retention' })
      out[#out + 1] = id
    else
      redis.call('ZREM', index, id)
    end
  end
  return #ids
end

-- A board from before the since-indexes has done and archived tasks without an entry. While
-- retention of that status is on, each sweep files up to `budget` more of them, walking the
-- status index by score (its dispatch order; unique per task) from a cursor in `sinceFill`
-- (status -> the last score visited, 'end' once through). A done task counts from its
-- completedAt; an archived one, which recorded no time, from now. NX: a task setStatus
-- filed already keeps its time. Once 'end', a status costs one HGET per call.
local function backfillSince(status, index, budget)
  local cur = redis.call('HGET', K.sinceFill, status)
  if cur == 'end' or budget <= 0 then return 0 end
  local page = redis.call('ZRANGE', statusKey(status), cur and ('(' .. cur) or '-inf', '+inf', 'BYSCORE', 'LIMIT', 0, budget, 'WITHSCORES')
  for i = 1, #page, 2 do
    local at = status == 'done' and num(redis.call('HGET', taskKey(page[i]), 'completedAt')) or NOW
    redis.call('ZADD', index, 'NX', int(at), page[i])
  end
  local n = #page / 2
  redis.call('HSET', K.sinceFill, status, n < budget and 'end' or page[#page])
  return n
end

-- The stream's ids are event ids, not times. A mark (`evmarks`: event id -> time) says every
-- event up to that id was written by then; one is written at most once per 1/100 of the
-- retention. NX: an id keeps the time it was first marked, so an idle board's marks age and
-- its old events go.
local function markEvents()
  local every = math.max(1, math.floor(setting(RETENTION_SETTINGS.events, 0) / 100))
  local last = redis.call('ZREVRANGE', K.eventMarks, 0, 0, 'WITHSCORES')
  local seq = redis.call('HGET', K.seq, 'event')
  if seq and (not last[2] or NOW - tonumber(last[2]) >= every) then redis.call('ZADD', K.eventMarks, 'NX', NOWS, seq) end
end

-- eventMarkBefore(time) -> the newest mark at or before the time: event id, its time (a string)
local function eventMarkBefore(time)
  local m = redis.call('ZREVRANGEBYSCORE', K.eventMarks, int(time), '-inf', 'WITHSCORES', 'LIMIT', 0, 1)
  if not m[1] then return nil end
  return tonumber(m[1]), m[2]
end

-- trimEvents(before) -> entries removed: the events up to the newest mark older than the
-- cutoff (XTRIM MINID ~: whole stream nodes, at most TRIM_LIMIT entries). Older marks go.
local function trimEvents(before)
  local mark, markTime = eventMarkBefore(before)
  if not mark then return 0 end
  local n = redis.call('XTRIM', K.events, 'MINID', '~', int(mark + 1), 'LIMIT', TRIM_LIMIT)
  redis.call('ZREMRANGEBYSCORE', K.eventMarks, '-inf', '(' .. markTime)
  return n
end
