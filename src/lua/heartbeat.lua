--[[ heartbeat: running -> running (lease extended)
  A heartbeat records progress: lastHeartbeatAt and the `hb` index the stale sweep reads.
  leaseOnly (the worker's automatic lease renewal) extends the lease and nothing else, so
  a handler that is alive but makes no progress still goes stale after staleTimeoutMs.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id, runId, note?, leaseOnly? }
  Returns { ok = true, leaseExpiresAt } | { ok = false, status } (not running, or runId is
          not the open run) | { err = 'TASK_NOT_FOUND' }
  Events:  heartbeat { note } only when a note is given.
]]
--@include events

local id = A.id
local t = loadTask(id)
if not t then return fail('TASK_NOT_FOUND', { id = id }) end
if t.status ~= 'running' or t.currentRunId ~= A.runId then return refused(t, id) end
local expires = NOW + num(t.leaseTtlMs, setting('claimTtlMs', 60000))
redis.call('ZADD', K.leases, expires, id)
if A.leaseOnly then
  redis.call('HSET', taskKey(id), 'leaseExpiresAt', int(expires))
  return reply({ ok = true, leaseExpiresAt = expires })
end
local f = { 'leaseExpiresAt', int(expires), 'lastHeartbeatAt', NOWS }
if setting('staleTimeoutMs', 0) > 0 then
  redis.call('ZADD', K.heartbeats, NOWS, id)
  -- the run is now in `hb`: closeRun takes it out (see includes/runs.lua, runIdx)
  if not string.find(t.runIdx or '', 'h', 1, true) then
    table.insert(f, 'runIdx'); table.insert(f, (t.runIdx or '') .. 'h')
  end
end
redis.call('HSET', taskKey(id), unpack(f))
if given(A.note) then appendEvent(id, 'heartbeat', { note = A.note }, A.runId) end
return reply({ ok = true, leaseExpiresAt = expires })
