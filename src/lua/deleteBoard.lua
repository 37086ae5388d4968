--[[ deleteBoard: any status -> (gone)   (one bounded part of deleting the whole board)
  deleteBoard (src/boards.ts) calls this until the board is gone, each call bounded; a
  deletion cut short goes on at the next call, in any process: the status indexes are the
  work list. A call
    - refuses (RUNS_OPEN, nothing written) while a task is running, unless `force`;
    - pauses the board's dispatch (`paused` `*`, by deleteBoard), so that none of its tasks
      goes to a worker meanwhile;
    - deletes up to `count` tasks through removeTask (includes/dropBoard.lua): archived and
      done first, running last; each task's lane joins `lanes`; then, with what is left of
      `count`, the live createTasks batch-key records (`batchKeys`).
  With `final`, once no status index holds a task: deletes every board-wide key of keys.ts
  (boardWideKeys) and the lane-capacity windows still alive; per-task keys went with their
  tasks. The caller reads `lanes` before, and removes the BullMQ queues and the registry
  entry itself (other keys: BullMQ's, and the registry's slot).
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { count, force?, final? }
  Returns { deleted, left }   (left: tasks and batch-key records still on the board)
        | final: { done }     (false: tasks are left, delete them first)
        | { err = 'RUNS_OPEN', count, ids = [id] (the first 10) }
  Events:  deleted { id, title, status, by = 'deleteBoard' } per task, promoted per child
           released meanwhile — on the board stream that the final call deletes
]]
--@include batchRecord
--@include dropBoard
--@include pause
--@include lanecap

if A.final == true then
  if tasksLeft() > 0 or redis.call('ZCARD', K.batchKeys) > 0 then return reply({ done = false }) end
  -- UNLINK: a large stream or hash is freed off the main thread
  redis.call('UNLINK', unpack(boardWideKeys()))
  redis.call('UNLINK', laneCapOf(0), laneCapOf(1), laneCapOf(2))
  return reply({ done = true })
end

local open = redis.call('ZCARD', statusKey('running'))
if open > 0 and A.force ~= true then
  local ids = redis.call('ZRANGE', statusKey('running'), '-inf', '+inf', 'BYSCORE', 'LIMIT', 0, 10)
  return fail('RUNS_OPEN', { count = open, ids = ids })
end

if redis.call('HEXISTS', K.paused, PAUSE_BOARD) == 0 then
  redis.call('HSET', K.paused, PAUSE_BOARD, cjson.encode({ by = 'deleteBoard', reason = 'the board is being deleted', since = NOW }))
end
local deleted = dropTasks(A.count)
-- then, with what is left of the count, the live createTasks batch-key records
dropBatchRecords(A.count - deleted)
return reply({ deleted = deleted, left = tasksLeft() + redis.call('ZCARD', K.batchKeys) })
