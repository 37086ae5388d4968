-- archiveOne(id, t, promoted, extra): the body of archiveTask, shared with the bulk `archive`
-- (bulkTasks), for a task that is archivable(t) (any status but `archived`). Closes an open run (`reclaimed`);
-- an archived parent satisfies its children like a done one, so children are released
-- (ids appended to `promoted`). The idempotency key is freed (it matches only non-archived
-- tasks). Event `archived { from }` plus `extra`'s fields (a bulk call's actor and op).
--@include events
--@include idem
--@include status
--@include runs
--@include promote

local function archivable(t) return t.status ~= 'archived' end

local function archiveOne(id, t, promoted, extra)
  local from = t.status
  local rid = closeRun(id, t, 'reclaimed', { error = 'archived' })
  setSticky(id, t, false)
  redis.call('ZREM', K.scheduled, id)
  redis.call('ZREM', K.cooldowns, id)
  idemFree(id, t)
  setStatus(id, t, 'archived')
  appendEvent(id, 'archived', withFields({ from = from }, extra), rid or NULL)
  if not isSatisfied(from) then releaseChildren(id, promoted) end
end
