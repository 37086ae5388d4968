--[[ requeueLost: `queued` entries whose BullMQ job is gone -> back to `dq`
  The tick finds queued entries older than a threshold and asks BullMQ about their jobs;
  `lost` ones (no job, or a finished one) are filed for dispatch again with a new token
  on the next reserve, `alive` ones get a fresh timestamp. Ids that left `queued` in the
  meantime are ignored.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { lost = [id], alive = [id], fence?, token? (only tasks still holding this queue
            token: a worker giving back the unclaimed tasks of its job at shutdown) }
  Returns { requeued = [id] } | { err = 'STALE_LEADER' }
  Events:  none
]]
--@include status
--@include fence

local stop = fenced()
if stop then return stop end
local requeued = {}
for _, id in ipairs(A.alive) do redis.call('ZADD', K.queued, 'XX', NOW, id) end
for _, id in ipairs(A.lost) do
  if redis.call('ZSCORE', K.queued, id) then
    local t = loadTask(id)
    if not t then
      redis.call('ZREM', K.queued, id)
    elseif not given(A.token) or t.queueToken == tostring(A.token) then
      -- with a token: only while the task is still held by that job, not by a newer one
      redis.call('ZREM', K.queued, id)
      leaveInflight(id, t)
      dispatchIndex(id, t)
      table.insert(requeued, id)
    end
  end
end
return reply({ requeued = requeued })
