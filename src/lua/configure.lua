--[[ configure: board settings (shared by every process that opens the board)
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { set = { name = value }, clear = [name] }
  Returns { ok = true }   (a failureLimit change sets `recheckAll` for recomputeReady)
  Events:  settings_changed { set, clear } on the board stream
]]
--@include events

for k, v in pairs(A.set) do redis.call('HSET', SETTINGS, k, type(v) == 'number' and int(v) or tostring(v)) end
for _, k in ipairs(A.clear) do redis.call('HDEL', SETTINGS, k) end
-- a new board limit can free (or keep) any breaker-parked task: the next recompute sweeps them
if A.set.failureLimit ~= nil then redis.call('SET', K.recheckAll, '1') end
for _, k in ipairs(A.clear) do
  if k == 'failureLimit' then redis.call('SET', K.recheckAll, '1') end
end
-- an empty list would be encoded as {}; leave it out
appendEvent(nil, 'settings_changed', { set = A.set, clear = #A.clear > 0 and A.clear or nil })
return reply({ ok = true })
