/**
 * Retention and boards as a whole: purge (docs/lifecycle.md#retention), boards, board delete
 * (docs/api.md#boards). `boards` and `board delete` act on the connection, not on the
 * --board board; the library's boards module is loaded when they run (it brings ioredis,
 * and BullMQ for a deletion), so help and usage errors stay in the entry chunk.
 */
import type { BoardInfo, PurgeResult } from '../../types.js'
import { STATUSES } from '../../status.js'
import { UsageError } from '../args.js'
import { print, type Command } from '../context.js'
import { table, time } from '../format.js'

const purge: Command = {
  name: 'purge',
  summary: 'run retention now: archive done tasks and delete archived ones past the board settings; --dry-run: the counts, writing nothing',
  usage: 'purge [--dry-run]',
  options: { 'dry-run': { type: 'boolean' } },
  async run(ctx) {
    ctx.flags.args(0, '')
    const dryRun = ctx.flags.bool('dry-run')
    const r = await ctx.board.purge({ dryRun })
    const s = await ctx.board.settings()
    const off = s.archiveDoneAfterMs === null && s.deleteArchivedAfterMs === null && s.eventStreamRetentionMs === null
    print(ctx, r, () => purgeText(r, off))
    return 0
  },
}

function purgeText(r: PurgeResult, off: boolean): string {
  const line = r.dryRun
    ? `would archive ${r.archived}, delete ${r.deleted}, trim ${r.eventsTrimmed} events (dry run: nothing written)`
    : `archived ${r.archived}, deleted ${r.deleted}, trimmed ${r.eventsTrimmed} events`
  return off ? `${line}\nretention is off: kanban config set archiveDoneAfterMs=<ms> deleteArchivedAfterMs=<ms> eventStreamRetentionMs=<ms>` : line
}

const boards: Command = {
  name: 'boards',
  summary: 'the boards on this Redis: tasks per status and last activity',
  usage: 'boards',
  async run(ctx) {
    ctx.flags.args(0, '')
    const { listBoards } = await import('../../boards.js')
    const list = await listBoards({ redis: ctx.board.redis })
    print(ctx, list, () => boardTable(list))
    return 0
  },
}

function boardTable(list: BoardInfo[]): string {
  if (list.length === 0) return '(no boards)'
  return table(
    ['BOARD', 'TOTAL', ...STATUSES.map((s) => s.toUpperCase()), 'LAST ACTIVITY'],
    list.map((b) => [b.name, String(b.total), ...STATUSES.map((s) => String(b.byStatus[s])), time(b.lastActivityAt)]),
  )
}

const board: Command = {
  name: 'board',
  summary: 'board delete <name>: delete a board with its tasks, events and BullMQ queues (refused while runs are open unless --force)',
  usage: 'board delete <name> [--force]',
  options: { force: { type: 'boolean' } },
  async run(ctx) {
    const [verb, name] = ctx.flags.args(2, 'delete <name>')
    if (verb !== 'delete') throw new UsageError(`board: expected "delete", got ${verb === undefined ? 'nothing' : JSON.stringify(verb)}`)
    if (name === undefined) throw new UsageError('board delete: missing the board name')
    const { deleteBoard } = await import('../../boards.js')
    const r = await deleteBoard({ redis: ctx.board.redis, board: name, ...(ctx.flags.bool('force') ? { force: true } : {}) })
    print(ctx, r, () => `deleted board ${name}: ${r.deletedTasks} tasks, ${r.queuesRemoved} BullMQ queues`)
    return 0
  },
}

export const retentionCommands: Command[] = [purge, boards, board]
