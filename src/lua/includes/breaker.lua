-- failTask(id, t, outcome, err, cooldownMs) -> { tripped, failures, limit, limitSource, status }
-- The circuit breaker, shared by recordFailure (workers) and the dispatcher's run sweeps
-- (expired leases, timeouts, stale runs) so every failure path counts the same way
-- against the same limit, and backs off the same way (includes/backoff.lua) below it.
-- Closes the open run with `outcome`.
--@include backoff
--@include effectiveLimit
--@include events
--@include runs
--@include status
local ERROR_MAX = 500
-- The first `max` UTF-8 characters of s: cut on a character boundary, never inside one
-- (a byte cut stores invalid UTF-8 and keeps only max/2..max/4 multi-byte characters).
local function utf8Prefix(s, max)
  if #s <= max then return s end
  local chars = 0
  for i = 1, #s do
    local c = string.byte(s, i)
    if c < 0x80 or c >= 0xC0 then
      chars = chars + 1
      if chars > max then return string.sub(s, 1, i - 1) end
    end
  end
  return s
end
local function failTask(id, t, outcome, errText, cooldownMs)
  local s = t.status
  local neutral = outcome == 'rate_limited' or outcome == 'stale'
  local err = given(errText) and utf8Prefix(errText, ERROR_MAX) or NULL
  local fromReview = t.runFromReview == '1'
  local rid = closeRun(id, t, outcome, { error = err })
  redis.call('HDEL', taskKey(id), 'runFromReview')

  local failures = num(t.consecutiveFailures, 0)
  if not neutral then
    failures = failures + 1
    t.consecutiveFailures = tostring(failures)
    local f = { 'consecutiveFailures', failures }
    if err ~= NULL then table.insert(f, 'lastFailureError'); table.insert(f, err) end
    redis.call('HSET', taskKey(id), unpack(f))
  end
  local limit, source = effectiveLimit(t)
  local tripped = (not neutral) and failures >= limit
  local payload = { error = err, failures = failures, neutral = neutral }
  -- the next dispatch waits: a rate limit's cooldown, or the backoff after a counted failure
  -- (stale, the other neutral outcome, waits for nothing; a blocked task is not dispatched)
  if not tripped and s ~= 'blocked' then
    if outcome == 'rate_limited' then
      local untilMs = NOW + (num(cooldownMs) or setting('rateLimitCooldownMs', 300000))
      coolDown(id, t, untilMs)
      payload.retryAt = untilMs
    elseif not neutral then
      local wait = retryBackoff(t, failures)
      if wait > 0 then
        coolDown(id, t, NOW + wait, 'backoff')
        payload.backoffMs = wait
        payload.retryAt = NOW + wait
      end
    end
    -- a ready or review task without a run leaves the dispatch queues while it waits
    if t.cooldownUntil and s ~= 'running' then dispatchIndex(id, t) end
  end
  appendEvent(id, outcome, payload, rid or NULL)

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
  return { tripped = tripped, failures = failures, limit = limit, limitSource = source, status = t.status }
end
