--[[ specifyTask: triage -> todo | ready
  The way out of triage: updates the given fields, then todo when a parent is
  unsatisfied, else ready. A block loop that sent it here keeps its count (only completion
  resets it, docs/blocks-and-breaker.md#block-loops-go-to-triage): the same kind blocked
  again goes straight back to triage.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id, title?, body?, assignee?, author? }
  Returns { ok = true, status } | { ok = false, status } | { err }
  Events:  specified { fields, author }
]]
--@include events
--@include listing
--@include status

local id = A.id
local t = loadTask(id)
if not t then return fail('TASK_NOT_FOUND', { id = id }) end
if t.status ~= 'triage' then return refused(t, id) end
local changed = {}
for _, k in ipairs({ 'title', 'body' }) do
  if given(A[k]) then
    redis.call('HSET', taskKey(id), k, A[k])
    table.insert(changed, k)
  end
end
if given(A.assignee) then
  setAssignee(id, t, A.assignee)
  table.insert(changed, 'assignee')
end
redis.call('HDEL', taskKey(id), 'blockReason')
setSticky(id, t, false)
local to = readyOrTodo(t)
setStatus(id, t, to)
-- an empty Lua table would be encoded as {} (cjson cannot tell a list), so leave it out
appendEvent(id, 'specified', { fields = #changed > 0 and changed or nil, author = A.author or NULL, to = to })
return reply({ ok = true, status = to })
