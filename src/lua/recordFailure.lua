--[[ recordFailure: the circuit breaker.
  running -> ready | review (below the limit) | blocked, not sticky (at the limit)
  ready | review (no run: e.g. a worker could not start it) -> same | blocked at the limit
  blocked -> blocked (counted; a sticky block stays sticky, whatever is recorded)
  Counting outcomes: crashed, protocol_violation, timed_out, reclaimed. Neutral outcomes
  (rate_limited: a cooldown before the next dispatch; stale) count nothing.
  Requeue, count and the trip decision are this one step: nobody can claim the task
  between "requeued" and "tripped".
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id, runId?, outcome, error?, cooldownMs? }
  Returns { ok = true, tripped, failures, limit, limitSource, status }
          | { err = 'STALE_RUN' | 'INVALID_STATE' | 'TASK_NOT_FOUND' }
  Events:  <outcome> { error, failures } (the run's id); gave_up { failures,
           effectiveLimit, limitSource, error, triggerOutcome } when tripped. Never `blocked`.
]]
--@include base
--@include events
--@include effectiveLimit
--@include status
--@include runs

local ERROR_MAX = 500
local id = A.id
local t = loadTask(id)
if not t then return fail('TASK_NOT_FOUND', { id = id }) end
local s = t.status
if s ~= 'running' and s ~= 'ready' and s ~= 'review' and s ~= 'blocked' then
  return fail('INVALID_STATE', { id = id, status = s })
end
local stale = checkRun(id, t, A.runId)
if stale then return stale end

local outcome = A.outcome
local neutral = outcome == 'rate_limited' or outcome == 'stale'
local err = given(A.error) and string.sub(A.error, 1, ERROR_MAX) or NULL
local fromReview = t.runFromReview == '1'
local rid = closeRun(id, t, outcome, { error = err })
redis.call('HDEL', taskKey(id), 'runFromReview')

local failures = num(t.consecutiveFailures, 0)
if not neutral then
  failures = failures + 1
  local f = { 'consecutiveFailures', failures }
  if err ~= NULL then table.insert(f, 'lastFailureError'); table.insert(f, err) end
  redis.call('HSET', taskKey(id), unpack(f))
end
local limit, source = effectiveLimit(t)
appendEvent(id, outcome, { error = err, failures = failures, neutral = neutral }, rid or NULL)

local tripped = (not neutral) and failures >= limit
if tripped then
  if s ~= 'blocked' then
    setSticky(id, t, false)
    setStatus(id, t, 'blocked')
  end
  appendEvent(id, 'gave_up', { failures = failures, effectiveLimit = limit, limitSource = source,
    error = err, triggerOutcome = outcome }, rid or NULL)
elseif s == 'running' then
  setStatus(id, t, fromReview and 'review' or 'ready')
end

if outcome == 'rate_limited' and t.status ~= 'blocked' then
  local untilMs = NOW + (num(A.cooldownMs) or setting('rateLimitCooldownMs', 300000))
  redis.call('HSET', taskKey(id), 'cooldownUntil', int(untilMs))
  redis.call('ZADD', P .. 'cooldowns', untilMs, id)
end
return reply({ ok = true, tripped = tripped, failures = failures, limit = limit,
  limitSource = source, status = t.status })
