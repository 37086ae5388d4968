--[[ listPage: a page of a filtered listing (docs/api.md#listing-tasks) — reads only, no status change
  The first `limit` tasks after a cursor of the union of the wanted statuses' listing
  indexes for a lane and / or tenant (includes/listing.lua), in dispatch order (score, then
  id), with their hashes and the parents of those that have any. One call: the indexes and
  the hashes are read at one instant, so every entry listed is a task of the filter and the
  page needs no second round; the client parses one reply instead of a merge of index
  replies and a hash per task. Flagged no-writes: it runs on a replica and while Redis is
  at maxmemory.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { statuses = [status], lane?, tenant?, limit, afterScore?, afterId? }
          afterScore (a number as text, read exactly) / afterId: the cursor, the last
          entry of the page before (exclusive)
  Returns { tasks = [ [field, value, ...] ], parents = { id = [parentId] }, more,
            lastScore?, lastId? }   more: entries follow the page's last (lastScore, lastId)
  Bounded: (limit + 2) entries of each wanted index (9 at most), `limit` hash reads and a
  parent set per task with parents; the client asks for at most 200 a call (listing.ts).
]]
--@flags no-writes

local limit = A.limit
local lane = A.lane
local tenant = A.tenant
local byLane = lane ~= nil and lane ~= ''
local byTenant = tenant ~= nil

-- the index of a status for this filter (includes/listing.lua names them)
local indexOf = statusKey
if byLane and byTenant then indexOf = function(s) return statusLaneTenantKey(s, lane, tenant) end
elseif byLane then indexOf = function(s) return statusLaneKey(s, lane) end
elseif byTenant then indexOf = function(s) return statusTenantKey(s, tenant) end
end

local afterScore = A.afterScore and tonumber(A.afterScore)
local afterId = A.afterId
-- entries strictly after the cursor, in (score, id) order
local function after(score, id) return afterScore == nil or score > afterScore or (score == afterScore and id > afterId) end

-- One run per index: its entries after the cursor, already in (score, id) order. The page
-- is a k-way merge of the runs' heads (9 at most), not a sort of every entry read. A run
-- cut by LIMIT has limit + 1 entries after the cursor (only the cursor's own task, of a
-- unique score, can precede it), so a run left over after the page means more follow.
local runs = {}
local from = A.afterScore or '-inf'
for _, s in ipairs(A.statuses) do
  local r = redis.call('ZRANGEBYSCORE', indexOf(s), from, '+inf', 'WITHSCORES', 'LIMIT', 0, limit + 2)
  local i = 1
  while i < #r and not after(tonumber(r[i + 1]), r[i]) do i = i + 2 end
  if i < #r then runs[#runs + 1] = { r = r, i = i, score = tonumber(r[i + 1]) } end
end

-- the page's ids, and the last one's score as Redis wrote it (the client's next cursor)
local ids, lastScore = {}, nil
while #ids < limit and #runs > 0 do
  local best = 1
  for k = 2, #runs do
    local a, b = runs[k], runs[best]
    if a.score < b.score or (a.score == b.score and a.r[a.i] < b.r[b.i]) then best = k end
  end
  local run = runs[best]
  ids[#ids + 1] = run.r[run.i]
  lastScore = run.r[run.i + 1]
  run.i = run.i + 2
  if run.i < #run.r then run.score = tonumber(run.r[run.i + 1]) else table.remove(runs, best) end
end

local tasks, parents = {}, {}
for _, id in ipairs(ids) do
  local h = redis.call('HGETALL', taskKey(id))
  if #h > 0 then
    tasks[#tasks + 1] = h
    for j = 1, #h, 2 do
      if h[j] == 'hasParents' then
        if h[j + 1] == '1' then parents[id] = redis.call('SMEMBERS', parentsKey(id)) end
        break
      end
    end
  end
end
local out = { tasks = tasks, parents = parents, more = #runs > 0 }
if #ids > 0 then
  out.lastScore = lastScore
  out.lastId = ids[#ids]
end
return reply(out)
