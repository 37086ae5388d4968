-- effectiveLimit(task) -> limit, source
-- THE failure-limit resolution order, shared by the breaker (recordFailure) and
-- recompute-ready (tryPromote): task maxRetries -> board failureLimit -> 2.
local DEFAULT_FAILURE_LIMIT = 2
local function effectiveLimit(t)
  local own = num(t.maxRetries)
  if own then return own, 'task' end
  local board = setting('failureLimit')
  if board then return board, 'board' end
  return DEFAULT_FAILURE_LIMIT, 'default'
end
