--[[ unlinkTasks: todo | blocked -> ready   (removes a parent-child edge; the child, promoted)
  When the edge's parent was the child's last unsatisfied parent, the child is promoted by
  the same rule as recompute-ready (includes/promote.lua).
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { parent, child }
  Returns { ok = true, unlinked, promoted = [id] } | { err = TASK_NOT_FOUND }
  Events:  unlinked { parent } on the child; promoted when released
]]
--@include events
--@include promote

local parent, child = A.parent, A.child
local p = loadTask(parent)
if not p then return fail('TASK_NOT_FOUND', { id = parent }) end
local c = loadTask(child)
if not c then return fail('TASK_NOT_FOUND', { id = child }) end
if redis.call('SREM', childrenKey(parent), child) == 0 then
  return reply({ ok = true, unlinked = false, promoted = {} })
end
redis.call('SREM', parentsKey(child), parent)
appendEvent(child, 'unlinked', { parent = parent })
local promoted = {}
if not isSatisfied(p.status) then
  local left = redis.call('HINCRBY', taskKey(child), 'pending', -1)
  if left < 0 then redis.call('HSET', taskKey(child), 'pending', 0); left = 0 end
  c.pending = tostring(left)
  if left == 0 and tryPromote(child, c, 'unlinked') then table.insert(promoted, child) end
end
return reply({ ok = true, unlinked = true, promoted = promoted })
