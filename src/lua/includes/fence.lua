-- fenced() -> nil when the caller may write, else a STALE_LEADER error reply.
-- A dispatcher tick passes the fencing token it got from acquireLeader; every tick step
-- checks it here, so a replica that stalled past its lease cannot write after another
-- replica took over (its token is no longer the current one). Calls without a fence
-- (a library user's dispatchOnce, a worker's immediate enqueue) are not fenced.
local function fenced()
  if not given(A.fence) then return nil end
  local cur = redis.call('HMGET', P .. 'leader', 'token', 'expiresAt')
  if cur[1] ~= tostring(A.fence) or num(cur[2], 0) < NOW then
    return fail('STALE_LEADER', { fence = A.fence, current = cur[1] or NULL })
  end
  return nil
end
