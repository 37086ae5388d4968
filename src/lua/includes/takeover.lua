-- takeOver(promoted, h) -> the claim of one child this completion promoted, for the worker
-- that completed its parent, or nil. h = { claimer, lanes = [lane] } (A.handoff / an item's).
-- The completing handler's slot is about to be free: instead of a round trip through BullMQ
-- (job added, fetched, claimed), the best promoted child of the worker's lanes — highest
-- priority, then oldest — is claimed for it in the same step, under the same caps as a
-- reservation (maxInProgress, maxInProgressPerAssignee), not during a cooldown and not in a
-- paused lane or board (includes/pause.lua, docs/fleet.md#pause-and-drain). The
-- reply is claimTask's with the task (claimOne withTask) and its `id`.
-- Bounded: one HMGET per promoted child, at most the first 100.
--@include claim
--@include pause
--@include reserve
--@include status
local function takeOver(promoted, h)
  if type(h) ~= 'table' or #promoted == 0 or boardPaused() then return nil end
  local lanes = {}
  for _, l in ipairs(h.lanes) do lanes[l] = true end
  local best, bestOrd, bestLane
  for i, cid in ipairs(promoted) do
    if i > 100 then break end
    local v = redis.call('HMGET', taskKey(cid), 'status', 'assignee', 'ord', 'cooldownUntil')
    if v[1] == 'ready' and v[2] and lanes[v[2]] and not inCooldown({ cooldownUntil = v[4] }) and not lanePaused(v[2]) then
      local ord = tonumber(v[3])
      if not best or ord < bestOrd then best, bestOrd, bestLane = cid, ord, v[2] end
    end
  end
  if not best or boardRoom() <= 0 or laneFull(bestLane, setting('maxInProgressPerAssignee', 0)) then return nil end
  local r = claimOne(best, h.claimer, nil, nil, true)
  if not r.ok then return nil end
  r.id = best
  return r
end

-- without(list, id) -> the list less one id (the child taken over is not handed to BullMQ)
local function without(list, id)
  if not id then return list end
  local out = {}
  for _, x in ipairs(list) do if x ~= id then table.insert(out, x) end end
  return out
end
