--[[ deleteTask: any status -> (gone)
  Removes the task, its links, events, runs and comments, O(links + runs). Children lose
  this parent; if it was unsatisfied they are released (and promoted when nothing else
  holds them).
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id }
  Returns { ok = true, promoted = [id] } | { err }
  Events:  deleted { title } on the board stream only (the task's own list is gone),
           promoted per released child.
]]
--@include events
--@include status
--@include promote

local id = A.id
local t = loadTask(id)
if not t then return fail('TASK_NOT_FOUND', { id = id }) end
local promoted = {}
leaveInflight(id, t)
if not isSatisfied(t.status) then releaseChildren(id, promoted) end
for _, cid in ipairs(redis.call('SMEMBERS', childrenKey(id))) do redis.call('SREM', parentsKey(cid), id) end
for _, pid in ipairs(redis.call('SMEMBERS', parentsKey(id))) do redis.call('SREM', childrenKey(pid), id) end
for rid in string.gmatch(t.runIds or '', '%S+') do redis.call('DEL', runKey(rid)) end
if t.idempotencyKey and redis.call('HGET', K.idem, t.idempotencyKey) == id then
  redis.call('HDEL', K.idem, t.idempotencyKey)
end
for _, z in ipairs({ K.leases, K.heartbeats, K.deadlines, K.scheduled, K.cooldowns, K.dispatchQueue, K.dispatchUnassigned, K.queued }) do
  redis.call('ZREM', z, id)
end
redis.call('ZREM', statusKey(t.status), id)
redis.call('SREM', K.nsblocked, id)
redis.call('SREM', K.recheck, id)
redis.call('DEL', taskKey(id), parentsKey(id), childrenKey(id), taskEventsKey(id), commentsKey(id))
appendEvent(nil, 'deleted', { id = id, title = t.title, status = t.status })
return reply({ ok = true, promoted = promoted })
