-- Promotion, event-driven: O(children) per satisfied parent, never a board scan.
--@include effectiveLimit
--@include events
--@include status

-- tryPromote(id, t, reason) -> true when the task moved to ready (event `promoted`).
-- The recovery rule (docs/blocks-and-breaker.md#recovery): todo, or blocked and not sticky with failures below the effective
-- limit; and no unsatisfied parent. The failure counter is left as it is.
local function tryPromote(id, t, reason)
  if num(t.pending, 0) > 0 then return false end
  local from = t.status
  if from == 'blocked' then
    if t.sticky == '1' then return false end
    local limit = effectiveLimit(t)
    if num(t.consecutiveFailures, 0) >= limit then return false end
  elseif from ~= 'todo' then
    return false
  end
  setStatus(id, t, 'ready')
  appendEvent(id, 'promoted', { from = from, reason = reason })
  return true
end

-- releaseChildren(parentId, promoted, parent?): the parent just became satisfied (or was
-- removed while unsatisfied): each child has one unsatisfied parent fewer. Appends promoted
-- ids. Given the parent's loaded hash, a parent that never had a child costs no read.
local function releaseChildren(parentId, promoted, parent)
  if parent and parent.hasChildren ~= '1' then return end
  local kids = redis.call('SMEMBERS', childrenKey(parentId))
  for _, cid in ipairs(kids) do
    local left = redis.call('HINCRBY', taskKey(cid), 'pending', '-1')
    if left < 0 then redis.call('HSET', taskKey(cid), 'pending', 0); left = 0 end
    if left == 0 then
      local c = loadTask(cid)
      if c and tryPromote(cid, c, 'parents_satisfied') then table.insert(promoted, cid) end
    end
  end
end
