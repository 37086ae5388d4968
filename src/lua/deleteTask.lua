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
local tk = taskKey(id)
local promoted = {}
leaveInflight(id, t)
if not isSatisfied(t.status) then releaseChildren(id, promoted) end
for _, cid in ipairs(redis.call('SMEMBERS', tk .. ':c')) do redis.call('SREM', taskKey(cid) .. ':p', id) end
for _, pid in ipairs(redis.call('SMEMBERS', tk .. ':p')) do redis.call('SREM', taskKey(pid) .. ':c', id) end
for rid in string.gmatch(t.runIds or '', '%S+') do redis.call('DEL', runKey(rid)) end
if t.idempotencyKey and redis.call('HGET', P .. 'idem', t.idempotencyKey) == id then
  redis.call('HDEL', P .. 'idem', t.idempotencyKey)
end
for _, z in ipairs({ 'leases', 'hb', 'deadlines', 'sched', 'cooldowns', 'dq', 'dqu', 'queued' }) do redis.call('ZREM', P .. z, id) end
redis.call('ZREM', statusKey(t.status), id)
redis.call('SREM', P .. 'nsblocked', id)
redis.call('SREM', P .. 'recheck', id)
redis.call('DEL', tk, tk .. ':p', tk .. ':c', tk .. ':ev', tk .. ':cm')
appendEvent(nil, 'deleted', { id = id, title = t.title, status = t.status })
return reply({ ok = true, promoted = promoted })
