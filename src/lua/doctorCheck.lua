--[[ doctorCheck: any status -> same status   (one bounded pass of the board's invariants; reads only)
  `kanban doctor` (docs/reliability.md#kanban-doctor) walks the board by id, not by key scan:
  task ids are t<n> and run ids r<n>, n from the board's counters, so the walk is the
  numbers 1..seq in pages, with the cursor held by the caller. Each task is checked against
  every index that should or should not hold it (includes/doctor.lua); a number whose task
  is gone is checked for the keys and entries a deletion leaves behind. Once the tasks are
  done the run numbers are walked the same way. Writes nothing.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { tasksAfter, runsAfter, count, lostBefore }
          count: task (or run) numbers this call looks at; lostBefore (ms): a queued task
          whose entry is older than this is listed in `queued`, for the caller to ask BullMQ
          about its job
  Returns { findings = [ { id, check, detail } ], queued = [ { id, lane, token } ],
            inflight = { lane = tasks of the page in flight for it }, tasksAfter, runsAfter, done }
  Events:  none
]]
--@include doctor

local seq = redis.call('HMGET', K.seq, 'task', 'run')
local lastTask, lastRun = tonumber(seq[1]) or 0, tonumber(seq[2]) or 0
local tasksAfter, runsAfter, budget = A.tasksAfter, A.runsAfter, A.count
local findings, queued, inflight = {}, {}, {}

while budget > 0 and tasksAfter < lastTask do
  tasksAfter = tasksAfter + 1
  budget = budget - 1
  inspectTask(tasksAfter, findings)
  local id = 't' .. int(tasksAfter)
  local h = redis.call('HMGET', taskKey(id), 'inflightLane', 'assignee', 'queueToken')
  if h[1] then inflight[h[1]] = (inflight[h[1]] or 0) + 1 end
  local since = redis.call('ZSCORE', K.queued, id)
  if since and tonumber(since) <= A.lostBefore then
    queued[#queued + 1] = { id = id, lane = h[1] or h[2] or '', token = h[3] or '' }
  end
end
while budget > 0 and tasksAfter >= lastTask and runsAfter < lastRun do
  runsAfter = runsAfter + 1
  budget = budget - 1
  inspectRun(runsAfter, findings)
end

local out = { tasksAfter = tasksAfter, runsAfter = runsAfter, done = tasksAfter >= lastTask and runsAfter >= lastRun }
out.findings = doctorList(findings)
out.queued = doctorList(queued)
if next(inflight) then out.inflight = inflight end
return reply(out)
