-- appendEvent(taskId|nil, kind, payload|nil, runId|nil): records an event of this call.
-- payload: a table, or a string that is already the payload's JSON (a hot path's own).
-- Events go to the task's own list and to the board-wide stream (stream id = event id), in
-- the same script as the change they record: they are buffered and written when the script
-- replies (base's reply / fail / refused), all of a call's events taking their ids from one
-- increment of the event counter, and a task's events of the call going in one RPUSH.
-- Both are capped (settings taskEventsMax, eventStreamMax) so a long-lived board's history
-- does not grow without bound; the stream is trimmed every TRIM_EVERY events.
-- Stored compactly — a finished task keeps several events, so bytes count: the JSON has
-- no taskId (the list key implies it; the stream entry has it as field `t`) and leaves a
-- null runId / payload out. src/reads.ts#decodeEvent restores the API shape.
local EVENTS = {}
RESETS[#RESETS + 1] = function() EVENTS = {} end
local TRIM_EVERY = 100
local function appendEvent(id, kind, payload, runId)
  if runId == NULL then runId = nil end
  if payload == NULL then payload = nil end
  EVENTS[#EVENTS + 1] = { id = id, kind = kind, payload = payload, runId = runId }
end

-- flushEvents() -> id of the first event written (nil when none was buffered)
local function flushEvents()
  local n = #EVENTS
  if n == 0 then return nil end
  local first = redis.call('HINCRBY', P .. 'seq', 'event', n) - n + 1
  local maxLen = setting('eventStreamMax', 100000)
  local cap = setting('taskEventsMax', 1000)
  local lists, order = {}, {}
  for i, e in ipairs(EVENTS) do
    local eid = string.format('%d', first + i - 1)
    -- the envelope is assembled (kinds are this code's identifiers); strings from outside go
    -- through cjson, which escapes them
    local ev = '{"id":' .. eid .. ',"kind":"' .. e.kind .. '","at":' .. NOWS
      .. (e.runId and (',"runId":"' .. e.runId .. '"') or '') -- run ids are this code's: r<n>
      .. (e.payload and (',"payload":' .. (type(e.payload) == 'string' and e.payload or cjson.encode(e.payload))) or '') .. '}'
    if e.id then
      local l = lists[e.id]
      if not l then
        l = {}
        lists[e.id] = l
        order[#order + 1] = e.id
      end
      l[#l + 1] = ev
      redis.call('XADD', P .. 'events', eid .. '-0', 't', e.id, 'e', ev)
    else
      redis.call('XADD', P .. 'events', eid .. '-0', 'e', ev)
    end
  end
  -- the stream is trimmed (approximately, whole nodes) once per TRIM_EVERY events, not at
  -- every append: it holds at most about eventStreamMax + TRIM_EVERY entries
  if math.floor((first + n - 1) / TRIM_EVERY) > math.floor((first - 1) / TRIM_EVERY) then
    redis.call('XTRIM', P .. 'events', 'MAXLEN', '~', maxLen)
  end
  for _, id in ipairs(order) do
    local key = taskKey(id) .. ':ev'
    if redis.call('RPUSH', key, unpack(lists[id])) > cap then redis.call('LTRIM', key, -cap, -1) end
  end
  EVENTS = {}
  return first
end
BEFORE_REPLY = flushEvents
