--[[ sweepRetention: done -> archived   (and archived tasks deleted: retention)
  One bounded batch of retention (docs/lifecycle.md#retention), a step of the dispatcher
  tick and of `purge`. The board's settings say how long a task stays, each off while unset:
    deleteArchivedAfterMs   archived tasks that entered `archived` that long ago are deleted
                            with their runs, events, comments and links (includes/remove.lua)
    archiveDoneAfterMs      done tasks that entered `done` that long ago are archived, as
                            archiveTask does (includes/archive.lua)
    eventStreamRetentionMs  entries of the board's event stream older than that are trimmed
  "Entered" is the time in `doneSince` / `archivedSince` (setStatus writes it, Redis clock):
  those sorted sets are the sweep's work list, so a call reads only what is due, never the
  board, and a sweep cut short goes on at the next call. Deletions come first, then
  archives, at most `count` tasks in all; a task archived here is due for deletion only
  deleteArchivedAfterMs later. Both statuses satisfy children: the sweep releases no child.
  A board from before those sets gets its old done / archived tasks filed first, `count`
  per status per call (includes/retention.lua, backfillSince); `more` stays true until then.
  The stream is trimmed by the marks of includes/retention.lua (Redis >= 6.2: XTRIM MINID).
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { count, fence?, fenceHolder?, dryRun? }
  Returns { archived = [id], deleted = [id], trimmed, more }   (more: the batch was full, or
          the one-time filing of old tasks is not through)
        | dryRun: { due = { archive, delete, events } }: what a sweep would do now, writing
          nothing — tasks due (ZCOUNT), stream entries up to the trim point (the trim takes
          whole nodes, so it may leave up to a node of them)
        | { err = 'STALE_LEADER' }
  Events:  archived { from = 'done', by = 'retention' } per task archived,
           deleted { id, title, status, by = 'retention' } per task deleted (board event)
]]
--@include fence
--@include archive
--@include remove
--@include retention

local archiveBefore, deleteBefore, eventsBefore = retentionCutoff('archive'), retentionCutoff('delete'), retentionCutoff('events')

if A.dryRun == true then
  local due = { archive = 0, delete = 0, events = 0 }
  if archiveBefore then due.archive = redis.call('ZCOUNT', K.doneSince, '-inf', int(archiveBefore)) end
  if deleteBefore then due.delete = redis.call('ZCOUNT', K.archivedSince, '-inf', int(deleteBefore)) end
  local mark = eventsBefore and eventMarkBefore(eventsBefore)
  local first = mark and redis.call('XRANGE', K.events, '-', '+', 'COUNT', 1)[1]
  if first then due.events = math.max(0, mark + 1 - tonumber(string.match(first[1], '^%d+'))) end
  return reply({ due = due })
end

local stop = fenced()
if stop then return stop end

-- a board from before the since-indexes: file its old tasks first (a bounded part per call)
local filling = false
if deleteBefore and backfillSince('archived', K.archivedSince, A.count) >= A.count then filling = true end
if archiveBefore and backfillSince('done', K.doneSince, A.count) >= A.count then filling = true end

local archived, deleted = {}, {}
local taken = sweepDue(K.archivedSince, deleteBefore, 'archived', removeTask, deleted, A.count)
taken = taken + sweepDue(K.doneSince, archiveBefore, 'done', archiveOne, archived, A.count - taken)
local trimmed = 0
if eventsBefore then
  markEvents()
  trimmed = trimEvents(eventsBefore)
end
return reply({ archived = archived, deleted = deleted, trimmed = trimmed, more = taken >= A.count or filling })
