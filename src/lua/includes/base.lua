-- base: what every script starts with.
--   KEYS[1]  {kb:<board>}:settings   (declares the board's slot to Redis Cluster)
--   ARGV[1]  {kb:<board>}:           key prefix; every key shares its hash tag. The keys
--            come from the `keys` include, made from src/keys.ts: K.<name>, <name>Key(id)
--   ARGV[2]  JSON object of named arguments (see each script's header)
-- NOW is the Redis server's clock in epoch ms: the one clock for every lease and expiry.
-- Every script and include starts with base, implicitly: no file names it in an include line.
-- The scripts run as functions of one library (src/scriptLoader.ts): everything here and in the
-- includes is made once, when the library loads, and begin(KEYS, ARGV) starts each call —
-- it sets the call's arguments and clock and clears what an include keeps per call (RESETS).
--@include keys
local A, SETTINGS, NOW, NOWS
local RESETS = {}
-- cjson is not there while a library loads: NULL is set when a call begins
local NULL
local function given(v) return v ~= nil and v ~= NULL end
local function num(v, default)
  if v == nil or v == false or v == '' or v == NULL then return default end
  return tonumber(v)
end
-- integer-valued doubles formatted without exponent or rounding (tostring keeps 14 digits)
local function int(n) return string.format('%d', n) end

-- Board settings, read once per script call (one HGETALL of a small hash).
local SETTINGS_CACHE

local function begin(keys, args)
  NULL = cjson.null
  setPrefix(args[1])
  A = cjson.decode(args[2])
  SETTINGS = keys[1]
  local t = redis.call('TIME')
  NOW = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  NOWS = int(NOW)
  SETTINGS_CACHE = nil
  for i = 1, #RESETS do RESETS[i]() end
end
local function setting(name, default)
  if not SETTINGS_CACHE then
    SETTINGS_CACHE = {}
    local flat = redis.call('HGETALL', SETTINGS)
    for i = 1, #flat, 2 do SETTINGS_CACHE[flat[i]] = flat[i + 1] end
  end
  return num(SETTINGS_CACHE[name], default)
end

-- A task hash as a Lua table of strings; nil when the task does not exist.
local function loadTask(id)
  local flat = redis.call('HGETALL', taskKey(id))
  if #flat == 0 then return nil end
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t
end

local function isSatisfied(status) return status == 'done' or status == 'archived' end

-- Every script returns through reply / fail / refused; they first run BEFORE_REPLY (the
-- events include sets it to write the events the call buffered).
local BEFORE_REPLY = function() end
local function reply(tbl) BEFORE_REPLY(); return cjson.encode(tbl) end
local function fail(code, extra)
  BEFORE_REPLY()
  local r = extra or {}
  r.err = code
  return cjson.encode(r)
end
local function refused(t, id) BEFORE_REPLY(); return cjson.encode({ ok = false, status = t.status, id = id }) end
