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
import { checkEvictionPolicy } from '../memory.js'
import { openRedis, redactText, redactUrl } from '../connection.js'
import { throttleErrors } from './logThrottle.js'
import type { Metrics } from '../metrics/registry.js'
import type { Durability } from '../durability.js'
import { ValidationError } from '../errors.js'

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

/** KANBAN_ALLOW_EVICTION=1 (or true): start on a Redis that may evict keys. */
export const allowEvictionEnv = (env: NodeJS.ProcessEnv = process.env) => env.KANBAN_ALLOW_EVICTION === '1' || env.KANBAN_ALLOW_EVICTION === 'true'

/**
 * KANBAN_DURABLE_REPLICAS (1-16) and KANBAN_DURABLE_TIMEOUT_MS (1-60000, default 1000):
 * the board's terminal transitions wait for that many replicas (docs/failover.md#durability-wait-for-a-replica).
 * Unset: no waiting. A bad value stops the start, naming the variable.
 */
export function durabilityEnv(env: NodeJS.ProcessEnv = process.env): Durability | undefined {
  const replicas = env.KANBAN_DURABLE_REPLICAS
  if (replicas === undefined || replicas === '') return undefined
  const num = (name: string, v: string, min: number, max: number) => {
    const n = Number(v)
    if (!/^\d+$/.test(v) || n < min || n > max) {
      throw new ValidationError('INVALID_INPUT', `environment variable ${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(v)}`, {
        field: name,
      })
    }
    return n
  }
  return {
    replicas: num('KANBAN_DURABLE_REPLICAS', replicas, 1, 16),
    timeoutMs: num('KANBAN_DURABLE_TIMEOUT_MS', env.KANBAN_DURABLE_TIMEOUT_MS || '1000', 1, 60_000),
  }
}

/**
 * Opens a process's board and refuses a Redis that may evict its keys (memory.ts): the
 * board is closed again and the error stops the start. KANBAN_DURABLE_* make its terminal
 * transitions wait for replicas (durabilityEnv).
 */
export async function openProcessBoard(redisUrl: string, name: string, allowEviction: boolean, log: Log): Promise<Board> {
  const durability = durabilityEnv()
  const board = await Board.open({ redis: redisUrl, board: name, autoEnqueue: true, ...(durability ? { durability } : {}) })
  try {
    const check = await checkEvictionPolicy(board.redis, { allowEviction })
    if (check.warning) log.error(check.warning, { redis: redactUrl(redisUrl) })
  } catch (e) {
    await board.close()
    throw e
  }
  return board
}

/**
 * A process that opens its boards itself (`kanban serve`, the many-boards processes) checks
 * the eviction policy (memory.ts) first, on a connection of its own.
 */
export async function refuseEviction(redisUrl: string, allowEviction: boolean, log: Log): Promise<void> {
  const conn = openRedis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null })
  conn.on('error', () => undefined)
  try {
    await conn.connect()
  } catch (e) {
    conn.disconnect()
    throw new Error(`cannot reach Redis at ${redactUrl(redisUrl)}: ${(e as Error).message}`, { cause: e })
  }
  try {
    const check = await checkEvictionPolicy(conn, { allowEviction })
    if (check.warning) log.error(check.warning, { redis: redactUrl(redisUrl) })
  } finally {
    await conn.quit().catch(() => conn.disconnect())
  }
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
  /** default: KANBAN_ALLOW_EVICTION */
  allowEviction?: boolean
  metricsPort?: number
  log?: Log
}): Promise<{ stop(): Promise<void> }> {
  const log = throttleErrors(cfg.log ?? jsonLog({ component: 'dispatcher', board: cfg.board }))
  const board = await openProcessBoard(cfg.redisUrl, cfg.board, cfg.allowEviction ?? allowEvictionEnv(), log)
  const prom = await processMetrics(cfg.metricsPort, log)
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
  const stop = async () => {
    log.info('dispatcher stopping')
    await dispatcher.close()
    await board.close()
    await prom.close()
  }
  onSignals(stop)
  // after the signal handlers: whoever waits for this line may stop the process at once
  log.info('dispatcher started', { holder: dispatcher.holder, intervalMs: cfg.intervalMs, redis: redactUrl(cfg.redisUrl) })
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
  /** default: KANBAN_ALLOW_EVICTION */
  allowEviction?: boolean
  metricsPort?: number
  log?: Log
}): Promise<{ worker: Worker; stop(): Promise<void> }> {
  const log = throttleErrors(cfg.log ?? jsonLog({ component: 'worker', board: cfg.board }))
  const board = await openProcessBoard(cfg.redisUrl, cfg.board, cfg.allowEviction ?? allowEvictionEnv(), log)
  const prom = await processMetrics(cfg.metricsPort, log)
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
  const stop = async () => {
    log.info('worker stopping', { running: worker.running.length, graceMs: cfg.graceMs })
    await worker.close()
    await handler.close()
    await board.close()
    await prom.close()
  }
  onSignals(stop)
  log.info('worker started', { name: worker.name, lanes: cfg.lanes, concurrency: cfg.concurrency, redis: redactUrl(cfg.redisUrl) })
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
    // a failed start may quote the Redis URL (connection.ts#redactText)
    process.stderr.write(`${name}: ${redactText(e instanceof Error ? e.message : String(e))}\n`)
    process.exit(2)
  }
}
