--[[ linkTasks: ready -> todo   (adds a parent-child edge; the child, when the parent is unsatisfied)
  Refuses a self link and any edge that closes a cycle (the reply names the path). The
  cycle check walks the child's descendants, at most `maxVisit` of them, so the call stays
  bounded on any board; past that the link is refused with GRAPH_TOO_LARGE.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { parent, child, maxVisit }
  Returns { ok = true, linked, demoted } | { err = TASK_NOT_FOUND | SELF_LINK | CYCLE | GRAPH_TOO_LARGE }
  Events:  linked { parent } on the child; demoted { reason = 'linked' } when it was ready
]]
--@include events
--@include status

local parent, child = A.parent, A.child
if parent == child then return fail('SELF_LINK', { id = parent }) end
local p = loadTask(parent)
if not p then return fail('TASK_NOT_FOUND', { id = parent }) end
local c = loadTask(child)
if not c then return fail('TASK_NOT_FOUND', { id = child }) end
if redis.call('SISMEMBER', childrenKey(parent), child) == 1 then
  return reply({ ok = true, linked = false, demoted = false })
end

-- Is parent reachable from child? Then parent -> child closes a cycle.
local prev, queue, head, visited = { [child] = false }, { child }, 1, 0
while head <= #queue do
  local cur = queue[head]
  head = head + 1
  for _, nxt in ipairs(redis.call('SMEMBERS', childrenKey(cur))) do
    if prev[nxt] == nil then
      prev[nxt] = cur
      if nxt == parent then
        local path, node = {}, parent
        while node do table.insert(path, 1, node); node = prev[node] end
        table.insert(path, 1, parent) -- parent -> child -> ... -> parent
        return fail('CYCLE', { path = path })
      end
      visited = visited + 1
      if visited > A.maxVisit then return fail('GRAPH_TOO_LARGE', { id = child, limit = A.maxVisit }) end
      table.insert(queue, nxt)
    end
  end
end

redis.call('SADD', childrenKey(parent), child)
redis.call('SADD', parentsKey(child), parent)
redis.call('HSET', taskKey(parent), 'hasChildren', '1') -- see includes/createNodes.lua
redis.call('HSET', taskKey(child), 'hasParents', '1')
local demoted = false
if not isSatisfied(p.status) then
  redis.call('HINCRBY', taskKey(child), 'pending', 1)
  if c.status == 'ready' then
    setStatus(child, c, 'todo')
    demoted = true
  end
end
appendEvent(child, 'linked', { parent = parent, demoted = demoted })
return reply({ ok = true, linked = true, demoted = demoted })
