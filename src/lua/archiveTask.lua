--[[ archiveTask: any status but archived -> archived
  Closes an open run (`reclaimed`); an archived parent satisfies its children like a done
  one, so children are released in this step. The idempotency key is freed (it matches
  only non-archived tasks).
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id }
  Returns { ok = true, promoted = [id] } | { ok = false, status } | { err }
  Events:  archived { from }, promoted per released child
]]
--@include events
--@include idem
--@include status
--@include runs
--@include promote

local id = A.id
local t = loadTask(id)
if not t then return fail('TASK_NOT_FOUND', { id = id }) end
local from = t.status
if from == 'archived' then return refused(t, id) end
local rid = closeRun(id, t, 'reclaimed', { error = 'archived' })
setSticky(id, t, false)
redis.call('ZREM', K.scheduled, id)
redis.call('ZREM', K.cooldowns, id)
idemFree(id, t)
setStatus(id, t, 'archived')
appendEvent(id, 'archived', { from = from }, rid or NULL)
local promoted = {}
if not isSatisfied(from) then releaseChildren(id, promoted) end
return reply({ ok = true, promoted = promoted })
