-- removeTask(id, t, promoted, extra?): deletes a task with its links, runs, comments and own event
-- list, and takes it out of every board index, O(links + runs). Children lose this parent;
-- if it was unsatisfied they are released (and promoted when nothing else holds them; ids
-- appended to `promoted`). Appends `deleted` to the board stream. Every path that deletes a
-- task (deleteTask, retention, bulk delete, deleteBoard) goes through here, so an index
-- added to the board is cleaned in one place. `extra`: more fields for the `deleted` event
-- (a bulk call's actor and op; `by = 'retention'` or `'deleteBoard'`).
--@include events
--@include idem
--@include listing
--@include status
--@include promote

local function removeTask(id, t, promoted, extra)
  -- events this call buffered for the task (a parent removed before it in a bulk call
  -- promoted it) go out first, so that the DEL below takes them with the rest
  flushEvents()
  leaveInflight(id, t)
  if not isSatisfied(t.status) then releaseChildren(id, promoted) end
  for _, cid in ipairs(redis.call('SMEMBERS', childrenKey(id))) do redis.call('SREM', parentsKey(cid), id) end
  for _, pid in ipairs(redis.call('SMEMBERS', parentsKey(id))) do redis.call('SREM', childrenKey(pid), id) end
  for rid in string.gmatch(t.runIds or '', '%S+') do redis.call('DEL', runKey(rid)) end
  idemFree(id, t)
  for _, z in ipairs({ K.leases, K.heartbeats, K.deadlines, K.scheduled, K.cooldowns, K.dispatchQueue, K.dispatchUnassigned, K.queued }) do
    redis.call('ZREM', z, id)
  end
  redis.call('ZREM', statusKey(t.status), id)
  redis.call('ZREM', K.doneSince, id)
  redis.call('ZREM', K.archivedSince, id)
  listDrop(id, t)
  redis.call('SREM', K.nsblocked, id)
  redis.call('SREM', K.recheck, id)
  redis.call('DEL', taskKey(id), parentsKey(id), childrenKey(id), taskEventsKey(id), commentsKey(id))
  taskListGone(id)
  appendEvent(nil, 'deleted', withFields({ id = id, title = t.title, status = t.status }, extra))
end
