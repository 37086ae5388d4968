/**
 * Chaos fixture: a worker process (src/worker.ts) whose handler runs `metadata.ms` ms (abort
 * aware), then completes. It reports over IPC what the harness checks afterwards:
 *   start     a run began here
 *   acked     a completion the board acknowledged (complete() returned true): must survive
 *             any fault that `appendfsync always` covers (docs/reliability.md#chaos)
 *   refused   complete() returned false or threw (the run was no longer this worker's; the
 *             error, if any), then whether the handler's signal fired within 10 s (a frozen
 *             worker's late write)
 * Run with `node --import tsx test/chaos/chaos-worker.ts`, forked with an IPC channel.
 * Env: REDIS_URL, KANBAN_BOARD, CHAOS_LANE, CHAOS_CONCURRENCY, CHAOS_NAME.
 */
import { Board, Worker, type HandlerContext, type Task } from '../../src/index.js'

export type ChaosWorkerMessage =
  | { type: 'ready'; pid: number }
  | { type: 'start'; taskId: string; runId: string; at: number }
  | { type: 'acked'; taskId: string; runId: string; at: number }
  | { type: 'refused'; taskId: string; runId: string; aborted: boolean; at: number; error?: string }

const env = process.env
const name = env.CHAOS_NAME ?? `chaos-${process.pid}`
const send = (m: ChaosWorkerMessage) => {
  if (process.connected) process.send!(m, undefined, {}, () => undefined)
}
process.on('disconnect', () => process.exit(1))

/** resolves true when the signal fired before `ms` passed */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(true)
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve(false)
    }, ms)
    const onAbort = () => {
      clearTimeout(t)
      resolve(true)
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

async function handler(task: Task, ctx: HandlerContext): Promise<void> {
  send({ type: 'start', taskId: task.id, runId: ctx.runId, at: Date.now() })
  await sleep(Number(task.metadata.ms ?? 100), ctx.signal)
  // complete even after an abort: a late write, which the board must refuse
  let ok = false
  let error: string | undefined
  try {
    ok = await ctx.complete({ result: `done by ${name}`, summary: 'chaos' })
  } catch (e) {
    // refused by an error (a stale run, an aborted run), or the connection lost mid-call
    error = e instanceof Error ? e.message : String(e)
  }
  if (ok) return send({ type: 'acked', taskId: task.id, runId: ctx.runId, at: Date.now() })
  const aborted = ctx.signal.aborted || (await sleep(10_000, ctx.signal))
  send({ type: 'refused', taskId: task.id, runId: ctx.runId, aborted, at: Date.now(), ...(error ? { error } : {}) })
}

const board = await Board.open({ redis: env.REDIS_URL!, board: env.KANBAN_BOARD!, autoEnqueue: true })
const worker = await new Worker({
  board,
  lanes: [env.CHAOS_LANE ?? 'alpha'],
  concurrency: Number(env.CHAOS_CONCURRENCY ?? 2),
  graceMs: 2000,
  name,
  handler,
  onError: (e, where) => process.stderr.write(`${name}: ${JSON.stringify(where)}: ${e instanceof Error ? e.message : String(e)}\n`),
}).start()

process.on('SIGTERM', () => {
  void worker
    .close()
    .then(() => board.close())
    .then(
      () => process.exit(0),
      () => process.exit(1),
    )
})
send({ type: 'ready', pid: process.pid })
