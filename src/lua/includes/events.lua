-- appendEvent(taskId|nil, kind, payload|nil, runId|nil) -> event id
-- Appends to the task's own list and to the board-wide stream (stream id = event id), in
-- the same script as the change it records. Both are capped (settings taskEventsMax,
-- eventStreamMax) so a long-lived board's history does not grow without bound.
local function appendEvent(id, kind, payload, runId)
  local eid = redis.call('HINCRBY', P .. 'seq', 'event', 1)
  local ev = cjson.encode({
    id = eid, taskId = id or NULL, runId = runId or NULL, kind = kind,
    payload = payload or NULL, at = NOW,
  })
  if id then
    local n = redis.call('RPUSH', taskKey(id) .. ':ev', ev)
    local cap = setting('taskEventsMax', 1000)
    if n > cap then redis.call('LTRIM', taskKey(id) .. ':ev', -cap, -1) end
  end
  redis.call('XADD', P .. 'events', 'MAXLEN', '~', setting('eventStreamMax', 100000), eid .. '-0', 'e', ev)
  return eid
end
