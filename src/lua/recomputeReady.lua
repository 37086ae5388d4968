--[[ recomputeReady: blocked (not sticky, failures < effective limit) | todo -> ready
  One bounded batch of the sweep. Promotion is event-driven (completeTask, archiveTask,
  deleteTask, unlinkTasks release children themselves), so the sweep only revisits the
  tasks whose eligibility can change without such an event: the breaker-blocked tasks in
  `nsblocked` (a raised maxRetries or board failureLimit frees them). The TS side calls
  this with the returned cursor until it is "0"; no call touches more than `count` tasks.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { cursor, count, fence? }
  Returns { cursor, promoted = [id] } | { err = 'STALE_LEADER' }
  Events:  promoted { from, reason = 'recompute' } per promoted task
]]
--@include base
--@include events
--@include effectiveLimit
--@include status
--@include promote
--@include fence

local stop = fenced()
if stop then return stop end

local scan = redis.call('SSCAN', P .. 'nsblocked', A.cursor, 'COUNT', A.count)
local promoted = {}
for _, id in ipairs(scan[2]) do
  local t = loadTask(id)
  if not t then
    redis.call('SREM', P .. 'nsblocked', id)
  elseif t.status ~= 'blocked' or t.sticky == '1' then
    redis.call('SREM', P .. 'nsblocked', id)
  elseif tryPromote(id, t, 'recompute') then
    table.insert(promoted, id)
  end
end
return reply({ cursor = scan[1], promoted = promoted })
