/**
 * The long-running dispatcher (docs/fleet.md#the-dispatcher). Ticks are driven by a BullMQ job scheduler on the
 * board's `dispatch` queue — one scheduled job per interval for the board, however many
 * replicas run, each replica consuming that queue with concurrency 1 — and every tick
 * also takes the board's leader lease with a fencing token (src/dispatch.ts), so two
 * ticks of one board never overlap even when a replica stalls past its lease.
 */
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { Queue, Worker as BullWorker } from 'bullmq'
import type { Board } from './board.js'
import { DISPATCH_QUEUE } from './lanes.js'
import type { DispatchOptions, DispatchResult } from './dispatch.js'
import { traceTick } from './tracing.js'

export interface DispatcherOptions extends DispatchOptions {
  board: Board
  /** one tick per this many ms across all replicas */
  intervalMs?: number
  onTick?: (r: DispatchResult) => void
  onError?: (e: unknown) => void
}

export class Dispatcher {
  readonly holder: string
  private queue: Queue | null = null
  private worker: BullWorker | null = null
  private ticks = 0

  constructor(private readonly opts: DispatcherOptions) {
    this.holder = opts.holder ?? `dispatcher-${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`
  }

  get tickCount(): number {
    return this.ticks
  }

  async start(): Promise<this> {
    const { board } = this.opts
    const intervalMs = this.opts.intervalMs ?? 1000
    this.queue = new Queue(DISPATCH_QUEUE, { connection: board.redis, prefix: board.keys.bullPrefix })
    await this.queue.upsertJobScheduler('tick', { every: intervalMs }, { name: 'tick', opts: { removeOnComplete: true, removeOnFail: true } })
    this.worker = new BullWorker(
      DISPATCH_QUEUE,
      async () => {
        const r = await traceTick(board.name, () => board.dispatchOnce({ ...this.opts, holder: this.holder }))
        this.ticks++
        this.opts.onTick?.(r)
        return { enqueued: r.enqueued, skippedLocked: r.skippedLocked }
      },
      {
        connection: board.duplicateConnection(),
        prefix: board.keys.bullPrefix,
        concurrency: 1,
        // a tick is short; a stalled one is covered by the leader lease, not by BullMQ
        lockDuration: Math.max(30_000, (this.opts.leaseTtlMs ?? 30_000) * 2),
      },
    )
    this.worker.on('error', (e) => this.opts.onError?.(e))
    this.worker.on('failed', (_job, e) => this.opts.onError?.(e))
    await this.worker.waitUntilReady()
    return this
  }

  async close(): Promise<void> {
    await this.worker?.close()
    await this.worker?.disconnect().catch(() => undefined)
    await this.queue?.close()
    this.worker = null
    this.queue = null
  }
}
