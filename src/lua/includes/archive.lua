-- archiveOne(id, t, promoted, by?): any status but archived -> archived (the caller checks
-- the status). Closes an open run (`reclaimed`), clears stickiness, drops a schedule and a
-- cooldown and frees the idempotency key (it matches only non-archived tasks); an archived
-- parent satisfies its children like a done one, so the children of a task that was not
-- satisfied are released here (ids appended to `promoted`). Event `archived { from }`, with
-- `by` when given ('retention' for the retention sweep). archiveTask and the retention
-- sweep archive through here.
--@include events
--@include status
--@include runs
--@include promote

local function archiveOne(id, t, promoted, by)
  local from = t.status
  local rid = closeRun(id, t, 'reclaimed', { error = 'archived' })
  setSticky(id, t, false)
  redis.call('ZREM', K.scheduled, id)
  redis.call('ZREM', K.cooldowns, id)
  if t.idempotencyKey and redis.call('HGET', K.idem, t.idempotencyKey) == id then
    redis.call('HDEL', K.idem, t.idempotencyKey)
  end
  setStatus(id, t, 'archived')
  appendEvent(id, 'archived', { from = from, by = by }, rid or NULL)
  if not isSatisfied(from) then releaseChildren(id, promoted) end
end
