--[[ recordFailure: the circuit breaker.
  running -> ready | review (below the limit) | blocked, not sticky (at the limit)
  ready | review (no run: e.g. a worker could not start it) -> same | blocked at the limit
  blocked -> blocked (counted; a sticky block stays sticky, whatever is recorded)
  Counting outcomes: crashed, protocol_violation, timed_out, reclaimed; below the limit the
  task backs off before its next dispatch (includes/backoff.lua: the task's or the board's
  retryBackoffMs, exponential up to retryBackoffMaxMs, equal jitter). Neutral outcomes
  (rate_limited: a cooldown before the next dispatch; stale: none) count nothing.
  Requeue, count and the trip decision are this one step: nobody can claim the task
  between "requeued" and "tripped".
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id, runId?, outcome, error?, cooldownMs? }
  Returns { ok = true, tripped, failures, limit, limitSource, status }
          | { err = 'STALE_RUN' | 'INVALID_STATE' | 'TASK_NOT_FOUND' }
  Events:  <outcome> { error, failures, neutral, backoffMs?, retryAt? } (the run's id;
           retryAt: when the backoff or the rate-limit cooldown ends); gave_up { failures,
           effectiveLimit, limitSource, error, triggerOutcome } when tripped. Never `blocked`.
]]
--@include runs
--@include breaker

local id = A.id
local t = loadTask(id)
if not t then return fail('TASK_NOT_FOUND', { id = id }) end
local s = t.status
if s ~= 'running' and s ~= 'ready' and s ~= 'review' and s ~= 'blocked' then
  return fail('INVALID_STATE', { id = id, status = s })
end
local stale = checkRun(id, t, A.runId)
if stale then return stale end
local r = failTask(id, t, A.outcome, A.error, A.cooldownMs)
r.ok = true
return reply(r)
