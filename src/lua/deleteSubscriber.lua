--[[ deleteSubscriber: (no task) forget a durable subscriber and its cursor
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { name }
  Returns { ok = true, deleted }   (false: there was no such subscriber)
  Events:  none (see subscribe.lua)
]]

return reply({ ok = true, deleted = redis.call('HDEL', K.subscribers, A.name) == 1 })
