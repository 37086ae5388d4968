-- completeOne(id, a) -> reply table. a: { runId?, result?, summary?, metadata? (JSON text) }
--   running | ready | blocked -> done: closes the run `completed` (a zero-length run when
--   none was open and a result is given), resets the failure counter and block
--   kind/recurrences, and promotes the children whose parents are now all satisfied.
--   { ok = true, promoted = [id] } | { ok = false, status, id } | { err = 'TASK_NOT_FOUND', id }
--@include events
--@include promote
--@include runs
--@include status
local COMPLETE_RESETS = { 'blockKind', 'blockReason', 'lastFailureError', 'cooldownUntil', 'cooldownReason', 'runFromReview', 'forced',
  'consecutiveFailures', 'blockRecurrences', 'sticky' }
local function completeOne(id, a)
  local t = loadTask(id)
  if not t then return { err = 'TASK_NOT_FOUND', id = id } end
  local s = t.status
  if s ~= 'running' and s ~= 'ready' and s ~= 'blocked' then return { ok = false, status = t.status, id = id } end
  if given(a.runId) and t.currentRunId ~= a.runId then return { ok = false, status = t.status, id = id } end

  -- the task hash is written once (HSET) and trimmed once (HDEL)
  local f = {}
  -- counters and flags are reset by removing them (absent = 0); only fields present are named
  local hdel = {}
  for _, k in ipairs(COMPLETE_RESETS) do
    if t[k] then hdel[#hdel + 1] = k end
  end
  local extra = { summary = a.summary, metadata = a.metadata }
  local rid = t.currentRunId
  if rid then
    closeRun(id, t, 'completed', extra, hdel)
  elseif given(a.result) then
    -- a zero-length run, opened and closed at once: of its task fields only runIds stays
    rid = openRun(id, t, 'direct', 0, {})
    closeRun(id, t, 'completed', extra, hdel)
    table.insert(f, 'runIds')
    table.insert(f, t.runIds)
  end

  f[#f + 1] = 'completedAt'
  f[#f + 1] = NOWS
  if given(a.result) then
    f[#f + 1] = 'result'
    f[#f + 1] = a.result
  end
  if t.cooldownUntil then redis.call('ZREM', K.cooldowns, id) end
  t.sticky = '0'
  setStatus(id, t, 'done', f, hdel)
  if #hdel > 0 then redis.call('HDEL', taskKey(id), unpack(hdel)) end
  local firstLine = given(a.summary) and string.match(a.summary, '^[^\n]*') or NULL
  appendEvent(id, 'completed', '{"summary":' .. (firstLine == NULL and 'null' or cjson.encode(firstLine)) .. '}', rid or NULL)
  local promoted = {}
  releaseChildren(id, promoted, t)
  return { ok = true, promoted = promoted }
end
