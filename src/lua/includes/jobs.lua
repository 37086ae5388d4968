-- groupJobs(reserved, laneCount): the BullMQ lane jobs of a reservation. `reserved` lists
-- { id, lane } in dispatch order, `laneCount` how many each lane has. Each lane's tasks go
-- in jobs of max(1, min(tasksPerJob, floor(n / 4), floor(c / 2))), c the smallest
-- concurrency a worker of the lane announced lately (includes/lanecap.lua): one-task jobs
-- when a lane has little work or is served by workers of concurrency 1, so work spreads
-- over the fleet and no worker holds more than it can soon start. Each job takes a new
-- board-wide token `n` (job id `j<n>`) and every task in it records that token as its
-- queueToken. Sets entry.jobId; with `noWrite` the caller writes queueToken (entry.token)
-- itself, with the task's other fields.
--@include lanecap
local function groupJobs(reserved, laneCount, noWrite)
  local perJob = setting('tasksPerJob', 50)
  local open = {}
  for _, j in ipairs(reserved) do
    local g = open[j.lane]
    if not g or g.n >= g.size then
      local size = math.min(perJob, math.floor(laneCount[j.lane] / 4), math.floor(laneConcurrency(j.lane) / 2))
      -- the token as a string once per job (a number would be formatted again for every task)
      local token = int(redis.call('HINCRBY', K.seq, 'job', '1'))
      g = { token = token, jobId = 'j' .. token, n = 0, size = math.max(1, size) }
      open[j.lane] = g
      -- the lanes whose BullMQ queues deleteBoard removes
      redis.call('SADD', K.lanes, j.lane)
    end
    g.n = g.n + 1
    j.jobId = g.jobId
    if noWrite then j.token = g.token else redis.call('HSET', taskKey(j.id), 'queueToken', g.token) end
  end
  return reserved
end
