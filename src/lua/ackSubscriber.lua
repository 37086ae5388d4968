--[[ ackSubscriber: (no task) a durable subscriber acknowledges the events up to an id
  Moves the subscriber's cursor (docs/events.md#subscriptions) forward to eventId: every
  event up to it is processed, and a reader that starts again (a new handle, a restarted
  process) reads from the one after. Never backwards: an id at or below the cursor changes
  nothing (changed = false), so late or repeated acknowledgements are harmless.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { name, eventId }
  Returns { ok = true, changed, cursor }
          | { err = 'SUBSCRIBER_NOT_FOUND', name }
          | { err = 'INVALID_INPUT', field = 'eventId', expected, got } (an event not yet written)
  Events:  none (see subscribe.lua)
]]

local raw = redis.call('HGET', K.subscribers, A.name)
if not raw then return fail('SUBSCRIBER_NOT_FOUND', { name = A.name }) end
local last = num(redis.call('HGET', K.seq, 'event'), 0)
if A.eventId > last then
  return fail('INVALID_INPUT', { field = 'eventId', expected = 'expected an event id the board has written (at most ' .. int(last) .. ')', got = A.eventId })
end
local s = cjson.decode(raw)
if A.eventId <= s.cursor then return reply({ ok = true, changed = false, cursor = s.cursor }) end
s.cursor = A.eventId
s.ackedAt = NOW
redis.call('HSET', K.subscribers, A.name, cjson.encode(s))
return reply({ ok = true, changed = true, cursor = s.cursor })
