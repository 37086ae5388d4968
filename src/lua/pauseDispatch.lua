--[[ pauseDispatch: pause or resume dispatch for the board or one lane (no status changes)
  A paused scope gets nothing new from BullMQ: the tick's reservation, the immediate
  enqueue of createTasks and of a completion's children, and a completion's hand-off to its
  worker skip its tasks (includes/pause.lua); they stay ready in `dq` and the first
  reservation after the resume takes them. Work already running, or already in BullMQ,
  goes on (docs/fleet.md#pause-and-drain).
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { lane? (absent: the whole board), actor, reason?, resume? }
  Pausing a paused scope, or resuming one that is not paused, changes nothing (changed =
  false, no event): the first pause keeps its actor, reason and time.
  Returns { ok = true, changed, paused = { by, reason?, since } | nil (the scope's state now) }
  Events:  paused { lane, by, reason } | resumed { lane, by, pausedBy, pausedSince } on the
           board stream (lane null = the board)
  Bounded: one hash field read and written.
]]
--@include events
--@include pause

local field = given(A.lane) and A.lane or PAUSE_BOARD
local lane = given(A.lane) and A.lane or NULL
local cur = redis.call('HGET', K.paused, field)
local state = cur and cjson.decode(cur) or nil
if A.resume == true then
  if not state then return reply({ ok = true, changed = false }) end
  redis.call('HDEL', K.paused, field)
  appendEvent(nil, 'resumed', { lane = lane, by = A.actor, pausedBy = state.by, pausedSince = state.since })
  return reply({ ok = true, changed = true })
end
if state then return reply({ ok = true, changed = false, paused = state }) end
state = { by = A.actor, reason = given(A.reason) and A.reason or nil, since = NOW }
redis.call('HSET', K.paused, field, cjson.encode(state))
appendEvent(nil, 'paused', { lane = lane, by = A.actor, reason = state.reason })
return reply({ ok = true, changed = true, paused = state })
