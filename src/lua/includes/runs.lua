-- Runs: one attempt at a task. The run id is the fencing token: a write that carries a
-- runId succeeds only while that run is the task's open run.

-- checkRun(id, t, runId) -> nil when allowed, else an error reply (STALE_RUN)
local function checkRun(id, t, runId)
  if given(runId) and t.currentRunId ~= runId then
    return fail('STALE_RUN', { id = id, runId = runId, openRunId = t.currentRunId or NULL })
  end
  return nil
end

-- openRun(id, t, claimer, ttlMs) -> runId, leaseExpiresAt
local function openRun(id, t, claimer, ttlMs)
  local rid = 'r' .. redis.call('HINCRBY', P .. 'seq', 'run', 1)
  local fromReview = t.status == 'review' and '1' or '0'
  redis.call('HSET', runKey(rid), 'id', rid, 'taskId', id, 'assignee', t.assignee or '',
    'claimer', claimer, 'startedAt', NOWS, 'fromReview', fromReview)
  -- the task's run ids, oldest first, as one field: a list key per task cost ~150 bytes
  t.runIds = t.runIds and (t.runIds .. ' ' .. rid) or rid
  local expires = NOW + ttlMs
  redis.call('HSET', taskKey(id), 'currentRunId', rid, 'leaseExpiresAt', int(expires),
    'leaseTtlMs', int(ttlMs), 'lastHeartbeatAt', NOWS, 'runFromReview', fromReview, 'runIds', t.runIds)
  t.currentRunId = rid
  t.runFromReview = fromReview
  redis.call('ZADD', P .. 'leases', expires, id)
  -- the progress index only matters to the stale sweep: runs claimed while it is off
  -- are not tracked (turning staleTimeoutMs on applies to runs claimed afterwards)
  if setting('staleTimeoutMs', 0) > 0 then redis.call('ZADD', P .. 'hb', NOW, id) end
  local cap = num(t.maxRuntimeMs)
  if cap then redis.call('ZADD', P .. 'deadlines', NOW + cap, id) end
  return rid, expires
end

-- closeRun(id, t, outcome, extra) -> closed run id or nil. extra: summary, error, metadata (JSON)
local function closeRun(id, t, outcome, extra)
  local rid = t.currentRunId
  if not rid then return nil end
  local fields = { 'endedAt', NOWS, 'outcome', outcome }
  extra = extra or {}
  for _, f in ipairs({ 'summary', 'error', 'metadata' }) do
    if given(extra[f]) then
      table.insert(fields, f)
      table.insert(fields, extra[f])
    end
  end
  redis.call('HSET', runKey(rid), unpack(fields))
  redis.call('HDEL', taskKey(id), 'currentRunId', 'leaseExpiresAt', 'leaseTtlMs', 'lastHeartbeatAt')
  redis.call('ZREM', P .. 'leases', id)
  redis.call('ZREM', P .. 'hb', id)
  redis.call('ZREM', P .. 'deadlines', id)
  t.currentRunId = nil
  return rid
end
