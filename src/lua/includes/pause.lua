-- Paused dispatch (docs/fleet.md#pause-and-drain): the `paused` hash holds `*` when the whole
-- board is paused and one field per paused lane, each { by, reason, since } as JSON. Nothing
-- is reserved for BullMQ, or handed over by a completion, in a paused scope; tasks already in
-- BullMQ may still be claimed.
--   lanePaused(lane) -> the board or this lane is paused (read once per lane per call)
--   boardPaused()    -> the whole board is paused
--   anyPaused()      -> some scope is paused (one EXISTS per call)
-- Bounded: one HMGET per distinct lane a call asks about.
local PAUSE_BOARD = '*'
local PAUSED_LANES, ANY_PAUSED
RESETS[#RESETS + 1] = function() PAUSED_LANES, ANY_PAUSED = {}, nil end

local function anyPaused()
  if ANY_PAUSED == nil then ANY_PAUSED = redis.call('EXISTS', K.paused) == 1 end
  return ANY_PAUSED
end

local function lanePaused(lane)
  if not anyPaused() then return false end
  local key = lane or PAUSE_BOARD
  local p = PAUSED_LANES[key]
  if p == nil then
    local v = redis.call('HMGET', K.paused, PAUSE_BOARD, key)
    p = v[1] ~= false or v[2] ~= false
    PAUSED_LANES[key] = p
  end
  return p
end

local function boardPaused() return lanePaused(nil) end
