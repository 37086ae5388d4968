--[[ rerunTask: done -> ready | todo   (reopen a done task: a new run next time)
  The task goes back to work: `ready`, or `todo` while a parent is unsatisfied. It no
  longer satisfies its children, so each child waits for it again — its `pending` count of
  unsatisfied parents goes up by one, whatever its status — and a child that had not
  started (`ready`) goes back to `todo`. Without `subtree`, children that started or
  finished keep their status: their work stands.
  With `subtree`, the whole downstream is redone too: every descendant (children,
  grandchildren, … by any path; an archived one is left alone and not walked through) goes
  back to waiting on its parents —
    done             -> todo, reopened as the task itself is
    ready | review   -> todo (a review goes back to its author's lane, as requestChanges does)
    running          -> todo, its run closed `reclaimed` (neutral: nothing counted); the
                        worker's next lease renewal fails and it aborts
    todo, blocked, triage, scheduled: status kept (only their pending count changes).
  (A task forced past its parents by promoteTask force stays or goes `ready`.)
  Counters: a done task has no failure count or block recurrences (completion reset them);
  every other task keeps its own. The previous result stays on the task until the next
  completion replaces it; completedAt is cleared.
  Bounded: at most `maxTasks` descendants are read (and no children set larger than that);
  a larger subtree is refused with SUBTREE_TOO_LARGE before anything is written.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id, actor, reason?, subtree?, maxTasks }
  Returns { ok = true, status, reopened = [id], demoted = [id], reclaimed = [id], ready = [id] }
          | { ok = false, status } | { err = 'TASK_NOT_FOUND' | 'SUBTREE_TOO_LARGE', id, limit? }
  Events:  reopened { actor, reason, root, to } on each done task reopened (the task first);
           demoted { actor, reason, root, from, to } on each other task sent back to `todo`
           (the closed run's id for a running one)
]]
--@include reopen

local id = A.id
local root = loadTask(id)
if not root then return fail('TASK_NOT_FOUND', { id = id }) end
if root.status ~= 'done' then return refused(root, id) end
local subtree = A.subtree == true
local nodes, kidsOf = rerunScope(id, root, subtree, A.maxTasks)
if not nodes then return fail('SUBTREE_TOO_LARGE', { id = id, limit = A.maxTasks }) end

local ev = { actor = A.actor, reason = A.reason or NULL, root = id }
local out = { reopened = {}, demoted = {}, reclaimed = {}, ready = {} }
reopenTask(id, root, ev, out)
rerunDownstream(id, nodes, kidsOf, subtree, ev, out)
return reply({ ok = true, status = root.status, reopened = out.reopened, demoted = out.demoted, reclaimed = out.reclaimed, ready = out.ready })
