-- removeTask(id, t, promoted): deletes a task with its links, runs, comments and own event
-- list, and takes it out of every board index, O(links + runs). Children lose this parent;
-- if it was unsatisfied they are released (and promoted when nothing else holds them; ids
-- appended to `promoted`). Appends `deleted` to the board stream. Every path that deletes a
-- task (deleteTask, retention, bulk delete, deleteBoard) goes through here, so an index
-- added to the board is cleaned in one place.
--@include events
--@include listing
--@include status
--@include promote

local function removeTask(id, t, promoted)
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
  listDrop(id, t)
  redis.call('SREM', K.nsblocked, id)
  redis.call('SREM', K.recheck, id)
  redis.call('DEL', taskKey(id), parentsKey(id), childrenKey(id), taskEventsKey(id), commentsKey(id))
  appendEvent(nil, 'deleted', { id = id, title = t.title, status = t.status })
end
