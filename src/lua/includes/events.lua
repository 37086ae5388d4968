-- appendEvent(taskId|nil, kind, payload|nil, runId|nil) -> event id
-- Appends to the task's own list and to the board-wide stream (stream id = event id), in
-- the same script as the change it records. Both are capped (settings taskEventsMax,
-- eventStreamMax) so a long-lived board's history does not grow without bound.
-- Stored compactly — a finished task keeps several events, so bytes count: the JSON has
-- no taskId (the list key implies it; the stream entry has it as field `t`) and leaves a
-- null runId / payload out. src/reads.ts#decodeEvent restores the API shape.
local function appendEvent(id, kind, payload, runId)
  local eid = redis.call('HINCRBY', P .. 'seq', 'event', 1)
  if runId == NULL then runId = nil end
  if payload == NULL then payload = nil end
  local ev = cjson.encode({ id = eid, runId = runId, kind = kind, payload = payload, at = NOW })
  local maxLen = setting('eventStreamMax', 100000)
  if id then
    local n = redis.call('RPUSH', taskKey(id) .. ':ev', ev)
    local cap = setting('taskEventsMax', 1000)
    if n > cap then redis.call('LTRIM', taskKey(id) .. ':ev', -cap, -1) end
    redis.call('XADD', P .. 'events', 'MAXLEN', '~', maxLen, eid .. '-0', 't', id, 'e', ev)
  else
    redis.call('XADD', P .. 'events', 'MAXLEN', '~', maxLen, eid .. '-0', 'e', ev)
  end
  return eid
end
