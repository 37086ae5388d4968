-- Re-run (rerunTask.lua, docs/lifecycle.md#re-run): a done task reopened, and what waits for
-- it again.
--   rerunScope(id, t, subtree, maxTasks) -> nodes, kidsOf | nil (over the bound)
--   reopenTask(tid, t, ev, out)            a done task -> ready | todo (event reopened)
--   rerunDownstream(id, nodes, kidsOf, subtree, ev, out)   the others: pending counts, statuses
-- ev: the events' common payload { actor, reason, root }; out: { reopened, demoted,
-- reclaimed, ready } id lists the call fills.
--@include events
--@include listing
--@include runs
--@include status

-- rerunScope: the tasks a re-run touches. Without subtree, the task's children; with it,
-- every descendant by any path, breadth first, but not an archived one nor through it (an
-- archived task satisfies its children and stays put). kidsOf: id -> its children, for the
-- task and each descendant. At most maxTasks descendants are read, and no children set
-- larger than that: nil past the bound, before anything is written.
local function rerunScope(id, t, subtree, maxTasks)
  local function children(pid, hasChildren)
    if hasChildren ~= '1' then return {} end
    if redis.call('SCARD', childrenKey(pid)) > maxTasks then return nil end
    return redis.call('SMEMBERS', childrenKey(pid))
  end
  local kidsOf = { [id] = children(id, t.hasChildren) }
  if not kidsOf[id] then return nil end
  if not subtree then return kidsOf[id], kidsOf end
  local nodes, seen, queue, head, visited = {}, { [id] = true }, { id }, 1, 0
  while head <= #queue do
    for _, cid in ipairs(kidsOf[queue[head]]) do
      if not seen[cid] then
        seen[cid] = true
        visited = visited + 1
        if visited > maxTasks then return nil end
        local h = redis.call('HMGET', taskKey(cid), 'status', 'hasChildren')
        -- a descendant that is not done is not reopened, but what lies below it is walked
        if h[1] and h[1] ~= 'archived' then
          nodes[#nodes + 1] = cid
          kidsOf[cid] = children(cid, h[2])
          if not kidsOf[cid] then return nil end
          queue[#queue + 1] = cid
        end
      end
    end
    head = head + 1
  end
  return nodes, kidsOf
end

local function withEv(ev, extra)
  local p = {}
  for k, v in pairs(ev) do p[k] = v end
  for k, v in pairs(extra) do p[k] = v end
  return p
end

local function reopenTask(tid, t, ev, out)
  redis.call('HDEL', taskKey(tid), 'completedAt')
  local to = readyOrTodo(t)
  setStatus(tid, t, to)
  appendEvent(tid, 'reopened', withEv(ev, { to = to }))
  table.insert(out.reopened, tid)
  if to == 'ready' then table.insert(out.ready, tid) end
end

-- demoteTask: a task that was to run, or ran, on what the reopened tasks produced waits for
-- them again: a running one's run is closed `reclaimed` (neutral), a review goes back to its
-- author's lane (as requestChanges does). Event demoted when it moved or lost its run.
local function demoteTask(tid, t, ev, out)
  local from = t.status
  local rid
  if from == 'running' then
    rid = closeRun(tid, t, 'reclaimed', { error = 're-run of ' .. ev.root })
    table.insert(out.reclaimed, tid)
  end
  if (from == 'review' or t.runFromReview == '1') and t.authorAssignee then
    -- the lane's listing index entries move with it (includes/listing.lua)
    setAssignee(tid, t, t.authorAssignee ~= '' and t.authorAssignee or nil)
    redis.call('HDEL', taskKey(tid), 'authorAssignee')
  end
  if t.runFromReview then redis.call('HDEL', taskKey(tid), 'runFromReview') end
  local to = readyOrTodo(t)
  setStatus(tid, t, to)
  if to ~= from or rid then
    appendEvent(tid, 'demoted', withEv(ev, { from = from, to = to }), rid)
    table.insert(out.demoted, tid)
  end
  if to == 'ready' and from ~= 'ready' then table.insert(out.ready, tid) end
end

-- rerunDownstream: every task that stops being satisfied (the root, and with subtree each
-- done descendant) is waited for again by each of its children, whatever their status (a
-- child's `pending` counts its unsatisfied parents); then the statuses: with subtree, done
-- descendants reopen and ready / review / running ones go back to todo; without, only a
-- child that had not started (ready) does. Call it after reopenTask(id) for the root.
local function rerunDownstream(id, nodes, kidsOf, subtree, ev, out)
  local tasks, reopening = {}, { id }
  for i, nid in ipairs(nodes) do
    tasks[i] = loadTask(nid)
    if subtree and tasks[i] and tasks[i].status == 'done' then reopening[#reopening + 1] = nid end
  end
  for _, pid in ipairs(reopening) do
    for _, cid in ipairs(kidsOf[pid]) do redis.call('HINCRBY', taskKey(cid), 'pending', 1) end
  end
  for i, nid in ipairs(nodes) do
    local t = tasks[i]
    if t then
      t.pending = redis.call('HGET', taskKey(nid), 'pending')
      local s = t.status
      if subtree and s == 'done' then
        reopenTask(nid, t, ev, out)
      elseif subtree and (s == 'ready' or s == 'review' or s == 'running') then
        demoteTask(nid, t, ev, out)
      elseif s == 'ready' and waitsOnParents(t) then
        demoteTask(nid, t, ev, out)
      end
    end
  end
end
