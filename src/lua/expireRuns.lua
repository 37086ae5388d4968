--[[ expireRuns: running -> ready | review | blocked, one bounded batch of a tick step
  mode 'lease':   lease expired (the worker vanished)      -> outcome reclaimed (counts)
  mode 'stale':   no heartbeat for settings.staleTimeoutMs -> outcome stale (neutral)
  mode 'timeout': past the task's maxRuntimeMs             -> outcome timed_out (counts)
  Each goes through the one breaker (includes/breaker.lua), so a trip here — and a retry
  backoff below the limit — is the same as a worker's recordFailure. A running handler learns it lost the run from its next lease
  renewal (heartbeat returns false) and aborts.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { mode, count, fence? }
  Returns { ids = [id], tripped = [id] } | { err = 'STALE_LEADER' }
  Events:  reclaimed | stale | timed_out (+ gave_up when tripped)
]]
--@include breaker
--@include fence

local stop = fenced()
if stop then return stop end
local index, cutoff, outcome, why
if A.mode == 'lease' then
  index, cutoff, outcome, why = K.leases, NOW, 'reclaimed', 'lease expired: the worker stopped renewing it'
elseif A.mode == 'stale' then
  local staleMs = setting('staleTimeoutMs', 0)
  if staleMs <= 0 then return reply({ ids = {}, tripped = {} }) end
  index, cutoff, outcome, why = K.heartbeats, NOW - staleMs, 'stale', 'no progress for ' .. staleMs .. ' ms'
else
  index, cutoff, outcome, why = K.deadlines, NOW, 'timed_out', 'exceeded maxRuntimeMs'
end
local ids, tripped = {}, {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', cutoff, 'LIMIT', 0, A.count)) do
  local t = loadTask(id)
  if not t or t.status ~= 'running' then
    redis.call('ZREM', index, id)
  else
    local r = failTask(id, t, outcome, why)
    table.insert(ids, id)
    if r.tripped then table.insert(tripped, id) end
  end
end
return reply({ ids = ids, tripped = tripped })
