-- Deleting a whole board (deleteBoard.lua):
--   DROP_ORDER        the statuses in the order their tasks go: satisfied ones first (their
--                     deletion releases no child), running last
--   tasksLeft()       -> tasks in every status index (nine ZCARDs)
--   dropTasks(count)  -> tasks deleted: up to `count`, through removeTask; each one's lane
--                     joins `lanes`, the BullMQ queues deleteBoard removes
--@include remove
local DROP_ORDER = { 'archived', 'done', 'triage', 'todo', 'scheduled', 'blocked', 'ready', 'review', 'running' }

local function tasksLeft()
  local n = 0
  for _, s in ipairs(DROP_ORDER) do n = n + redis.call('ZCARD', statusKey(s)) end
  return n
end

local function dropTasks(count)
  local budget, promoted = count, {}
  for _, s in ipairs(DROP_ORDER) do
    if budget <= 0 then break end
    local ids = redis.call('ZRANGE', statusKey(s), '-inf', '+inf', 'BYSCORE', 'LIMIT', 0, budget)
    budget = budget - #ids
    for _, id in ipairs(ids) do
      local t = loadTask(id)
      if t then
        if t.assignee and t.assignee ~= '' then redis.call('SADD', K.lanes, t.assignee) end
        removeTask(id, t, promoted, { by = 'deleteBoard' })
      end
      -- (a stale entry, or a task whose hash says another status)
      redis.call('ZREM', statusKey(s), id)
    end
  end
  return count - budget
end
