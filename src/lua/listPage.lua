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

-- scores as Redis wrote them (strings) go back to the client; numbers are for ordering
local entries = {}
local from = A.afterScore or '-inf'
for _, s in ipairs(A.statuses) do
  local r = redis.call('ZRANGEBYSCORE', indexOf(s), from, '+inf', 'WITHSCORES', 'LIMIT', 0, limit + 2)
  for i = 1, #r, 2 do
    local score = tonumber(r[i + 1])
    if after(score, r[i]) then entries[#entries + 1] = { score, r[i], r[i + 1] } end
  end
end
table.sort(entries, function(a, b) return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2]) end)

local tasks, parents = {}, {}
local n = math.min(limit, #entries)
for i = 1, n do
  local id = entries[i][2]
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
local out = { tasks = tasks, parents = parents, more = #entries > limit }
if n > 0 then
  out.lastScore = entries[n][3]
  out.lastId = entries[n][2]
end
return reply(out)
