-- The nodes of a createTasks, checked and written the same way by one call (createTasks.lua)
-- and by the parts of a large one (createCheck.lua, createWrite.lua; includes/createBatch.lua).
--   checkNodes(nodes, earlier, remember) -> existing, missing, waitingOn   (step 1, no writes)
--   goesDirect(total, perLane) -> whether new ready tasks go straight to lane jobs
--   nodeLanes(nodes) -> lane -> how many nodes have that assignee
--   writeNodes(nodes, existing, direct, seq, scratch) -> w                 (step 2)
--   writeHashes(w), sortByOrd(list, ordOf)
--@include events
--@include idem
--@include listing
--@include pause
--@include reserve
--@include status
-- tp / tst: the W3C trace context of the task's create span (traceparent, tracestate; docs/tracing.md)
local NODE_TEXT_FIELDS = { 'body', 'assignee', 'tenant', 'createdBy', 'idempotencyKey', 'metadata', 'tp', 'tst' }
local NODE_INT_FIELDS = { 'maxRetries', 'maxRuntimeMs', 'retryBackoffMs', 'runAt' }
local NONE = {} -- for a node without parent ids / refs (no new empty table per node)

-- checkNodes(nodes, earlier, remember) -> existing, missing, waitingOn
--   existing: ref -> id of a task its idempotency key matched, or { sameAs = ref } when an
--   earlier node of the DAG has the key in the same tenant (earlier(field) -> that ref;
--   remember(field, ref) records one; field = idemField(tenant, key)); missing: a parent id that names no task (the check stops there); waitingOn: a wide
--   node's ref (node.linkLater) -> how many of its parent ids are unsatisfied
local function checkNodes(nodes, earlier, remember)
  local existing, missing, waitingOn = {}, nil, {}
  for _, n in ipairs(nodes) do
    if given(n.idempotencyKey) then
      -- keys are scoped per tenant (includes/idem.lua), in the batch as on the board
      local hit = idemFind(n.tenant, n.idempotencyKey)
      if hit then
        existing[n.ref] = hit
      else
        local field = idemField(n.tenant, n.idempotencyKey)
        local same = earlier(field)
        if same then existing[n.ref] = { sameAs = same } else remember(field, n.ref) end
      end
    end
    if not existing[n.ref] then
      local unsatisfied = 0
      for _, pid in ipairs(n.parentIds or NONE) do
        local status = redis.call('HGET', taskKey(pid), 'status')
        if not status then missing = pid; break end
        if n.linkLater and not isSatisfied(status) then unsatisfied = unsatisfied + 1 end
      end
      if n.linkLater then waitingOn[n.ref] = unsatisfied end
    end
    if missing then break end
  end
  return existing, missing, waitingOn
end

-- goesDirect(total, perLane) -> true when, with A.enqueue, no cap can bind for `total` new
-- tasks: no maxInProgress or room for them all, and no maxInProgressPerAssignee or room in
-- each lane (perLane() -> lane -> nodes with that assignee, asked only when that cap is set
-- or some scope is paused), and no lane of the batch paused (includes/pause.lua): a paused
-- lane's new tasks are filed in dq and left there by the caller's reservation
local function goesDirect(total, perLane)
  if A.enqueue ~= true or boardRoom() < total or boardPaused() then return false end
  local maxLane = setting('maxInProgressPerAssignee', 0)
  if maxLane <= 0 and not anyPaused() then return true end
  for lane, k in pairs(perLane()) do
    if lanePaused(lane) then return false end
    if maxLane > 0 and num(redis.call('HGET', K.inflight, lane), 0) + k > maxLane then return false end
  end
  return true
end

local function nodeLanes(nodes)
  local perLane = {}
  for _, n in ipairs(nodes) do
    if given(n.assignee) then perLane[n.assignee] = (perLane[n.assignee] or 0) + 1 end
  end
  return perLane
end

-- (nodes come in creation order, so with equal priorities they already are: no sort then)
local function sortByOrd(list, ordOf)
  for i = 2, #list do
    if ordOf[list[i - 1].id] > ordOf[list[i].id] then
      table.sort(list, function(a, b) return ordOf[a.id] < ordOf[b.id] end)
      break
    end
  end
