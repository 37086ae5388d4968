--[[ addComment: any status -> same status
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id, author, body }
  Returns { ok = true, eventId } | { err }
  Events:  commented { author }
]]
--@include events

local id = A.id
if redis.call('EXISTS', taskKey(id)) == 0 then return fail('TASK_NOT_FOUND', { id = id }) end
redis.call('RPUSH', commentsKey(id), cjson.encode({ author = A.author, body = A.body, at = NOW }))
appendEvent(id, 'commented', { author = A.author })
local eid = flushEvents()
return reply({ ok = true, eventId = eid })
