--[[ archiveTask: any status but archived -> archived
  Closes an open run (`reclaimed`); an archived parent satisfies its children like a done
  one, so children are released in this step. The idempotency key is freed (it matches
  only non-archived tasks). The body is includes/archive.lua, shared with the bulk
  `archive` (bulkTasks) and the retention sweep.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id }
  Returns { ok = true, promoted = [id] } | { ok = false, status } | { err }
  Events:  archived { from }, promoted per released child
]]
--@include archive

local id = A.id
local t = loadTask(id)
if not t then return fail('TASK_NOT_FOUND', { id = id }) end
if not archivable(t) then return refused(t, id) end
local promoted = {}
archiveOne(id, t, promoted)
return reply({ ok = true, promoted = promoted })
