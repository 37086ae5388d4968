--[[ recomputeReady: blocked (not sticky, failures < effective limit) -> ready
  One bounded batch of the sweep. Promotion is event-driven (completeTask, archiveTask,
  deleteTask, unlinkTasks release children themselves), and a breaker-parked task only
  becomes eligible again when its limit rises or its counter drops — so the sweep visits
  only tasks that had such a change:
    `recheck`     tasks whose own limit or counter changed (updateTask maxRetries,
                  assignTask), SPOPped `count` at a time;
    `recheckAll`  set by configure when the board's failureLimit changes: starts a full
                  SSCAN of `nsblocked` (the non-sticky blocked tasks), whose cursor is kept
                  in `sweep` so the sweep resumes where it stopped, even in another process.
  An idle board costs a few commands per call, however many tasks it holds or has parked.
  The TS side calls this until `done`; no call touches more than about 2 x `count` tasks.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { count, fence? }
  Returns { done, promoted = [id] } | { err = 'STALE_LEADER' }
  Events:  promoted { from, reason = 'recompute' } per promoted task
]]
--@include promote
--@include fence

local stop = fenced()
if stop then return stop end
local promoted = {}

local function check(id)
  local t = loadTask(id)
  if not t or t.status ~= 'blocked' or t.sticky == '1' then
    redis.call('SREM', K.nsblocked, id)
  elseif tryPromote(id, t, 'recompute') then
    table.insert(promoted, id)
  end
end

for _, id in ipairs(redis.call('SPOP', K.recheck, A.count)) do
  if redis.call('SISMEMBER', K.nsblocked, id) == 1 then check(id) end
end

local cursor = redis.call('GET', K.sweep)
if not cursor and redis.call('DEL', K.recheckAll) == 1 then cursor = '0' end
local sweeping = false
if cursor then
  local scan = redis.call('SSCAN', K.nsblocked, cursor, 'COUNT', A.count)
  for _, id in ipairs(scan[2]) do check(id) end
  if scan[1] == '0' then
    redis.call('DEL', K.sweep)
  else
    redis.call('SET', K.sweep, scan[1])
    sweeping = true
  end
end

-- not done while a limit change still waits for its sweep (set during the one that ended)
local done = not sweeping and redis.call('SCARD', K.recheck) == 0
  and redis.call('EXISTS', K.recheckAll) == 0
return reply({ done = done, promoted = promoted })
