--[[ subscribe: (no task) create a durable subscriber, or change its kind filter
  A subscriber (docs/events.md#subscriptions) is a name in K.subscribers with a cursor — the
  last event id it acknowledged — and an optional kind filter, stored as JSON
  { cursor, kinds?, createdAt, ackedAt? }. A new one starts after `from`: 'latest' (the last
  event written, the default: it reads what comes next), 'earliest' (0: whatever the stream
  still holds) or an event id. An existing one keeps its cursor (`from` is not used);
  `kinds` replaces its filter when given (null: every kind).
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { name, kinds? = [kind] | null, from? = 'latest' | 'earliest' | event id,
            max (most subscribers a board keeps) }
  Returns { ok = true, created, cursor, kinds? }
          | { err = 'INVALID_INPUT', field, expected, got } (from: an event not yet written;
            name: the board has `max` subscribers already)
  Events:  none: a subscriber's bookkeeping changes no task and no setting (and an event for
           an acknowledgement would be read by the subscribers themselves)
]]

local name = A.name
local kinds = A.kinds
if kinds == NULL then kinds = nil end
local raw = redis.call('HGET', K.subscribers, name)
if raw then
  local s = cjson.decode(raw)
  if A.kinds ~= nil then
    s.kinds = kinds
    redis.call('HSET', K.subscribers, name, cjson.encode(s))
  end
  return reply({ ok = true, created = false, cursor = s.cursor, kinds = s.kinds })
end
if redis.call('HLEN', K.subscribers) >= A.max then
  return fail('INVALID_INPUT', { field = 'name', expected = 'expected an existing subscriber or room for a new one (at most ' .. int(A.max) .. ' a board)', got = name })
end
local last = num(redis.call('HGET', K.seq, 'event'), 0)
local cursor = last
if A.from == 'earliest' then
  cursor = 0
elseif type(A.from) == 'number' then
  if A.from > last then
    return fail('INVALID_INPUT', { field = 'from', expected = 'expected an event id the board has written (at most ' .. int(last) .. ')', got = A.from })
  end
  cursor = A.from
end
redis.call('HSET', K.subscribers, name, cjson.encode({ cursor = cursor, kinds = kinds, createdAt = NOW }))
return reply({ ok = true, created = true, cursor = cursor, kinds = kinds })
