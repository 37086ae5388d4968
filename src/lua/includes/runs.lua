-- Runs: one attempt at a task. The run id is the fencing token: a write that carries a
-- runId succeeds only while that run is the task's open run.

-- checkRun(id, t, runId) -> nil when allowed, else an error reply (STALE_RUN)
local function checkRun(id, t, runId)
  if given(runId) and t.currentRunId ~= runId then
    return fail('STALE_RUN', { id = id, runId = runId, openRunId = t.currentRunId or NULL })
  end
  return nil
end

-- RUN_IDS: run ids reserved in advance by a caller that will open several runs in this call
-- (newRunIds), taken in order; without, each run takes one increment of the run counter
local RUN_IDS, RUN_NEXT, RUN_LEFT = nil, 1, 0
RESETS[#RESETS + 1] = function() RUN_IDS, RUN_NEXT, RUN_LEFT = nil, 1, 0 end
local function newRunIds(n)
  if n > 0 then RUN_IDS, RUN_NEXT = redis.call('HINCRBY', K.seq, 'run', n) - n, 1 end
  RUN_LEFT = n
end

-- openRun(id, t, claimer, ttlMs, fields?, tp?) -> runId, leaseExpiresAt
--   fields: a list the caller writes to the task hash itself (else written here); tp: the
--   traceparent of the span that processes the run (includes/traces.lua)
local function openRun(id, t, claimer, ttlMs, fields, tp)
  local seq
  if RUN_IDS and RUN_NEXT <= RUN_LEFT then
    seq = RUN_IDS + RUN_NEXT
    RUN_NEXT = RUN_NEXT + 1
  else
    seq = redis.call('HINCRBY', K.seq, 'run', '1')
  end
  local rid = 'r' .. string.format('%d', seq)
  local fromReview = t.status == 'review' and '1' or '0'
  if tp then
    redis.call('HSET', runKey(rid), 'id', rid, 'taskId', id, 'assignee', t.assignee or '',
      'claimer', claimer, 'startedAt', NOWS, 'fromReview', fromReview, 'tp', tp)
  else
    redis.call('HSET', runKey(rid), 'id', rid, 'taskId', id, 'assignee', t.assignee or '',
      'claimer', claimer, 'startedAt', NOWS, 'fromReview', fromReview)
  end
  -- the task's run ids, oldest first, as one field: a list key per task cost ~150 bytes
  t.runIds = t.runIds and (t.runIds .. ' ' .. rid) or rid
  local expires = NOW + ttlMs
  local expiresS = int(expires)
  local f = fields or {}
  local n = #f
  f[n + 1], f[n + 2], f[n + 3], f[n + 4], f[n + 5] = 'currentRunId', rid, 'leaseExpiresAt', expiresS, 'leaseTtlMs'
  f[n + 6], f[n + 7], f[n + 8], f[n + 9], f[n + 10] = int(ttlMs), 'lastHeartbeatAt', NOWS, 'runIds', t.runIds
  -- absent = not from review (as for every counter and flag of the task hash: absent = 0)
  if fromReview == '1' then table.insert(f, 'runFromReview'); table.insert(f, '1') end
  t.currentRunId = rid
  t.runFromReview = fromReview
  redis.call('ZADD', K.leases, expiresS, id)
  -- the progress index only matters to the stale sweep: runs claimed while it is off
  -- are not tracked (turning staleTimeoutMs on applies to runs claimed afterwards, and to
  -- open runs from their next heartbeat). `runIdx` (task field, while the run is open)
  -- names the optional indexes the run entered — h: hb, d: deadlines — so closing a run
  -- removes it from those only.
  local idx = ''
  if setting('staleTimeoutMs', 0) > 0 then
    redis.call('ZADD', K.heartbeats, NOWS, id)
    idx = 'h'
  end
  local cap = num(t.maxRuntimeMs)
  if cap then
    redis.call('ZADD', K.deadlines, NOW + cap, id)
    idx = idx .. 'd'
  end
  if idx ~= '' then
    table.insert(f, 'runIdx'); table.insert(f, idx)
  end
  if not fields then redis.call('HSET', taskKey(id), unpack(f)) end
  t.runIdx = idx ~= '' and idx or nil
  return rid, expires
end

-- closeRun(id, t, outcome, extra, hdel?) -> closed run id or nil. extra: summary, error,
-- metadata (JSON); hdel: a list the caller deletes from the task hash itself
local RUN_EXTRAS = { 'summary', 'error', 'metadata' }
local function closeRun(id, t, outcome, extra, hdel)
  local rid = t.currentRunId
  if not rid then return nil end
  local fields = { 'endedAt', NOWS, 'outcome', outcome }
  if extra then
    for _, f in ipairs(RUN_EXTRAS) do
      local v = extra[f]
      if given(v) then
        fields[#fields + 1] = f
        fields[#fields + 1] = v
      end
    end
  end
  redis.call('HSET', runKey(rid), unpack(fields))
  local drop = hdel or {}
  local n = #drop
  drop[n + 1], drop[n + 2], drop[n + 3], drop[n + 4] = 'currentRunId', 'leaseExpiresAt', 'leaseTtlMs', 'lastHeartbeatAt'
  if t.runIdx then drop[n + 5] = 'runIdx' end
  if not hdel then redis.call('HDEL', taskKey(id), unpack(drop)) end
  redis.call('ZREM', K.leases, id)
  local idx = t.runIdx or ''
  if string.find(idx, 'h', 1, true) then redis.call('ZREM', K.heartbeats, id) end
  if string.find(idx, 'd', 1, true) then redis.call('ZREM', K.deadlines, id) end
  t.currentRunId = nil
  t.runIdx = nil
  return rid
end
