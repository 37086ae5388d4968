-- claimOne(id, claimer, ttlMs|nil, queueToken|nil, withTask|nil, tp|nil) -> reply table
--   ready | review -> running (ready -> todo when a parent is unsatisfied). A compare-and-set:
--   of any number of concurrent claimers exactly one sees `ready`. A queueToken (a BullMQ
--   job's) must be the task's current one, so a superseded job cannot claim.
--   { ok = true, runId, leaseExpiresAt, ttlMs, task?, parents? } | { ok = false, status, reason?, id? }
--   withTask: the reply carries the claimed task's hash as it now is and its parent ids (a
--   worker's claim: the handler gets the task without another read)
--   tp: the traceparent of the worker's process span for this run, written on the run; with
--   withTask the reply's parentRuns are the parents' final runs with their trace contexts
--   (at most 32: includes/traces.lua)
--   | { err = 'TASK_NOT_FOUND', id }
--@include events
--@include runs
--@include status
--@include traces
local function claimOne(id, claimer, ttlMs, queueToken, withTask, tp)
  local t = loadTask(id)
  if not t then return { err = 'TASK_NOT_FOUND', id = id } end
  if t.status ~= 'ready' and t.status ~= 'review' then return { ok = false, status = t.status, id = id } end
  if given(queueToken) and t.queueToken ~= tostring(queueToken) then
    return { ok = false, status = t.status, reason = 'superseded job' }
  end

  if t.status == 'ready' and waitsOnParents(t) then
    local waiting = {}
    for _, pid in ipairs(redis.call('SMEMBERS', parentsKey(id))) do
      if not isSatisfied(redis.call('HGET', taskKey(pid), 'status')) then table.insert(waiting, pid) end
    end
    setStatus(id, t, 'todo')
    appendEvent(id, 'claim_rejected', { claimer = claimer, waitingOn = waiting })
    return { ok = false, status = 'todo', reason = 'parents' }
  end

  if t.currentRunId then
    local old = closeRun(id, t, 'reclaimed', { error = 'dangling run closed by a new claim' })
    appendEvent(id, 'reclaimed', { reason = 'dangling run' }, old)
  end

  local ttl = num(ttlMs) or setting('claimTtlMs', 60000)
  local fields = {}
  local rid, expires = openRun(id, t, claimer, ttl, fields, tp)
  if not t.startedAt then
    fields[#fields + 1] = 'startedAt'
    fields[#fields + 1] = NOWS
  end
  setStatus(id, t, 'running', fields)
  enterInflight(id, t)
  if t.cooldownUntil then
    redis.call('HDEL', taskKey(id), 'cooldownUntil', 'cooldownReason')
    redis.call('ZREM', K.cooldowns, id)
  end
  -- the payload as JSON text: cjson formats every number through printf (%.14g)
  appendEvent(id, 'claimed', '{"claimer":' .. cjson.encode(claimer) .. ',"leaseExpiresAt":' .. int(expires)
    .. ',"fromReview":' .. (t.runFromReview == '1' and 'true' or 'false') .. '}', rid)
  local r = { ok = true, runId = rid, leaseExpiresAt = expires, ttlMs = ttl }
  if withTask then
    for i = 1, #fields, 2 do t[fields[i]] = fields[i + 1] end
    t.cooldownUntil = nil
    t.cooldownReason = nil
    r.task = t
    r.parents = t.hasParents == '1' and redis.call('SMEMBERS', parentsKey(id)) or {}
    if tp and #r.parents > 0 then
      local some = {}
      for i = 1, math.min(32, #r.parents) do some[i] = r.parents[i] end
      r.parentRuns = finalRunTraces(some)
    end
  end
  return r
end
