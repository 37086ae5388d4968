-- doctor: the board's invariants, checked one task (or run) at a time
-- (docs/reliability.md#kanban-doctor). Shared by doctorCheck (reads only) and doctorRepair
-- (which checks again inside its own call, so it repairs only what is still wrong).
--   inspectTask(n, out)   the task `t<n>`: its hash against every index that should or should
--                         not hold it; a deleted task's left-over keys and entries
--   inspectRun(n, out)    the run `r<n>`: a run whose task is gone or does not list it
-- Each finding is { id, check, detail } appended to `out`. Checks:
--   status_index   the task is missing from its status index, or in another one
--   listing_index  its lane / tenant listing entries, or its lane's ready-since entry
--   derived_set    nsblocked (blocked, not sticky), since:done, since:archived
--   dispatch_index ready / review and in none of dq, dqu, queued, cooldowns; or another
--                  status and still in dq, dqu or queued
--   inflight       `inflightLane` set iff the task is running or queued
--   pending        the count of unsatisfied parents, and links to tasks that are gone (a task
--                  with more than DOCTOR_LINKS_MAX parents or children is not checked)
--   open_run       running iff an open run (`currentRunId`, its run hash open, a lease);
--                  no other run of the task left open
--   counter        a done task with consecutiveFailures > 0 (completion resets it)
--   deleted_keys   keys or index entries of a deleted task; a run of a deleted task
--   unknown_status a status that is none of the nine (reported, not repaired)
--@include listing
--@include status

local DOCTOR_STATUSES = { triage = true, todo = true, scheduled = true, ready = true, running = true, blocked = true, review = true, done = true, archived = true }
-- the board-wide sets a task may be in, by key name (includes/remove.lua drops it from each)
local DOCTOR_SETS = { 'leases', 'heartbeats', 'deadlines', 'scheduled', 'cooldowns', 'dispatchQueue', 'dispatchUnassigned', 'queued', 'doneSince', 'archivedSince' }

local function inZ(key, id) return redis.call('ZSCORE', key, id) ~= false end

local function finding(out, id, check, detail) out[#out + 1] = { id = id, check = check, detail = detail } end
-- an empty Lua table encodes as a JSON object: a list with nothing in it is left out instead
local function doctorList(l) return #l > 0 and l or nil end

-- what a task's listing entries should be: key -> true (own status), and the keys of its own
-- lane and tenant under the other statuses (which should hold nothing of it)
local function listingExpect(t)
  local want, stray = {}, {}
  for _, k in ipairs(listKeys(t.status, t.assignee, t.tenant)) do want[k] = true end
  for _, s in ipairs(LIST_STATUSES) do
    if s ~= t.status then
      for _, k in ipairs(listKeys(s, t.assignee, t.tenant)) do stray[#stray + 1] = k end
    end
  end
  return want, stray
end

-- a task with more links than this has them left unchecked: a page stays a few ms whatever
-- the fan-in or fan-out (a createTasks node has at most 1,000 parents)
local DOCTOR_LINKS_MAX = 1000

-- the unsatisfied parents of a task, and the parents that are gone
local function parentCounts(id)
  local unsatisfied, gone = 0, {}
  for _, pid in ipairs(redis.call('SMEMBERS', parentsKey(id))) do
    local s = redis.call('HGET', taskKey(pid), 'status')
    if not s then gone[#gone + 1] = pid elseif not isSatisfied(s) then unsatisfied = unsatisfied + 1 end
  end
  return unsatisfied, gone
end

-- the runs of a task left open (no endedAt) other than `current`, and whether `current` is
-- an open run hash of this task
local function runFacts(id, t)
  local others, currentOpen = {}, false
  for rid in string.gmatch(t.runIds or '', '%S+') do
    local h = redis.call('HMGET', runKey(rid), 'taskId', 'endedAt')
    if h[1] and not h[2] then
      if rid == t.currentRunId then currentOpen = true else others[#others + 1] = rid end
    end
  end
  if t.currentRunId and not currentOpen then
    -- a current run not listed in runIds (an older board) still counts when its hash is open
    local h = redis.call('HMGET', runKey(t.currentRunId), 'taskId', 'endedAt')
    currentOpen = h[1] == id and not h[2]
  end
  return others, currentOpen
end

local function inspectLive(id, t, out)
  local status = t.status
  if not DOCTOR_STATUSES[status] then
    finding(out, id, 'unknown_status', { value = status or NULL })
    return
  end
  -- status index
  local wrong = {}
  for _, s in ipairs(LIST_STATUSES) do
    if s ~= status and inZ(statusKey(s), id) then wrong[#wrong + 1] = s end
  end
  local missing = not inZ(statusKey(status), id)
  if missing or #wrong > 0 then finding(out, id, 'status_index', { status = status, missing = missing, alsoIn = doctorList(wrong) }) end
  -- listing indexes
  local want, stray = listingExpect(t)
  local bad = {}
  for k in pairs(want) do
    if not inZ(k, id) then bad[#bad + 1] = k end
  end
  for _, k in ipairs(stray) do
    if inZ(k, id) then bad[#bad + 1] = k end
  end
  if inZ(readySinceKey(laneOf(t)), id) ~= (status == 'ready') then bad[#bad + 1] = readySinceKey(laneOf(t)) end
  if #bad > 0 then finding(out, id, 'listing_index', { keys = bad }) end
  -- derived sets
  local derived = {}
  local nsb = status == 'blocked' and t.sticky ~= '1'
  if (redis.call('SISMEMBER', K.nsblocked, id) == 1) ~= nsb then derived[#derived + 1] = 'nsblocked' end
  if inZ(K.doneSince, id) ~= (status == 'done') then derived[#derived + 1] = 'doneSince' end
  if inZ(K.archivedSince, id) ~= (status == 'archived') then derived[#derived + 1] = 'archivedSince' end
  if #derived > 0 then finding(out, id, 'derived_set', { sets = derived }) end
  -- dispatch
  local dq, dqu, queued, cooling = inZ(K.dispatchQueue, id), inZ(K.dispatchUnassigned, id), inZ(K.queued, id), inZ(K.cooldowns, id)
  if isDispatchable(status) then
    if not (dq or dqu or queued or cooling) then finding(out, id, 'dispatch_index', { status = status, waiting = false }) end
  elseif dq or dqu or queued then
    finding(out, id, 'dispatch_index', { status = status, waiting = true })
  end
  -- in flight
  local flying = status == 'running' or queued
  if (t.inflightLane ~= nil) ~= flying then finding(out, id, 'inflight', { status = status, queued = queued, inflightLane = t.inflightLane or NULL }) end
  -- parents (unless the task has more links than a page can afford)
  local tooMany = redis.call('SCARD', parentsKey(id)) > DOCTOR_LINKS_MAX or redis.call('SCARD', childrenKey(id)) > DOCTOR_LINKS_MAX
  local unsatisfied, gone = 0, {}
  if not tooMany then unsatisfied, gone = parentCounts(id) end
  local goneKids = {}
  if t.hasChildren == '1' and not tooMany then
    for _, cid in ipairs(redis.call('SMEMBERS', childrenKey(id))) do
      if redis.call('EXISTS', taskKey(cid)) == 0 then goneKids[#goneKids + 1] = cid end
    end
  end
  if not tooMany and (num(t.pending, 0) ~= unsatisfied or #gone > 0 or #goneKids > 0) then
    finding(out, id, 'pending', { pending = num(t.pending, 0), unsatisfied = unsatisfied, goneParents = doctorList(gone), goneChildren = doctorList(goneKids) })
  end
  -- runs
  local others, currentOpen = runFacts(id, t)
  local leased = inZ(K.leases, id)
  local running = status == 'running'
  if #others > 0 or (running and not (currentOpen and leased)) or (not running and (t.currentRunId or leased)) then
    finding(out, id, 'open_run', { status = status, currentRunId = t.currentRunId or NULL, currentOpen = currentOpen, leased = leased, otherOpen = doctorList(others) })
  end
  -- counters
  if status == 'done' and num(t.consecutiveFailures, 0) ~= 0 then
    finding(out, id, 'counter', { consecutiveFailures = num(t.consecutiveFailures, 0) })
  end
end

-- a deleted task: the keys and index entries removeTask drops (listing entries by lane and
-- tenant are not found from here: the lane is gone with the hash)
local function deletedLeftovers(id)
  local keys, entries = {}, {}
  for _, k in ipairs({ parentsKey(id), childrenKey(id), taskEventsKey(id), commentsKey(id) }) do
    if redis.call('EXISTS', k) == 1 then keys[#keys + 1] = k end
  end
  for _, s in ipairs(LIST_STATUSES) do
    if inZ(statusKey(s), id) then entries[#entries + 1] = statusKey(s) end
  end
  for _, name in ipairs(DOCTOR_SETS) do
    if inZ(K[name], id) then entries[#entries + 1] = K[name] end
  end
  for _, name in ipairs({ 'nsblocked', 'recheck' }) do
    if redis.call('SISMEMBER', K[name], id) == 1 then entries[#entries + 1] = K[name] end
  end
  return keys, entries
end

local function inspectTask(n, out)
  local id = 't' .. int(n)
  local t = loadTask(id)
  if t then return inspectLive(id, t, out) end
  local keys, entries = deletedLeftovers(id)
  if #keys > 0 or #entries > 0 then finding(out, id, 'deleted_keys', { keys = doctorList(keys), entries = doctorList(entries) }) end
end

-- a run hash whose task is gone, or whose task does not list it among its runs
local function inspectRun(n, out)
  local rid = 'r' .. int(n)
  local taskId = redis.call('HGET', runKey(rid), 'taskId')
  if not taskId then return end
  local h = redis.call('HMGET', taskKey(taskId), 'status', 'runIds', 'currentRunId')
  if not h[1] then
    finding(out, rid, 'deleted_keys', { run = rid, taskId = taskId })
  elseif h[3] ~= rid and not string.find(' ' .. (h[2] or '') .. ' ', ' ' .. rid .. ' ', 1, true) then
    finding(out, rid, 'deleted_keys', { run = rid, taskId = taskId, unlisted = true })
  end
end
