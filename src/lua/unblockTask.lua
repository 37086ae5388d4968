--[[ unblockTask: blocked | scheduled -> ready | todo (a parent unsatisfied)
  Clears stickiness, the failure counter and last error; keeps block recurrences (so a
  block loop is still detected); closes a dangling run. The body is includes/unblock.lua,
  shared with the bulk `unblock` and `retry` (bulkTasks).
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id, actor? }
  Returns { ok = true, status } | { ok = false, status } | { err }
  Events:  unblocked { from, to, actor }
]]
--@include unblock

local id = A.id
local t = loadTask(id)
if not t then return fail('TASK_NOT_FOUND', { id = id }) end
if not unblockable(t) then return refused(t, id) end
local to = unblockOne(id, t, { actor = A.actor or NULL })
return reply({ ok = true, status = to })
