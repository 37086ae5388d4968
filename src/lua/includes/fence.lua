-- fenced() -> nil when the caller may write, else a STALE_LEADER error reply.
-- A dispatcher tick passes the fencing token it got from acquireLeader; every tick step
-- checks it here, so a replica that stalled past its lease cannot write after another
-- replica took over (its token is no longer the current one). Calls without a fence
-- (a library user's dispatchOnce, a worker's immediate enqueue) are not fenced.
-- A tick's first steps travel in one pipeline with its acquireLeader, before the token is
-- known: they pass `fenceHolder` instead and must find the lease live and held by that
-- holder (the acquire just before them in the pipeline); the tick's later calls carry the
-- token.
local function fenced()
  if given(A.fence) then
    local cur = redis.call('HMGET', K.leader, 'token', 'expiresAt')
    if cur[1] ~= tostring(A.fence) or num(cur[2], 0) < NOW then
      return fail('STALE_LEADER', { fence = A.fence, current = cur[1] or NULL })
    end
  elseif given(A.fenceHolder) then
    local cur = redis.call('HMGET', K.leader, 'holder', 'expiresAt')
    if cur[1] ~= A.fenceHolder or num(cur[2], 0) < NOW then
      return fail('STALE_LEADER', { holder = A.fenceHolder, current = cur[1] or NULL })
    end
  end
  return nil
end

-- releaseLease(fence, holder?) -> true when the lease was held with that token (without a
-- token: by that holder) and is now dropped. acquireLeader's release, and a tick's last
-- reservation (reserveDispatch releaseIfDone).
local function releaseLease(fence, holder)
  local cur = redis.call('HMGET', K.leader, 'token', 'holder')
  local mine
  if given(fence) then mine = cur[1] == tostring(fence) else mine = given(holder) and cur[2] == holder end
  if mine then redis.call('DEL', K.leader) end
  return mine
end
