--[[ updateTask: any status -> same status, fields patched
  Fields: title, body, priority, tenant, maxRetries, maxRuntimeMs, retryBackoffMs, metadata
  (JSON text); null clears tenant/maxRetries/maxRuntimeMs/retryBackoffMs. A new
  retryBackoffMs applies from the next failure (a backoff under way keeps its end). A new
  priority re-ranks the task in every index. A changed maxRetries of a breaker-blocked task
  puts it in `recheck`: the next recompute re-checks it (alone) against the new limit.
  A changed tenant takes the task's idempotency key to the new tenant's scope, unless
  another task holds it there.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id, patch = { ... } }
  Returns { ok = true, changed = [field] } | { err }
  Events:  updated { fields } when something changed
]]
--@include events
--@include idem
--@include listing

local id = A.id
local t = loadTask(id)
if not t then return fail('TASK_NOT_FOUND', { id = id }) end
local patch = A.patch
local changed = {}
for _, k in ipairs({ 'title', 'body', 'tenant', 'metadata', 'priority', 'maxRetries', 'maxRuntimeMs', 'retryBackoffMs' }) do
  local v = patch[k]
  if k == 'tenant' then
    if v ~= nil then
      -- a task's idempotency key is scoped by its tenant (includes/idem.lua): it moves with
      -- it (idemMove reads the old scope, so before setTenant, which also moves the task's
      -- entries in the listing indexes, includes/listing.lua)
      local to = v ~= NULL and v or nil
      if t.tenant ~= to then idemMove(id, t, to) end
      if setTenant(id, t, v) then table.insert(changed, k) end
    end
  elseif v == NULL then
    if t[k] then
      redis.call('HDEL', taskKey(id), k)
      table.insert(changed, k)
    end
  elseif v ~= nil then
    local s = type(v) == 'number' and int(v) or v
    if t[k] ~= s then
      redis.call('HSET', taskKey(id), k, s)
      table.insert(changed, k)
    end
  end
end
if given(patch.priority) and t.priority ~= int(patch.priority) then
  local seq = num(string.sub(id, 2), 0)
  local ord = -patch.priority * 1e9 + seq
  redis.call('HSET', taskKey(id), 'ord', int(ord))
  redis.call('ZADD', statusKey(t.status), ord, id)
  for _, z in ipairs({ K.dispatchQueue, K.dispatchUnassigned }) do redis.call('ZADD', z, 'XX', ord, id) end
  listRescore(id, t, ord)
end
-- a parked task's own limit changed: the next recompute re-checks it (and only it)
for _, k in ipairs(changed) do
  if k == 'maxRetries' and redis.call('SISMEMBER', K.nsblocked, id) == 1 then
    redis.call('SADD', K.recheck, id)
  end
end
if #changed > 0 then appendEvent(id, 'updated', { fields = changed }) end
return reply({ ok = true, changed = changed })
