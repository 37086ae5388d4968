--[[ bulkTasks: triage | todo | scheduled | ready | running | blocked | review | done -> ready | todo | archived (each op below)
  One bounded step of a bulk operation by filter (src/bulk.ts calls it until the walk is
  done). Walks the status indexes of `statuses`, in that order, from `cursor`
  (includes/select.lua), at most `examine` entries, and applies `op` to each task that passes `filter`, at most
  `change` of them; each change is the single operation's own code, so it has exactly its
  semantics and its event:
    unblock   blocked | scheduled -> ready | todo       unblockTask (includes/unblock.lua)
    retry     blocked, not sticky -> ready | todo       unblockTask's body, for the tasks the
              circuit breaker parked (`gave_up`): resets the counter; a sticky block is a
              person's, skipped
    archive   any but archived -> archived              archiveTask (includes/archive.lua)
    reassign  any but running -> same status, lane `to` assignTask (includes/assign.lua)
    delete    any -> (gone)                             deleteTask (includes/remove.lua)
  A task the op does not apply to is skipped and counted by reason, not an error: `status`
  (its status), `sticky` (retry of a person's block), `unchanged` (reassign to its lane).
  The caller lists the statuses the op moves tasks to first (src/bulk.ts), so that a task
  the op moved is not met again. With dryRun the same walk counts what would change and
  writes nothing.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { op, statuses = [status], filter = { lane?, tenant? } (null: none), to? (reassign;
            null unassigns), actor, dryRun?, cursor? = { status, score?, id? }, examine, change }
  Returns { examined, matched, changed, skipped = { status, sticky, unchanged }, ids = [id],
            ready = [id] (tasks this call made ready: its own, children released), cursor? }
          no cursor: the walk is done
  Events:  per changed task, its single operation's event with { actor, bulk = op } added:
           unblocked (unblock, retry), archived (and promoted per released child), assigned,
           deleted (board stream, and promoted per released child)
]]
--@include select
--@include unblock
--@include archive
--@include assign
--@include remove

local op, filter, dry = A.op, A.filter or {}, A.dryRun == true
local extra = { actor = A.actor, bulk = op }
local to = given(A.to) and A.to or nil
local examined, matched, changed = 0, 0, 0
local skipped = { status = 0, sticky = 0, unchanged = 0 }
local ids, ready = {}, {}

-- why the op does not apply to a task (nil: it does), from the fields the walk read: the
-- single operations' own tests
local REFUSAL = {
  unblock = function(v) return not unblockable(v) and 'status' or nil end,
  retry = function(v) return v.status ~= 'blocked' and 'status' or (v.sticky == '1' and 'sticky' or nil) end,
  archive = function(v) return not archivable(v) and 'status' or nil end,
  reassign = function(v) return not assignable(v) and 'status' or (v.assignee == to and 'unchanged' or nil) end,
  delete = function() return nil end,
}
local function unblock(id, t) if unblockOne(id, t, extra) == 'ready' then ready[#ready + 1] = id end end
local APPLY = {
  unblock = unblock,
  retry = unblock,
  archive = function(id, t) archiveOne(id, t, ready, extra) end,
  reassign = function(id, t) assignOne(id, t, to, extra) end,
  delete = function(id, t) removeTask(id, t, ready, extra) end,
}

local function visit(id, status)
  examined = examined + 1
  local f = redis.call('HMGET', taskKey(id), 'status', 'assignee', 'tenant', 'sticky')
  local v = { status = f[1] or nil, assignee = f[2] or nil, tenant = f[3] or nil, sticky = f[4] or nil }
  -- a task gone, or moved out of this index by this call (a child an earlier change
  -- released), is not in this walk's place any more: a later index of the walk meets it
  if v.status == status and selected(v, filter) then
    matched = matched + 1
    local why = REFUSAL[op](v)
    if why then
      skipped[why] = skipped[why] + 1
    else
      if not dry then APPLY[op](id, loadTask(id)) end
      changed = changed + 1
      ids[#ids + 1] = id
    end
  end
end

local cursor = walk(A.statuses, given(A.cursor) and A.cursor or nil, A.examine, visit, function() return changed >= A.change end)
-- a task made ready and then archived or deleted by a later change of this call is not ready
local stillReady = {}
for _, id in ipairs(ready) do
  if redis.call('HGET', taskKey(id), 'status') == 'ready' then stillReady[#stillReady + 1] = id end
end
ready = stillReady
return reply({ examined = examined, matched = matched, changed = changed, skipped = skipped, ids = ids, ready = ready, cursor = cursor })
