/**
 * Long-running processes: `kanban dispatcher` and `kanban worker`, through the same
 * runDispatcher / runWorker as the container entrypoints (signal handling included:
 * SIGTERM/SIGINT stop them cleanly), loaded only when one of them starts.
 */
import { UsageError, type Flags } from '../args.js'
import type { Command } from '../context.js'

const LANE = /^[a-z0-9][a-z0-9_.-]{0,63}$/
/** a board name, or a pattern of its characters and `*` (boardSelector.ts) */
const BOARD_OR_PATTERN = /^(?:[a-z0-9][a-z0-9_-]{0,63}|(?=[a-z0-9_-]*\*)[a-z0-9_*-]{1,64})$/

/** many boards in one process (docs/fleet.md#many-boards) */
const MANY = { boards: { type: 'string', multiple: true }, 'discover-every-ms': { type: 'string' } } as const

function manyBoards(f: Flags): { boards: string[]; discoverEveryMs: number } | undefined {
  const boards = f.list('boards')
  const discover = f.int('discover-every-ms')
  if (!boards) {
    if (discover !== undefined) throw new UsageError('--discover-every-ms: only with --boards')
    return undefined
  }
  for (const b of boards)
    if (!BOARD_OR_PATTERN.test(b)) throw new UsageError(`--boards: expected board names or patterns like "team-*" ([a-z0-9_-] and *), got ${JSON.stringify(b)}`)
  const discoverEveryMs = discover ?? 5000
  if (discoverEveryMs < 100) throw new UsageError(`--discover-every-ms: expected at least 100, got ${discoverEveryMs}`)
  return { boards, discoverEveryMs }
}

const dispatcher: Command = {
  name: 'dispatcher',
  summary: 'run a dispatcher replica (one tick per interval per board across replicas)',
  usage: "dispatcher [--interval-ms <ms>] [--lease-ttl-ms <ms>] [--boards '<board|pattern>,...' [--discover-every-ms <ms>]]",
  options: { 'interval-ms': { type: 'string' }, 'lease-ttl-ms': { type: 'string' }, ...MANY },
  board: false,
  async run(ctx) {
    const f = ctx.flags
    f.args(0, '')
    const intervalMs = f.int('interval-ms') ?? 1000
    const leaseTtlMs = f.int('lease-ttl-ms') ?? 30_000
    if (intervalMs < 50) throw new UsageError(`--interval-ms: expected at least 50, got ${intervalMs}`)
    if (leaseTtlMs < 1000) throw new UsageError(`--lease-ttl-ms: expected at least 1000, got ${leaseTtlMs}`)
    const many = manyBoards(ctx.flags)
    if (many) {
      const { runMultiDispatcher } = await import('../../runtime/runMany.js')
      await runMultiDispatcher({ redisUrl: ctx.redisUrl, intervalMs, leaseTtlMs, ...many })
      return 'running'
    }
    const { runDispatcher } = await import('../../runtime/run.js')
    await runDispatcher({ redisUrl: ctx.redisUrl, board: ctx.boardName, intervalMs, leaseTtlMs })
    return 'running'
  },
}

const worker: Command = {
  name: 'worker',
  summary: 'run a worker: one subprocess per task of the given lanes',
  usage:
    'worker --lane <lane>[,<lane>]... --command "<shell command>" [--concurrency <n>] [--grace-ms <ms>] [--name <name>] [--boards \'<board|pattern>,...\' [--discover-every-ms <ms>]]',
  options: {
    ...MANY,
    lane: { type: 'string', multiple: true },
    command: { type: 'string' },
    concurrency: { type: 'string' },
    'grace-ms': { type: 'string' },
    name: { type: 'string' },
  },
  board: false,
  async run(ctx) {
    const f = ctx.flags
    f.args(0, '')
    const lanes = f.list('lane')?.map((l) => l.toLowerCase())
    if (!lanes) throw new UsageError('missing required flag --lane')
    for (const l of lanes)
      if (!LANE.test(l)) throw new UsageError(`--lane: expected lane names like "coder" ([a-z0-9][a-z0-9_.-]{0,63}), got ${JSON.stringify(l)}`)
    const command = f.need('command')
    if (!command.trim()) throw new UsageError('--command: expected a shell command, got ""')
    const concurrency = f.int('concurrency') ?? 1
    const graceMs = f.int('grace-ms') ?? 10_000
    if (concurrency < 1) throw new UsageError(`--concurrency: expected at least 1, got ${concurrency}`)
    if (graceMs < 0) throw new UsageError(`--grace-ms: expected at least 0, got ${graceMs}`)
    const many = manyBoards(f)
    if (many) {
      const { runMultiWorker } = await import('../../runtime/runMany.js')
      await runMultiWorker({ redisUrl: ctx.redisUrl, lanes, command, concurrency, graceMs, name: f.str('name'), ...many })
      return 'running'
    }
    const { runWorker } = await import('../../runtime/run.js')
    await runWorker({ redisUrl: ctx.redisUrl, board: ctx.boardName, lanes, command, concurrency, graceMs, name: f.str('name') })
    return 'running'
  },
}

export const processCommands: Command[] = [dispatcher, worker]