end

-- zaddAll(key, pairs): ZADD in calls of at most 500 members (unpack has a stack limit)
local function zaddAll(key, list)
  for i = 1, #list, 1000 do
    redis.call('ZADD', key, unpack(list, i, math.min(i + 999, #list)))
  end
end

-- writeNodes(nodes, existing, direct, seq, scratch) -> w
--   Writes every node not in `existing` (checkNodes'); the new tasks take the ids t<seq+1>,
--   t<seq+2>, ... With `direct` (goesDirect), a new ready task with an assignee goes straight
--   to `queued` in a lane job, else it is filed in dq / dqu (and, with A.enqueue, listed in
--   toEnqueue). `scratch`: a write part's scratch hash, where the refs of earlier parts
--   resolve (i:<ref>) and a wide node's unsatisfied parents were counted (pend:<ref>).
--   w = { ids = { ref = id }, created = [ref], reserved = [ { id, lane } ] (in creation
--   order), laneCount, ordOf = { id = ord }, toEnqueue = [id], seq = the last id's number,
--   hashes, hasChildren }: the new tasks' hashes are written by writeHashes(w), once the
--   caller has added their queueToken.
local function writeNodes(nodes, existing, direct, seq, scratch)
  local ids, created, hashes = {}, {}, {}
  -- the id of a ref: of this call, or (a write part) of an earlier part
  local function idOf(ref)
    if ids[ref] or not scratch then return ids[ref] end
    return redis.call('HGET', scratch, 'i:' .. ref)
  end
  local reserved, laneCount, toEnqueue, ordOf = {}, {}, {}, {}
  -- the listing indexes' entries of the new tasks, one ZADD per key below
  local listed = {}
  -- status -> { score, id, ... } of the new tasks; the same for `queued`
  local zadds, queuedAdds = {}, {}
  -- hasParents / hasChildren (task fields, '1'): the task's :p / :c set may have members;
  -- without them the hot paths (a claim's parents, a completion's children) skip the read
  local hasChildren = {}
  for _, n in ipairs(nodes) do
    local hit = existing[n.ref]
    if type(hit) == 'table' then hit = idOf(hit.sameAs) end
    if hit then
      ids[n.ref] = hit
    else
      -- a board's first task: there is nothing older to backfill (reindexTasks.lua)
      if seq == 0 then listFreshBoard() end
      seq = seq + 1
      local id = string.format('t%d', seq)
      ids[n.ref] = id
      local parents = {}
      -- (a wide node, linkLater, comes without its parents: its check part counted them and
      -- link parts after this one link them)
      for _, pid in ipairs(n.parentIds or NONE) do parents[pid] = true end
      for _, r in ipairs(n.parentRefs or NONE) do parents[idOf(r)] = true end
      -- the node's own parent set in one SADD per 1,000; per parent its child set, its status
      -- and its hasChildren flag (a parent of this call is new, so unsatisfied, and gets the
      -- flag with its hash below; an existing one now, unless it has it)
      local pending, plist = 0, {}
      if n.linkLater then pending = tonumber(redis.call('HGET', scratch, 'pend:' .. n.ref)) end
      for pid in pairs(parents) do
        plist[#plist + 1] = pid
        redis.call('SADD', childrenKey(pid), id)
        if hashes[pid] then
          pending = pending + 1
          hasChildren[pid] = true
        else
          local h = redis.call('HMGET', taskKey(pid), 'status', 'hasChildren')
          if not isSatisfied(h[1]) then pending = pending + 1 end
          if not hasChildren[pid] then
            hasChildren[pid] = true
            if h[2] ~= '1' then redis.call('HSET', taskKey(pid), 'hasChildren', '1') end
          end
        end
      end
      local linked = #plist > 0 or n.linkLater == true
      for i = 1, #plist, 1000 do redis.call('SADD', parentsKey(id), unpack(plist, i, math.min(i + 999, #plist))) end
      local status
      if n.blocked then status = 'blocked'
      elseif n.triage then status = 'triage'
      elseif given(n.runAt) and n.runAt > NOW then status = 'scheduled'
      elseif pending > 0 then status = 'todo'
      else status = 'ready' end
      local ord = int(-(n.priority or 0) * 1e9 + seq) -- a string: dispatch order, kept as the score everywhere
      -- counters and flags absent = 0 (consecutiveFailures, blockRecurrences, sticky, pending):
      -- a task hash holds what differs from a fresh task's defaults
      local f = { 'id', id, 'title', n.title, 'status', status, 'priority', n.priority and int(n.priority) or '0', 'createdAt', NOWS, 'ord', ord }
      if status == 'blocked' then
        for _, v in ipairs({ 'sticky', '1', 'blockReason', 'created blocked' }) do table.insert(f, v) end
      end
      if pending > 0 then f[#f + 1] = 'pending'; f[#f + 1] = tostring(pending) end
      if linked then f[#f + 1] = 'hasParents'; f[#f + 1] = '1' end
      for _, k in ipairs(NODE_TEXT_FIELDS) do
        local v = n[k]
        if given(v) then f[#f + 1] = k; f[#f + 1] = v end
      end
      for _, k in ipairs(NODE_INT_FIELDS) do
        local v = n[k]
        if given(v) then f[#f + 1] = k; f[#f + 1] = int(v) end
      end
      local toJob = direct and status == 'ready' and given(n.assignee) and n.assignee ~= ''
      if toJob then
        f[#f + 1] = 'inflightLane'
        f[#f + 1] = n.assignee
      end
      hashes[id] = f -- written by writeHashes, once the lane jobs (queueToken) are known
      -- status index and `queued`: one ZADD per key for the whole call, below
      local adds = zadds[status]
      if not adds then
        adds = {}
        zadds[status] = adds
      end
      adds[#adds + 1] = ord
      adds[#adds + 1] = id
      listAdd(id, ord, status, n.assignee, n.tenant, listed)
      if toJob then
        queuedAdds[#queuedAdds + 1] = NOWS
        queuedAdds[#queuedAdds + 1] = id
        laneCount[n.assignee] = (laneCount[n.assignee] or 0) + 1
        reserved[#reserved + 1] = { id = id, lane = n.assignee }
        ordOf[id] = tonumber(ord)
      else
        dispatchIndex(id, { status = status, ord = ord, assignee = n.assignee }, true)
        if A.enqueue and status == 'ready' then table.insert(toEnqueue, id) end
      end
      if given(n.idempotencyKey) then idemSet(n.tenant, n.idempotencyKey, id) end
      if status == 'scheduled' then redis.call('ZADD', K.scheduled, n.runAt, id) end
      -- the payload as JSON text (status is this code's; cjson formats numbers through printf)
      local links = n.links or (#(n.parentIds or NONE) + #(n.parentRefs or NONE))
      appendEvent(id, 'created', '{"status":"' .. status .. '","parents":' .. (links == 0 and '0' or int(links)) .. '}')
      if status == 'blocked' then appendEvent(id, 'blocked', { reason = 'created blocked', sticky = true }) end
      created[#created + 1] = n.ref
    end
  end
  for status, list in pairs(zadds) do zaddAll(statusKey(status), list) end
  listFlush(listed)
  zaddAll(K.queued, queuedAdds)
  -- in flight: one increment per lane for the tasks that went straight to a job
  for lane, k in pairs(laneCount) do redis.call('HINCRBY', K.inflight, lane, k) end
  return { ids = ids, created = created, reserved = reserved, laneCount = laneCount, ordOf = ordOf,
    toEnqueue = toEnqueue, seq = seq, hashes = hashes, hasChildren = hasChildren }
end

-- writeHashes(w): each new task's hash in one write
local function writeHashes(w)
  for _, r in ipairs(w.created) do
    local id = w.ids[r]
    local h = w.hashes[id]
    if w.hasChildren[id] then
      h[#h + 1] = 'hasChildren'
      h[#h + 1] = '1'
    end
    redis.call('HSET', taskKey(id), unpack(h))
  end
end
