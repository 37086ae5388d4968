-- handOver(promoted) -> jobs, rest: with A.enqueue (an autoEnqueue handle), reserve the
-- children a completion just promoted for BullMQ in the same call — caps, default lane and
-- grouping exactly as reserveDispatch (includes/reserve.lua) — so the caller adds their
-- lane jobs without another round trip. At most 100 per call, like a tick's reservation;
-- the rest is returned for the caller's own reservation. Without enqueue: nothing.
--@include reserve
local function handOver(promoted)
  if A.enqueue ~= true or #promoted == 0 then return {}, {} end
  local take, rest = {}, {}
  for i, id in ipairs(promoted) do table.insert(i <= 100 and take or rest, id) end
  return reserve(take, #take, #take).jobs, rest
end
