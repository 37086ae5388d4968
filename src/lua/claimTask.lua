--[[ claimTask: ready | review -> running      (ready -> todo when a parent is unsatisfied)
  A compare-and-set: of any number of concurrent claimers exactly one sees `ready`.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id, claimer, ttlMs? (default: setting claimTtlMs), queueToken? (a BullMQ job's:
            refused unless it is the task's current token, so a superseded job cannot claim) }
  Returns { ok = true, runId, leaseExpiresAt, ttlMs } | { ok = false, status, reason? } | { err }
  Events:  claimed (with the new run id); claim_rejected when a parent is unsatisfied;
           a dangling open run is closed `reclaimed` first.
]]
--@include base
--@include events
--@include status
--@include runs

local id = A.id
local t = loadTask(id)
if not t then return fail('TASK_NOT_FOUND', { id = id }) end
if t.status ~= 'ready' and t.status ~= 'review' then return refused(t, id) end
if given(A.queueToken) and t.queueToken ~= tostring(A.queueToken) then
  return reply({ ok = false, status = t.status, reason = 'superseded job' })
end

if t.status == 'ready' and waitsOnParents(t) then
  local waiting = {}
  for _, pid in ipairs(redis.call('SMEMBERS', taskKey(id) .. ':p')) do
    if not isSatisfied(redis.call('HGET', taskKey(pid), 'status')) then table.insert(waiting, pid) end
  end
  setStatus(id, t, 'todo')
  appendEvent(id, 'claim_rejected', { claimer = A.claimer, waitingOn = waiting })
  return reply({ ok = false, status = 'todo', reason = 'parents' })
end

if t.currentRunId then
  local old = closeRun(id, t, 'reclaimed', { error = 'dangling run closed by a new claim' })
  appendEvent(id, 'reclaimed', { reason = 'dangling run' }, old)
end

local ttl = num(A.ttlMs) or setting('claimTtlMs', 60000)
local rid, expires = openRun(id, t, A.claimer, ttl)
setStatus(id, t, 'running')
enterInflight(id, t)
if not t.startedAt then redis.call('HSET', taskKey(id), 'startedAt', int(NOW)) end
if t.cooldownUntil then
  redis.call('HDEL', taskKey(id), 'cooldownUntil')
  redis.call('ZREM', P .. 'cooldowns', id)
end
appendEvent(id, 'claimed', { claimer = A.claimer, leaseExpiresAt = expires, fromReview = t.runFromReview == '1' }, rid)
return reply({ ok = true, runId = rid, leaseExpiresAt = expires, ttlMs = ttl })
