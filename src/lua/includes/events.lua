-- appendEvent(taskId|nil, kind, payload|nil, runId|nil): records an event of this call.
-- payload: a table, or a string that is already the payload's JSON (a hot path's own).
-- Events go to the task's own list and to the board-wide stream (stream id = event id), in
-- the same script as the change they record: they are buffered and written when the script
-- replies (base's reply / fail / refused), all of a call's events taking their ids from one
-- increment of the event counter, and a task's consecutive events of the call going in one RPUSH.
-- Both are capped (settings taskEventsMax, eventStreamMax) so a long-lived board's history
-- does not grow without bound; the stream is trimmed every TRIM_EVERY events.
-- Stored compactly — a finished task keeps several events, so bytes count: the JSON has
-- no taskId (the list key implies it; the stream entry has it as field `t`) and leaves a
-- null runId / payload out. src/reads.ts#decodeEvent restores the API shape.
-- A call's events are kept as two arrays, not a table per event: the task (false for a
-- board event) and the JSON after the id, assembled when appended.
-- A call that names an `actor` (a person's action: a token of the HTTP API, the CLI's
-- --actor) records it on every event it writes, as the envelope's `actor`.
local EV_TASK, EV_BODY, EV_N, EV_ACTOR = {}, {}, 0, ''
-- tasks this call deleted (removeTask): their own lists are gone and stay gone, so their
-- buffered events go to the board stream only (a child promoted by one deletion and deleted
-- later in the same call would otherwise get its list back, holding that one event)
local EV_GONE = {}
RESETS[#RESETS + 1] = function()
  EV_TASK, EV_BODY, EV_N, EV_GONE = {}, {}, 0, {}
  EV_ACTOR = type(A.actor) == 'string' and (',"actor":' .. cjson.encode(A.actor)) or ''
end
local function taskListGone(id) EV_GONE[id] = true end
local TRIM_EVERY = 100
local function appendEvent(id, kind, payload, runId)
  if runId == NULL then runId = nil end
  if payload == NULL then payload = nil end
  EV_N = EV_N + 1
  EV_TASK[EV_N] = id or false
  -- the envelope is assembled (kinds are this code's identifiers, run ids its r<n>); strings
  -- from outside go through cjson, which escapes them
  EV_BODY[EV_N] = ',"kind":"' .. kind .. '","at":' .. NOWS
    .. (runId and (',"runId":"' .. runId .. '"') or '')
    .. (payload and (',"payload":' .. (type(payload) == 'string' and payload or cjson.encode(payload))) or '') .. EV_ACTOR .. '}'
end

-- flushEvents() -> id of the first event written (nil when none was buffered). A stream
-- entry's id is <event id>-0: XADD given the bare number fills in sequence 0, as no entry
-- has that number yet.
local function flushEvents()
  local n = EV_N
  if n == 0 then return nil end
  local first = redis.call('HINCRBY', K.seq, 'event', n) - n + 1
  local maxLen = setting('eventStreamMax', 100000)
  local cap = setting('taskEventsMax', 1000)
  local stream = K.events
  -- a task's consecutive events go to its list in one RPUSH (a task whose events are not
  -- consecutive gets one RPUSH per run of them, in order)
  local run, runTask = {}, false
  local function pushRun()
    local key = taskEventsKey(runTask)
    if redis.call('RPUSH', key, unpack(run)) > cap then redis.call('LTRIM', key, -cap, -1) end
    run = {}
  end
  for i = 1, n do
    local eid = string.format('%d', first + i - 1)
    local ev = '{"id":' .. eid .. EV_BODY[i]
    local task = EV_TASK[i]
    if task and EV_GONE[task] then
      redis.call('XADD', stream, eid, 't', task, 'e', ev)
    elseif task then
      if task ~= runTask and runTask then pushRun() end
      runTask = task
      run[#run + 1] = ev
      redis.call('XADD', stream, eid, 't', task, 'e', ev)
    else
      redis.call('XADD', stream, eid, 'e', ev)
    end
  end
  if runTask then pushRun() end
  -- the stream is trimmed (approximately, whole nodes) once per TRIM_EVERY events, not at
  -- every append: it holds at most about eventStreamMax + TRIM_EVERY entries
  if math.floor((first + n - 1) / TRIM_EVERY) > math.floor((first - 1) / TRIM_EVERY) then
    redis.call('XTRIM', stream, 'MAXLEN', '~', maxLen)
  end
  EV_N = 0
  return first
end
BEFORE_REPLY = flushEvents

-- withFields(payload, extra) -> payload with extra's fields added: who asked for a change
-- (`actor`) and, for a bulk call, its op (`bulk`), on the same event the single operation
-- writes (includes/unblock.lua, archive.lua, assign.lua, remove.lua).
local function withFields(payload, extra)
  if extra then
    for k, v in pairs(extra) do payload[k] = v end
  end
  return payload
end
