-- Retry backoff (docs/blocks-and-breaker.md#retry-backoff): how long a task waits before it
-- is dispatched again after a counted failure, and the cooldown that holds it back.
--   retryBackoff(t, failures) -> waitMs, ceilingMs, base, source
--   coolDown(id, t, untilMs, reason)   the wait itself, for a backoff and a rate limit alike
-- The wait reuses the rate-limit cooldown: `cooldownUntil` on the task and the `cooldowns`
-- index, which reserve skips (includes/reserve.lua#candidate) and releaseDue ends, so a
-- backoff costs dispatch nothing new. `cooldownReason` = 'backoff' tells the two apart
-- (absent: a rate limit) for explain.
local DEFAULT_RETRY_BACKOFF_MS = 1000
local DEFAULT_RETRY_BACKOFF_MAX_MS = 300000
-- 2^30 × any base already exceeds every cap the settings allow
local MAX_DOUBLINGS = 30

-- A fraction in [0, 1) for the jitter. Redis 7 seeds math.random per server, not per call;
-- an older server (the EVALSHA fallback) reseeds it at every call, so the microseconds of
-- the clock are added in: the sum of a uniform fraction and any independent one, mod 1, is
-- uniform.
local function jitterFraction()
  local micros = tonumber(redis.call('TIME')[2]) % 1000000
  return (math.random() + micros / 1000000) % 1
end

-- Exponential with equal jitter: the n-th consecutive failure (n = `failures`, from 1) has
-- a ceiling d = min(cap, base × 2^(n-1)) and waits d/2 + a random part of d/2, so every
-- retry waits at least half its ceiling (full jitter could wait 0 ms: the very re-dispatch
-- within milliseconds the backoff is there to prevent). base: the task's retryBackoffMs,
-- else the board's (default 1 s); 0 = no backoff. cap: the board's retryBackoffMaxMs
-- (default 5 min), never below the base, so a task's own base is not cut by the board's cap.
local function retryBackoff(t, failures)
  local base, source = num(t.retryBackoffMs), 'task'
  if not base then base, source = setting('retryBackoffMs', DEFAULT_RETRY_BACKOFF_MS), 'board' end
  if base <= 0 then return 0, 0, base, source end
  local cap = math.max(setting('retryBackoffMaxMs', DEFAULT_RETRY_BACKOFF_MAX_MS), base)
  local doublings = math.min(math.max(failures - 1, 0), MAX_DOUBLINGS)
  local ceiling = math.min(cap, base * 2 ^ doublings)
  local half = math.floor(ceiling / 2)
  local wait = math.min(ceiling, half + math.floor((ceiling - half + 1) * jitterFraction()))
  return math.floor(wait), math.floor(ceiling), base, source
end

-- reason: 'backoff', or nil for a rate limit. Set before the task's status moves to ready or
-- review, so setStatus files it in `cooldowns`' care and not in the dispatch queues.
local function coolDown(id, t, untilMs, reason)
  if reason then
    redis.call('HSET', taskKey(id), 'cooldownUntil', int(untilMs), 'cooldownReason', reason)
  else
    redis.call('HSET', taskKey(id), 'cooldownUntil', int(untilMs))
    if t.cooldownReason then redis.call('HDEL', taskKey(id), 'cooldownReason') end
  end
  redis.call('ZADD', K.cooldowns, untilMs, id)
  t.cooldownUntil = int(untilMs)
  t.cooldownReason = reason
end
