-- archiveOne(id, t, promoted, extra): any status but archived -> archived (the caller checks
-- archivable(t)); the body of archiveTask, shared with the bulk `archive` (bulkTasks) and the
-- retention sweep. Closes an open run (`reclaimed`), clears stickiness, drops a schedule and
-- a cooldown and frees the idempotency key (it matches only non-archived tasks); an archived
-- parent satisfies its children like a done one, so the children of a task that was not
-- satisfied are released here (ids appended to `promoted`). Event `archived { from }` plus
-- `extra`'s fields (a bulk call's actor and op; `by = 'retention'` for the sweep).
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
