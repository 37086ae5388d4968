--[[ configure: board settings (shared by every process that opens the board)
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { set = { name = value }, clear = [name] }
  Returns { ok = true }
  Events:  settings_changed { set, clear } on the board stream
]]
--@include base
--@include events

for k, v in pairs(A.set) do redis.call('HSET', SETTINGS, k, type(v) == 'number' and int(v) or tostring(v)) end
for _, k in ipairs(A.clear) do redis.call('HDEL', SETTINGS, k) end
-- an empty list would be encoded as {}; leave it out
appendEvent(nil, 'settings_changed', { set = A.set, clear = #A.clear > 0 and A.clear or nil })
return reply({ ok = true })
