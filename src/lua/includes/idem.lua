-- idem: idempotency keys, scoped per tenant (docs/api.md#idempotency-keys): the same key under
-- two tenants names two tasks, under one tenant (or none) one. A task without a tenant is
-- filed under its key in K.idem, as before keys were scoped; a task with a tenant under
-- `<length of tenant>:<tenant>:<key>` in K.idemTenant (the length keeps the field
-- unambiguous whatever the tenant and key contain).
-- Migration: an entry written before keys were scoped sits in K.idem even when its task has
-- a tenant. It is read as its task's tenant's (never as the no-tenant scope's), and moved to
-- K.idemTenant when a no-tenant task takes that key; archive and delete free it where it is.
--   idemField(tenant, key) -> the key's name in its scope (also a batch's in-batch check)
--   idemFind(tenant, key) -> id of the existing task holding the key in that scope, or nil
--   idemSet(tenant, key, id): a new task holds the key
--   idemFree(id, t): task t (its hash as loaded) no longer holds its key (archived, deleted)
--   idemMove(id, t, tenant): t's tenant changes to `tenant` (nil: none); the key follows it
--     unless another task already holds it in the new scope

-- (a tenant read from a hash is false when the task has none; cjson's null when an argument)
local function hasTenant(tenant) return type(tenant) == 'string' and tenant ~= '' end

local function idemField(tenant, key)
  if not hasTenant(tenant) then return key end
  return string.format('%d:%s:%s', #tenant, tenant, key)
end

local function idemFind(tenant, key)
  if hasTenant(tenant) then
    local hit = redis.call('HGET', K.idemTenant, idemField(tenant, key))
    if hit and redis.call('EXISTS', taskKey(hit)) == 1 then return hit end
    -- an entry from before keys were scoped, if its task has this tenant
    local old = redis.call('HGET', K.idem, key)
    if old and redis.call('HGET', taskKey(old), 'tenant') == tenant then return old end
    return nil
  end
  local hit = redis.call('HGET', K.idem, key)
  if not hit then return nil end
  local h = redis.call('HMGET', taskKey(hit), 'id', 'tenant')
  -- (an entry from before keys were scoped whose task has a tenant is that tenant's)
  if h[1] and not hasTenant(h[2]) then return hit end
  return nil
end

local function idemSet(tenant, key, id)
  if hasTenant(tenant) then
    redis.call('HSET', K.idemTenant, idemField(tenant, key), id)
    return
  end
  local old = redis.call('HGET', K.idem, key)
  if old then
    local t = redis.call('HGET', taskKey(old), 'tenant')
    if hasTenant(t) then redis.call('HSETNX', K.idemTenant, idemField(t, key), old) end
  end
  redis.call('HSET', K.idem, key, id)
end

local function idemFree(id, t)
  local key = t.idempotencyKey
  if not given(key) then return end
  if hasTenant(t.tenant) then
    local f = idemField(t.tenant, key)
    if redis.call('HGET', K.idemTenant, f) == id then redis.call('HDEL', K.idemTenant, f) end
  end
  if redis.call('HGET', K.idem, key) == id then redis.call('HDEL', K.idem, key) end
end

local function idemMove(id, t, tenant)
  local key = t.idempotencyKey
  if not given(key) or t.status == 'archived' then return end
  local held = (hasTenant(t.tenant) and redis.call('HGET', K.idemTenant, idemField(t.tenant, key)) == id)
    or redis.call('HGET', K.idem, key) == id
  if not held then return end
  idemFree(id, t)
  if not idemFind(tenant, key) then idemSet(tenant, key, id) end
end
