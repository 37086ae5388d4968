--[[ acquireLeader: the dispatcher leader lease of a board (one tick at a time)
  Grants the lease when it is free, expired, or already held by the same holder, with a
  new fencing token each time; release = { release = true, fence } drops it if still ours
  ({ release = true, holder }: if that holder has it — a tick that failed before it learnt
  its token). A grant is the start of a tick: it is recorded in `tick` (at, holder, fence;
  one small hash, overwritten each time), which `stats` reports.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { holder, ttlMs } | { release = true, fence | holder }
  Returns { ok = true, fence, expiresAt } | { ok = false, holder, expiresAt }
  Events:  none (a tick is not a task change)
]]
--@include fence

local key = K.leader
if A.release then
  releaseLease(A.fence, A.holder)
  return reply({ ok = true })
end
local cur = redis.call('HMGET', key, 'holder', 'expiresAt')
if cur[1] and cur[1] ~= A.holder and num(cur[2], 0) > NOW then
  return reply({ ok = false, holder = cur[1], expiresAt = num(cur[2]) })
end
local fence = redis.call('HINCRBY', K.seq, 'leader', 1)
local expires = NOW + A.ttlMs
redis.call('HSET', key, 'holder', A.holder, 'token', fence, 'expiresAt', int(expires))
redis.call('PEXPIRE', key, A.ttlMs * 2)
redis.call('HSET', K.lastTick, 'at', NOWS, 'holder', A.holder, 'fence', fence)
return reply({ ok = true, fence = tostring(fence), expiresAt = expires })
