--[[ assignTask: any status but running -> same status, new assignee
  A change of assignee resets the failure counter (the new lane gets a fresh budget). The
  body is includes/assign.lua, shared with the bulk `reassign` (bulkTasks).
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id, assignee (lower-cased) | null to unassign }
  Returns { ok = true, changed } | { ok = false, status } | { err }
  Events:  assigned { from, to } when it changed
]]
--@include assign

local id = A.id
local t = loadTask(id)
if not t then return fail('TASK_NOT_FOUND', { id = id }) end
if not assignable(t) then return refused(t, id) end
local changed = assignOne(id, t, given(A.assignee) and A.assignee or nil)
return reply({ ok = true, changed = changed })
