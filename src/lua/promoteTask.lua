--[[ promoteTask: todo | blocked -> ready   (operator override)
  Refuses while a parent is unsatisfied unless force. Clears stickiness; the failure
  counter is left as it is (unblockTask is the reset), and so are block recurrences (only
  completion resets them).
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id, actor, reason?, force? }
  Returns { ok = true } | { ok = false, status, reason? } | { err }
  Events:  promoted_manual { actor, reason, force, from }
]]
--@include events
--@include status

local id = A.id
local t = loadTask(id)
if not t then return fail('TASK_NOT_FOUND', { id = id }) end
local from = t.status
if from ~= 'todo' and from ~= 'blocked' then return refused(t, id) end
if num(t.pending, 0) > 0 and not A.force then
  return reply({ ok = false, status = from, reason = 'parents' })
end
setSticky(id, t, false)
redis.call('HDEL', taskKey(id), 'blockReason')
-- forced past unsatisfied parents: remembered, so the next claim does not demote it again
if num(t.pending, 0) > 0 then redis.call('HSET', taskKey(id), 'forced', '1') end
setStatus(id, t, 'ready')
appendEvent(id, 'promoted_manual', { actor = A.actor, reason = A.reason or NULL, force = A.force == true, from = from })
return reply({ ok = true })
