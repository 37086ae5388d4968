-- Trace contexts of runs (docs/tracing.md#what-is-stored): a run's `tp` / `tst` hold the
-- W3C traceparent / tracestate of the span that processed it.
--   finalRunTraces(pids) -> [ { taskId, runId, tp, tst? } ]: of the given parents, those that
--   are satisfied (done / archived) and whose last run carries a trace context; a child's
--   process span links to them (the caller bounds pids: at most 32)
local function finalRunTraces(pids)
  local out = {}
  for _, pid in ipairs(pids) do
    local h = redis.call('HMGET', taskKey(pid), 'status', 'runIds')
    if isSatisfied(h[1]) and h[2] then
      local last = string.match(h[2], '(%S+)$')
      local c = last and redis.call('HMGET', runKey(last), 'tp', 'tst')
      if c and c[1] then out[#out + 1] = { taskId = pid, runId = last, tp = c[1], tst = c[2] or nil } end
    end
  end
  return out
end
