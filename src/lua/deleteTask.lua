--[[ deleteTask: any status -> (gone)
  Removes the task, its links, events, runs and comments, O(links + runs). Children lose
  this parent; if it was unsatisfied they are released (and promoted when nothing else
  holds them).
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id }
  Returns { ok = true, promoted = [id] } | { err }
  Events:  deleted { title } on the board stream only (the task's own list is gone),
           promoted per released child.
]]
--@include remove

local id = A.id
local t = loadTask(id)
if not t then return fail('TASK_NOT_FOUND', { id = id }) end
local promoted = {}
removeTask(id, t, promoted)
return reply({ ok = true, promoted = promoted })
