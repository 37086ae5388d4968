/**
 * Long-running processes: a dispatcher replica and a worker that runs a command per task.
 * Shared by the `kanban dispatcher|worker` CLI commands and the container entrypoints
 * (dispatcherMain.ts, workerMain.ts). SIGTERM/SIGINT stop them cleanly: a worker stops taking work, lets running
 * tasks finish within the grace period, then gives the rest back (neutral).
 */
import { Board } from '../board.js'
import { Dispatcher } from '../dispatcher.js'
import { Worker } from '../worker.js'
import { commandHandler } from '../command.js'
import type { DispatchResult } from '../dispatch.js'
import type { Metrics } from '../metrics/registry.js'

export interface Log {
  info(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
}

/** One JSON line per message on stderr: readable by people and by log shippers. */
export const jsonLog = (scope: Record<string, unknown>): Log => {
  const quiet = process.env.KANBAN_LOG_LEVEL === 'error'
  const write = (level: string, msg: string, fields?: Record<string, unknown>) => {
    if (quiet && level !== 'error') return
    process.stderr.write(`${JSON.stringify({ t: new Date().toISOString(), level, msg, ...scope, ...fields })}\n`)
  }
  return { info: (m, f) => write('info', m, f), error: (m, f) => write('error', m, f) }
}

export function onSignals(stop: () => Promise<void>): void {
  let stopping = false
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      if (stopping) return
      stopping = true
      void stop().then(
        () => process.exit(0),
        () => process.exit(1),
      )
    })
  }
}

/**
 * A worker's or a dispatcher's own GET /metrics (`--metrics-port`, KANBAN_METRICS_PORT;
 * docs/operations.md#metrics): prom-client is loaded only when a port is given.
 */
async function processMetrics(port: number | undefined, log: Log): Promise<{ metrics?: Metrics; close(): Promise<void> }> {
  if (port === undefined) return { close: async () => undefined }
  const { createMetrics } = await import('../metrics/registry.js')
  const metrics = await createMetrics()
  const server = await metrics.serve({ port })
  log.info('metrics', { url: server.url })
  return { metrics, close: () => server.close() }
}

export async function runDispatcher(cfg: {
  redisUrl: string
  board: string
  intervalMs: number
  leaseTtlMs: number
  metricsPort?: number
  log?: Log
}): Promise<{ stop(): Promise<void> }> {
  const log = cfg.log ?? jsonLog({ component: 'dispatcher', board: cfg.board })
  const prom = await processMetrics(cfg.metricsPort, log)
  const board = await Board.open({ redis: cfg.redisUrl, board: cfg.board, autoEnqueue: true })
  const busy = (r: DispatchResult) =>
    r.reclaimed + r.stale + r.timedOut + r.promoted + r.released + r.enqueued + r.autoBlocked + r.requeued + r.archived + r.deleted + r.eventsTrimmed > 0
  const dispatcher = await new Dispatcher({
    board,
    intervalMs: cfg.intervalMs,
    leaseTtlMs: cfg.leaseTtlMs,
    // the counts only: the ids (up to 1,000 per category) would make a tick's log line long
    onTick: (r) => busy(r) && log.info('tick', { ...r, ids: undefined }),
    onError: (e) => log.error('tick failed', { error: String(e) }),
    ...(prom.metrics ? { metrics: prom.metrics } : {}),
  }).start()
  log.info('dispatcher started', { holder: dispatcher.holder, intervalMs: cfg.intervalMs })
  const stop = async () => {
    log.info('dispatcher stopping')
    await dispatcher.close()
    await board.close()
    await prom.close()
  }
  onSignals(stop)
  return { stop }
}

export async function runWorker(cfg: {
  redisUrl: string
  board: string
  lanes: string[]
  command: string
  concurrency: number
  graceMs: number
  name?: string
  metricsPort?: number
  log?: Log
}): Promise<{ worker: Worker; stop(): Promise<void> }> {
  const log = cfg.log ?? jsonLog({ component: 'worker', board: cfg.board })
  const prom = await processMetrics(cfg.metricsPort, log)
  const board = await Board.open({ redis: cfg.redisUrl, board: cfg.board, autoEnqueue: true })
  const handler = commandHandler(cfg.command, { redisUrl: cfg.redisUrl, board: cfg.board })
  const worker = await new Worker({
    board,
    lanes: cfg.lanes,
    concurrency: cfg.concurrency,
    graceMs: cfg.graceMs,
    name: cfg.name,
    handler,
    onError: (e, where) => log.error('worker error', { error: String(e), ...where }),
    ...(prom.metrics ? { metrics: prom.metrics } : {}),
  }).start()
  log.info('worker started', { name: worker.name, lanes: cfg.lanes, concurrency: cfg.concurrency })
  const stop = async () => {
    log.info('worker stopping', { running: worker.running.length, graceMs: cfg.graceMs })
    await worker.close()
    await handler.close()
    await board.close()
    await prom.close()
  }
  onSignals(stop)
  return { worker, stop }
}

/**
 * A container entrypoint: bad configuration (config.ts) or a failed start is one line on
 * stderr and exit 2, never a stack trace.
 */
export async function entrypoint(name: string, start: () => Promise<unknown>): Promise<void> {
  try {
    await start()
  } catch (e) {
    process.stderr.write(`${name}: ${e instanceof Error ? e.message : String(e)}\n`)
    process.exit(2)
  }
}
