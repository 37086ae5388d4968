-- listing: the indexes a filtered listing and `stats` read instead of every task hash
-- (docs/architecture.md#listing-indexes). For a task in status s with lane a and tenant t:
--   statusLaneKey(s, a), statusTenantKey(s, t), statusLaneTenantKey(s, a, t)
--     sorted sets scored like the status index (ord: dispatch order), so a filtered page is
--     one index (a merge over the wanted statuses) read from a cursor, whatever it matches;
--   readySinceKey(a)  the lane's ready tasks (a = '' unassigned) by when they became ready;
--   K.laneNames, K.tenantNames  the lanes and tenants that have at least one task.
-- A task without a lane or a tenant has no entry of that kind. Every write is idempotent
-- (ZADD, ZREM), so a task the backfill has not reached yet (reindexTasks.lua) is indexed by
-- the first change that touches it, and the backfill may meet a task twice.
--   listMove(id, t, from, to)        the status changed (includes/status.lua setStatus)
--   setAssignee(id, t, to)           writes the task's lane and moves its entries
--   setTenant(id, t, to)             writes the task's tenant and moves its entries
--   listRescore(id, t, ord)          a new dispatch order (updateTask priority)
--   listAdd(id, ord, status, lane, tenant, batch?, since?)   a new (or backfilled) task
--   listFlush(batch)                 writes a batch of listAdd's entries
--   listDrop(id, t)                  the task is going away (includes/remove.lua)
--   listFreshBoard()                 a board's first tasks: it needs no backfill
-- Every status, for the check whether a lane or tenant has any task left (as src/status.ts)
local LIST_STATUSES = { 'triage', 'todo', 'scheduled', 'ready', 'running', 'blocked', 'review', 'done', 'archived' }

local function named(v) return v ~= nil and v ~= false and v ~= '' and v ~= NULL end

-- the index keys of a task with these fields, in one list
local function listKeys(status, lane, tenant)
  local keys = {}
  if named(lane) then keys[#keys + 1] = statusLaneKey(status, lane) end
  if named(tenant) then keys[#keys + 1] = statusTenantKey(status, tenant) end
  if named(lane) and named(tenant) then keys[#keys + 1] = statusLaneTenantKey(status, lane, tenant) end
  return keys
end

local function laneOf(t) return named(t.assignee) and t.assignee or '' end

-- forgetIfGone(names, keyOf, name): drops a lane or tenant from its registry once no status
-- holds a task of it (at most 9 EXISTS, only when a task leaves the name)
local function forgetIfGone(names, keyOf, name)
  if not named(name) then return end
  for _, s in ipairs(LIST_STATUSES) do
    if redis.call('EXISTS', keyOf(s, name)) == 1 then return end
  end
  redis.call('ZREM', names, name)
end

-- batch (optional): a table listFlush writes later, one ZADD per key (createTasks' nodes).
-- since (the backfill): when the task was first seen ready; an entry already there is kept.
local function listAdd(id, ord, status, lane, tenant, batch, since)
  local adds = {}
  for _, k in ipairs(listKeys(status, lane, tenant)) do adds[#adds + 1] = { k, ord, id } end
  if named(lane) then adds[#adds + 1] = { K.laneNames, 0, lane } end
  if named(tenant) then adds[#adds + 1] = { K.tenantNames, 0, tenant } end
  local ready = status == 'ready' and readySinceKey(named(lane) and lane or '') or nil
  if ready and since then redis.call('ZADD', ready, 'NX', since, id) elseif ready then adds[#adds + 1] = { ready, NOWS, id } end
  for _, a in ipairs(adds) do
    local key, score, member = a[1], a[2], a[3]
    if not batch then
      redis.call('ZADD', key, score, member)
    else
      local list = batch[key]
      if not list then
        list = { n = 0, seen = {} }
        batch[key] = list
      end
      -- a lane or tenant goes in its registry once per batch
      if not list.seen[member] then
        list.seen[member] = true
        list[list.n + 1] = score
        list[list.n + 2] = member
        list.n = list.n + 2
      end
    end
  end
end

-- listFlush(batch): the batch's entries, ZADD in calls of at most 500 members
local function listFlush(batch)
  for key, list in pairs(batch) do
    for i = 1, list.n, 1000 do redis.call('ZADD', key, unpack(list, i, math.min(i + 999, list.n))) end
  end
end

-- the status changed; lane and tenant did not (so neither registry changes)
local function listMove(id, t, from, to)
  local lane, tenant = t.assignee, t.tenant
  for _, k in ipairs(listKeys(from, lane, tenant)) do redis.call('ZREM', k, id) end
  for _, k in ipairs(listKeys(to, lane, tenant)) do redis.call('ZADD', k, t.ord, id) end
  if from == 'ready' then redis.call('ZREM', readySinceKey(laneOf(t)), id) end
  if to == 'ready' then redis.call('ZADD', readySinceKey(laneOf(t)), NOWS, id) end
end

-- moves the entries of (t.status, lane, tenant) from the old fields to the new ones
local function listRefile(id, t, oldLane, oldTenant)
  local keep = {}
  for _, k in ipairs(listKeys(t.status, t.assignee, t.tenant)) do keep[k] = true end
  for _, k in ipairs(listKeys(t.status, oldLane, oldTenant)) do
    if not keep[k] then redis.call('ZREM', k, id) end
  end
  for _, k in ipairs(listKeys(t.status, t.assignee, t.tenant)) do redis.call('ZADD', k, t.ord, id) end
end

-- setAssignee(id, t, to) -> whether the lane changed. t needs status, ord, assignee, tenant.
local function setAssignee(id, t, to)
  if not named(to) then to = nil end
  local from = named(t.assignee) and t.assignee or nil
  if to == from then return false end
  if to then redis.call('HSET', taskKey(id), 'assignee', to) else redis.call('HDEL', taskKey(id), 'assignee') end
  t.assignee = to
  listRefile(id, t, from, t.tenant)
  if t.status == 'ready' then
    local old = readySinceKey(from or '')
    local since = redis.call('ZSCORE', old, id) or NOWS
    redis.call('ZREM', old, id)
    redis.call('ZADD', readySinceKey(to or ''), since, id)
  end
  if to then redis.call('ZADD', K.laneNames, 0, to) end
  forgetIfGone(K.laneNames, statusLaneKey, from)
  return true
end

-- setTenant(id, t, to) -> whether the tenant changed. t needs status, ord, assignee, tenant.
local function setTenant(id, t, to)
  if not named(to) then to = nil end
  local from = named(t.tenant) and t.tenant or nil
  if to == from then return false end
  if to then redis.call('HSET', taskKey(id), 'tenant', to) else redis.call('HDEL', taskKey(id), 'tenant') end
  t.tenant = to
  listRefile(id, t, t.assignee, from)
  if to then redis.call('ZADD', K.tenantNames, 0, to) end
  forgetIfGone(K.tenantNames, statusTenantKey, from)
  return true
end

local function listRescore(id, t, ord)
  for _, k in ipairs(listKeys(t.status, t.assignee, t.tenant)) do redis.call('ZADD', k, ord, id) end
end

local function listDrop(id, t)
  for _, k in ipairs(listKeys(t.status, t.assignee, t.tenant)) do redis.call('ZREM', k, id) end
  if t.status == 'ready' then redis.call('ZREM', readySinceKey(laneOf(t)), id) end
  forgetIfGone(K.laneNames, statusLaneKey, t.assignee)
  forgetIfGone(K.tenantNames, statusTenantKey, t.tenant)
end

local function listFreshBoard() redis.call('HSET', K.reindex, 'done', '1') end
