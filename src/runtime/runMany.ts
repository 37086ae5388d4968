/**
 * The dispatcher and worker processes serving many boards (docs/fleet.md#many-boards):
 * `kanban dispatcher --boards …`, `kanban worker --boards …` and the containers with
 * KANBAN_BOARDS. As run.ts for one board: JSON log lines on stderr, SIGTERM/SIGINT stop
 * them cleanly (a worker lets each board's running tasks finish within the grace period).
 */
import { MultiDispatcher } from '../multiDispatcher.js'
import { MultiWorker } from '../multiWorker.js'
import { commandHandler } from '../command.js'
import type { DispatchResult } from '../dispatch.js'
import { jsonLog, onSignals, type Log } from './run.js'

/**
 * Errors as log lines, at most one per `everyMs` with the count since the last: with Redis
 * gone, every board's tick fails each round, and 500 boards would be 500 lines a second.
 */
function errorLog(log: Log, msg: string, everyMs = 1000): (e: unknown, where: Record<string, unknown>) => void {
  let last = 0
  let held = 0
  return (e, where) => {
    const now = Date.now()
    if (now - last < everyMs) {
      held++
      return
    }
    log.error(msg, { error: String(e), ...where, ...(held ? { alsoFailed: held } : {}) })
    last = now
    held = 0
  }
}

const busy = (r: DispatchResult) =>
  r.reclaimed + r.stale + r.timedOut + r.promoted + r.released + r.enqueued + r.autoBlocked + r.requeued + r.archived + r.deleted + r.eventsTrimmed > 0

export async function runMultiDispatcher(cfg: {
  redisUrl: string
  boards: string[]
  intervalMs: number
  leaseTtlMs: number
  discoverEveryMs: number
  log?: Log
}): Promise<{ dispatcher: MultiDispatcher; stop(): Promise<void> }> {
  const log = cfg.log ?? jsonLog({ component: 'dispatcher' })
  const dispatcher = await new MultiDispatcher({
    redis: cfg.redisUrl,
    boards: cfg.boards,
    intervalMs: cfg.intervalMs,
    leaseTtlMs: cfg.leaseTtlMs,
    discoverEveryMs: cfg.discoverEveryMs,
    onTick: (board, r) => busy(r) && log.info('tick', { board, ...r, ids: undefined }),
    onError: errorLog(log, 'tick failed'),
    onBoards: (c) => log.info('boards', c),
  }).start()
  log.info('dispatcher started', { holder: dispatcher.holder, intervalMs: cfg.intervalMs, selector: cfg.boards, boards: dispatcher.boards.length })
  const stop = async () => {
    log.info('dispatcher stopping')
    await dispatcher.close()
  }
  onSignals(stop)
  return { dispatcher, stop }
}

export async function runMultiWorker(cfg: {
  redisUrl: string
  boards: string[]
  lanes: string[]
  command: string
  concurrency: number
  graceMs: number
  discoverEveryMs: number
  name?: string
  log?: Log
}): Promise<{ worker: MultiWorker; stop(): Promise<void> }> {
  const log = cfg.log ?? jsonLog({ component: 'worker' })
  const worker = await new MultiWorker({
    redis: cfg.redisUrl,
    boards: cfg.boards,
    lanes: cfg.lanes,
    concurrency: cfg.concurrency,
    graceMs: cfg.graceMs,
    discoverEveryMs: cfg.discoverEveryMs,
    name: cfg.name,
    // a handler per board: the command's KANBAN_BOARD is its task's board
    handlerFor: (board) => commandHandler(cfg.command, { redisUrl: cfg.redisUrl, board }),
    onError: errorLog(log, 'worker error'),
    onBoards: (c) => log.info('boards', c),
  }).start()
  log.info('worker started', { selector: cfg.boards, boards: worker.boards.length, lanes: cfg.lanes, concurrency: cfg.concurrency })
  const stop = async () => {
    log.info('worker stopping', { graceMs: cfg.graceMs })
    await worker.close()
  }
  onSignals(stop)
  return { worker, stop }
}
