-- select: which tasks a bulk operation (bulkTasks) visits, page by page, and whether one
-- passes its filter. The one place that knows where a selection reads from: today the
-- status indexes `s:<status>`; an index by tenant or lane can be read here later without
-- touching the operations.
--
-- A walk goes through the status indexes of `statuses` in that order, each in Redis's
-- order of a sorted set: score (the task's `ord`), then id, byte by byte. Its cursor is the
-- last entry visited, { status, score, id } ({ status } alone: that index from its start),
-- not a rank: the operation moves tasks out of the index it walks (unblock, archive,
-- delete), which shifts every rank behind them, while the place after (score, id) stays
-- where it was. So a walk resumed with its cursor — in the same call, the next, or another
-- process after a crash — neither skips nor repeats a task that stayed in its index. A task
-- that enters an index behind the cursor, or whose priority changes, during the walk may be
-- met once more or not at all.
--   walk(statuses, cursor, budget, visit, stop) -> the cursor to resume from, or nil when done
--   selected(t, filter) -> the task passes filter.lane and filter.tenant

-- a < b in byte order, as Redis orders the members of one score (Lua's < follows the
-- server's locale)
local function bytesBefore(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

-- the rank of the first entry after (score, id): the entries of lower scores, then those of
-- this score up to id, found by bisection (product ids have a score of their own, so there
-- is at most one, and none once the operation moved the cursor's task out)
local function rankAfter(key, score, id)
  local below = redis.call('ZCOUNT', key, '-inf', '(' .. score)
  local lo, hi = 0, redis.call('ZCOUNT', key, score, score)
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    local m = redis.call('ZRANGE', key, below + mid, below + mid)[1]
    if bytesBefore(id, m) then hi = mid else lo = mid + 1 end
  end
  return below + lo
end

local WALK_PAGE = 100

-- visit(id, status) is called for each entry, at most `budget` of them; after each, stop()
-- true ends the walk there. An entry visited is behind the cursor returned.
local function walk(statuses, cursor, budget, visit, stop)
  local i, score, last = 1, nil, nil
  if cursor then
    while statuses[i] and statuses[i] ~= cursor.status do i = i + 1 end
    if given(cursor.id) then score, last = cursor.score, cursor.id end
  end
  while statuses[i] do
    local status = statuses[i]
    if budget <= 0 then return { status = status, score = score, id = last } end
    local key = statusKey(status)
    local from = last and rankAfter(key, score, last) or 0
    local page = redis.call('ZRANGE', key, from, from + math.min(budget, WALK_PAGE) - 1, 'WITHSCORES')
    if #page == 0 then
      i, score, last = i + 1, nil, nil
    else
      for j = 1, #page, 2 do
        last, score = page[j], page[j + 1]
        budget = budget - 1
        visit(last, status)
        if stop() then return { status = status, score = score, id = last } end
      end
    end
  end
  return nil
end

-- want: nil = any value; NULL = none (no lane, no tenant); else that value
local function fieldIs(v, want)
  if want == nil then return true end
  if want == NULL then return not v or v == '' end
  return v == want
end

local function selected(t, filter)
  return fieldIs(t.assignee, filter.lane) and fieldIs(t.tenant, filter.tenant)
end
