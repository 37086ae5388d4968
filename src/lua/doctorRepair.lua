--[[ doctorRepair: todo -> ready   (a task whose pending count was wrong; its other repairs move no status)
  The repairs of `kanban doctor --repair` (docs/reliability.md#kanban-doctor), for up to 100
  ids a check found. Each id is checked again here (includes/doctor.lua), in this call, so
  only what is still wrong is repaired: a finding that a concurrent change resolved writes
  nothing. Every repair is one `repaired` event naming the check. What each check repairs:
    status_index / listing_index / derived_set   the entries the task's status, lane and tenant imply
    dispatch_index  a waiting ready / review task filed for dispatch again (or its cooldown);
                    another status taken out of dq, dqu and queued
    inflight        the task enters or leaves the lane's in-flight count
    pending         links to gone tasks dropped, the count set; a todo task left with no
                    unsatisfied parent is promoted (event `promoted`)
    open_run        runs left open closed `reclaimed`; a running task whose run is gone or
                    not leased gets a lease that expires now, so the next tick reclaims it
    counter         a done task's failure counter cleared
    deleted_keys    a deleted task's keys and entries, or a run of a deleted task, removed
    lost_job        (from `lost`) a queued task whose BullMQ job is gone, filed for dispatch again
  An unknown status (check `unknown_status`) is left for a person.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { ids = [t<n> | r<n>] (at most 100), lost = [ { id, token } ] (at most 100) }
  Returns { repaired = [ { id, check } ], promoted = [id], requeued = [id] }
  Events:  repaired { check, detail } per repair (on the task; a board event with `id` for a
           deleted task or a run); promoted { from = 'todo', reason = 'doctor' }
]]
--@include doctor
--@include events
--@include listing
--@include promote
--@include runs
--@include status

local MAX = 100
local repaired, promoted, requeued = {}, {}, {}
local WHY = 'closed by kanban doctor'

local function record(id, check, detail, live)
  repaired[#repaired + 1] = { id = id, check = check }
  if live then
    appendEvent(id, 'repaired', { check = check, detail = detail })
  else
    appendEvent(nil, 'repaired', { id = id, check = check, detail = detail })
  end
end

local function fixPending(id, t)
  for _, pid in ipairs(redis.call('SMEMBERS', parentsKey(id))) do
    if redis.call('EXISTS', taskKey(pid)) == 0 then redis.call('SREM', parentsKey(id), pid) end
  end
  if t.hasChildren == '1' then
    for _, cid in ipairs(redis.call('SMEMBERS', childrenKey(id))) do
      if redis.call('EXISTS', taskKey(cid)) == 0 then redis.call('SREM', childrenKey(id), cid) end
    end
  end
  local unsatisfied = parentCounts(id)
  if unsatisfied > 0 then redis.call('HSET', taskKey(id), 'pending', unsatisfied) else redis.call('HDEL', taskKey(id), 'pending') end
  t.pending = unsatisfied > 0 and tostring(unsatisfied) or nil
  if t.status == 'todo' and unsatisfied == 0 and tryPromote(id, t, 'doctor') then promoted[#promoted + 1] = id end
end

local FIX = {}
function FIX.status_index(id, t)
  for _, s in ipairs(LIST_STATUSES) do
    if s ~= t.status then redis.call('ZREM', statusKey(s), id) end
  end
  redis.call('ZADD', statusKey(t.status), t.ord, id)
end
function FIX.listing_index(id, t)
  local want, stray = listingExpect(t)
  for _, k in ipairs(stray) do redis.call('ZREM', k, id) end
  for k in pairs(want) do redis.call('ZADD', k, t.ord, id) end
  if named(t.assignee) then redis.call('ZADD', K.laneNames, 0, t.assignee) end
  if named(t.tenant) then redis.call('ZADD', K.tenantNames, 0, t.tenant) end
  if t.status == 'ready' then redis.call('ZADD', readySinceKey(laneOf(t)), 'NX', NOWS, id) else redis.call('ZREM', readySinceKey(laneOf(t)), id) end
end
function FIX.derived_set(id, t)
  if t.status == 'blocked' and t.sticky ~= '1' then redis.call('SADD', K.nsblocked, id) else redis.call('SREM', K.nsblocked, id) end
  if t.status == 'done' then redis.call('ZADD', K.doneSince, 'NX', NOWS, id) else redis.call('ZREM', K.doneSince, id) end
  if t.status == 'archived' then redis.call('ZADD', K.archivedSince, 'NX', NOWS, id) else redis.call('ZREM', K.archivedSince, id) end
end
function FIX.dispatch_index(id, t)
  if isDispatchable(t.status) then
    if inCooldown(t) then redis.call('ZADD', K.cooldowns, t.cooldownUntil, id) else dispatchIndex(id, t, true) end
  else
    for _, k in ipairs({ K.dispatchQueue, K.dispatchUnassigned, K.queued }) do redis.call('ZREM', k, id) end
  end
end
function FIX.inflight(id, t)
  local flying = t.status == 'running' or inZ(K.queued, id)
  if flying then enterInflight(id, t) else leaveInflight(id, t) end
end
FIX.pending = fixPending
function FIX.open_run(id, t)
  local others, currentOpen = runFacts(id, t)
  for _, rid in ipairs(others) do redis.call('HSET', runKey(rid), 'endedAt', NOWS, 'outcome', 'reclaimed', 'error', WHY) end
  if t.status ~= 'running' then
    if t.currentRunId then closeRun(id, t, 'reclaimed', { error = WHY }) end
    redis.call('ZREM', K.leases, id)
  elseif not currentOpen then
    redis.call('HDEL', taskKey(id), 'currentRunId', 'leaseExpiresAt', 'leaseTtlMs', 'lastHeartbeatAt')
    redis.call('ZADD', K.leases, NOWS, id)
  elseif not inZ(K.leases, id) then
    redis.call('ZADD', K.leases, num(t.leaseExpiresAt) or NOW, id)
  end
end
function FIX.counter(id)
  redis.call('HDEL', taskKey(id), 'consecutiveFailures', 'lastFailureError')
end

-- a deleted task: links from the tasks still there, then its keys and entries
local function fixDeleted(id)
  for _, pid in ipairs(redis.call('SMEMBERS', parentsKey(id))) do redis.call('SREM', childrenKey(pid), id) end
  local kids = redis.call('SMEMBERS', childrenKey(id))
  redis.call('DEL', parentsKey(id), childrenKey(id), taskEventsKey(id), commentsKey(id))
  for _, s in ipairs(LIST_STATUSES) do redis.call('ZREM', statusKey(s), id) end
  for _, name in ipairs(DOCTOR_SETS) do redis.call('ZREM', K[name], id) end
  redis.call('SREM', K.nsblocked, id)
  redis.call('SREM', K.recheck, id)
  for _, cid in ipairs(kids) do
    if redis.call('SREM', parentsKey(cid), id) == 1 then
      local c = loadTask(cid)
      if c then fixPending(cid, c) end
    end
  end
end

local function repairOne(id)
  local out = {}
  local n = tonumber(string.sub(id, 2))
  local kind = string.sub(id, 1, 1)
  if n and kind == 'r' then inspectRun(n, out) elseif n and kind == 't' then inspectTask(n, out) end
  for _, f in ipairs(out) do
    if f.check == 'deleted_keys' then
      if kind == 'r' then redis.call('DEL', runKey(id)) else fixDeleted(id) end
      record(id, f.check, f.detail, false)
    elseif FIX[f.check] then
      -- each fix reads the task as the fixes before it left it
      local t = loadTask(id)
      FIX[f.check](id, t)
      record(id, f.check, f.detail, true)
    end
  end
end

for i, id in ipairs(A.ids or {}) do
  if i > MAX then break end
  repairOne(id)
end
for i, l in ipairs(A.lost or {}) do
  if i > MAX then break end
  local t = inZ(K.queued, l.id) and loadTask(l.id)
  if t and t.queueToken == tostring(l.token) then
    redis.call('ZREM', K.queued, l.id)
    leaveInflight(l.id, t)
    dispatchIndex(l.id, t)
    requeued[#requeued + 1] = l.id
    record(l.id, 'lost_job', { token = l.token }, true)
  end
end
return reply({ repaired = doctorList(repaired), promoted = doctorList(promoted), requeued = doctorList(requeued) })
