--[[ reindexTasks: any status -> same status   (one batch of the listing indexes' backfill)
  A board whose tasks were created before the listing indexes (includes/listing.lua) has
  tasks without entries there. This walks the status indexes, status by status in dispatch
  order, and files up to `count` tasks per call; the cursor (status, score, id) is kept in
  `ix:walk`, so the walk resumes where it stopped, in any process. Every write is
  idempotent: a task that a change indexed already, or that the walk meets twice, is
  filed the same. A task that moves while the walk runs is indexed by the move itself, so
  the walk only needs the tasks that stay put — which a score cursor does not skip. When
  the last status is done, `ix:walk` says `done` and later calls cost one HGET; a board's
  first createTasks marks a new board done at once (nothing older to file). A ready task
  counts as ready since the walk met it (when it became ready is not stored).
  restart: forget the mark and the cursor and walk again (after writers of an older version
  touched the board).
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { count, restart? }
  Returns { done, indexed = how many tasks this call filed }
  Events:  none
]]
--@include listing

if A.restart == true then redis.call('DEL', K.reindex) end
if redis.call('HGET', K.reindex, 'done') == '1' then return reply({ done = true, indexed = 0 }) end

local c = redis.call('HMGET', K.reindex, 'index', 'score', 'id')
local si, score, last = tonumber(c[1]) or 1, tonumber(c[2]), c[3] or nil
local budget, indexed = A.count, 0

local function fileTask(id, status)
  local h = redis.call('HMGET', taskKey(id), 'status', 'ord', 'assignee', 'tenant')
  if h[1] == status and h[2] then listAdd(id, h[2], status, h[3], h[4], nil, NOWS) end
end

-- each round reads one page of one status index (from the cursor, which it includes: the
-- entries up to the cursor's own are skipped); at most one round per status plus one per
-- page, so a call makes a bounded number of reads
for _ = 1, #LIST_STATUSES + 10 do
  if si > #LIST_STATUSES or budget <= 0 then break end
  local want = budget + 1
  local page = redis.call('ZRANGEBYSCORE', statusKey(LIST_STATUSES[si]), score and int(score) or '-inf', '+inf', 'WITHSCORES', 'LIMIT', 0, want)
  local full = #page / 2 == want
  for i = 1, #page, 2 do
    local id, s = page[i], tonumber(page[i + 1])
    if not (score and s == score and last and id <= last) then
      if budget == 0 then
        full = true
        break
      end
      fileTask(id, LIST_STATUSES[si])
      budget, indexed, score, last = budget - 1, indexed + 1, s, id
    end
  end
  if not full then si, score, last = si + 1, nil, nil end
end

if si > #LIST_STATUSES then
  redis.call('DEL', K.reindex)
  redis.call('HSET', K.reindex, 'done', '1')
  return reply({ done = true, indexed = indexed })
end
redis.call('DEL', K.reindex)
if score then
  redis.call('HSET', K.reindex, 'index', si, 'score', int(score), 'id', last)
else
  redis.call('HSET', K.reindex, 'index', si)
end
return reply({ done = false, indexed = indexed })
