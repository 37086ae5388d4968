/**
 * Claims for HTTP workers (docs/http-api.md#worker-endpoints). The server consumes a lane's
 * BullMQ queue on behalf of the HTTP workers long-polling for it, exactly as a `Worker`
 * does for its handlers: a `LaneBroker` per (board, lane) takes a lane job only while a
 * poll is waiting, claims its tasks one per waiting poll (claimBatch with the job's queue
 * token: run id = fencing token), and gives back (requeueLost, neutral) the tasks no poll
 * took within `holdMs`, so a job is never held while nobody asks. BullMQ is used in its
 * manual mode (getNextJob / moveToCompleted): the broker fetches only when it has a poll
 * to serve. Leases are not renewed here: the HTTP worker heartbeats.
 */
import { Worker as BullWorker, type Job } from 'bullmq'
import type { Board } from '../board.js'
import { boardContext } from '../context.js'
import { laneQueueName, type LaneJobData } from '../lanes.js'
import { claimForWorker, type Claimed } from '../workerCalls.js'

/** How often a broker with polls announces its lane (as workers do every 10 s). */
const ANNOUNCE_EVERY_MS = 10_000

interface Waiter {
  claimer: string
  /** the board handle of the caller's token: the claim's events carry its actor */
  handle: Board
  done: boolean
  /** a claim for it is in flight in one of its lanes' brokers */
  busy: boolean
  /** its time is up, but a claim was in flight: that claim's result answers it */
  expired: boolean
  /** the brokers of its lanes: woken when a refused claim frees it again */
  brokers: LaneBroker[]
  resolve(c: Claimed | null): void
}

interface HeldJob {
  job: Job<LaneJobData>
  lockToken: string
  left: number
}

interface Held {
  id: string
  token: string
  job: HeldJob
}

export interface ClaimsOptions {
  /** how long a broker keeps a job's unclaimed tasks while no poll waits (default 2000 ms) */
  holdMs?: number
  /** how long one blocking fetch of BullMQ waits for a job, in seconds (default 5) */
  drainDelaySec?: number
  onError?: (e: unknown) => void
}

class LaneBroker {
  private readonly waiters: Waiter[] = []
  private readonly held: Held[] = []
  private readonly bull: BullWorker<LaneJobData>
  private wake: (() => void) | null = null
  private closed = false
  private giveBackTimer: NodeJS.Timeout | null = null
  private announced = 0
  private seq = 0
  private readonly done: Promise<void>

  constructor(
    private readonly board: Board,
    readonly lane: string,
    private readonly o: Required<ClaimsOptions>,
  ) {
    this.bull = new BullWorker<LaneJobData>(laneQueueName(lane), null, {
      connection: board.duplicateConnection(),
      prefix: board.keys.bullPrefix,
      autorun: false,
      drainDelay: o.drainDelaySec,
    })
    this.bull.on('error', (e) => o.onError(e))
    void this.bull.startStalledCheckTimer().catch((e) => o.onError(e))
    this.done = this.loop()
  }

  get waiting(): number {
    return this.waiters.filter((w) => !w.done).length
  }

  add(w: Waiter): void {
    this.waiters.push(w)
    this.wake?.()
  }

  /** A waiter whose time is up left (it stays in the list until pruned). */
  poke(): void {
    this.wake?.()
  }

  private free(): Waiter[] {
    for (let i = this.waiters.length - 1; i >= 0; i--) if (this.waiters[i]!.done) this.waiters.splice(i, 1)
    return this.waiters.filter((w) => !w.busy && !w.expired)
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      if (this.free().length === 0) {
        if (this.held.length > 0) this.scheduleGiveBack()
        await new Promise<void>((r) => (this.wake = r))
        this.wake = null
        continue
      }
      this.announce()
      if (this.held.length === 0) {
        const lockToken = `http-${process.pid}-${this.lane}-${++this.seq}`
        let job: Job<LaneJobData> | undefined
        try {
          job = await this.bull.getNextJob(lockToken, { block: true })
        } catch (e) {
          if (this.closed) break
          this.o.onError(e)
          await new Promise((r) => setTimeout(r, 1000))
          continue
        }
        if (!job) continue
        const h: HeldJob = { job, lockToken, left: job.data.taskIds.length }
        if (h.left === 0) await this.finish(h)
        for (const id of job.data.taskIds) this.held.push({ id, token: job.data.token, job: h })
        if (this.closed) break
      }
      await this.serve()
    }
  }

  /** Claims a held task for each free waiter, in parallel. */
  private async serve(): Promise<void> {
    if (this.giveBackTimer) clearTimeout(this.giveBackTimer)
    this.giveBackTimer = null
    const free = this.free()
    const pairs = free.slice(0, this.held.length).map((w) => ({ w, h: this.held.shift()! }))
    await Promise.all(
      pairs.map(async ({ w, h }) => {
        w.busy = true
        let c: Claimed | null = null
        try {
          ;[c] = await claimForWorker(boardContext(w.handle), [h.id], w.claimer, [h.token])
        } catch (e) {
          this.o.onError(e) // the task stays reserved: the tick's lost-job repair files it again
        }
        w.busy = false
        await this.settle(h)
        if (c) {
          w.done = true
          w.resolve(c)
        } else if (w.expired) {
          w.done = true
          w.resolve(null)
        } else for (const b of w.brokers) if (b !== this) b.poke()
      }),
    )
  }

  private scheduleGiveBack(): void {
    if (this.giveBackTimer) return
    this.giveBackTimer = setTimeout(() => {
      this.giveBackTimer = null
      if (this.free().length === 0) void this.giveBack()
    }, this.o.holdMs)
    this.giveBackTimer.unref()
  }

  /** The held tasks nobody polled for go back to the board for dispatch (neutral). */
  private async giveBack(): Promise<void> {
    const held = this.held.splice(0)
    const byToken = new Map<string, Held[]>()
    for (const h of held) byToken.set(h.token, [...(byToken.get(h.token) ?? []), h])
    for (const [token, hs] of byToken) {
      try {
        await boardContext(this.board).scripts.call('requeueLost', { lost: hs.map((h) => h.id), alive: [], token })
      } catch (e) {
        this.o.onError(e) // left reserved: the tick's lost-job repair files them again
      }
      for (const h of hs) await this.settle(h)
    }
  }

  private async settle(h: Held): Promise<void> {
    if (--h.job.left === 0) await this.finish(h.job)
  }

  private async finish(h: HeldJob): Promise<void> {
    await h.job.moveToCompleted(null, h.lockToken, false).catch((e: unknown) => this.o.onError(e))
  }

  private announce(): void {
    const now = Date.now()
    if (now - this.announced < ANNOUNCE_EVERY_MS) return
    this.announced = now
    // lane jobs are sized to the smallest announced concurrency: here, the polls waiting now
    void boardContext(this.board)
      .scripts.call('announceLanes', { lanes: [this.lane], concurrency: Math.max(1, this.waiting) })
      .catch((e) => this.o.onError(e))
  }

  async close(): Promise<void> {
    this.closed = true
    for (const w of this.waiters.splice(0)) {
      if (w.done || w.busy) continue
      w.done = true
      w.resolve(null)
    }
    this.wake?.()
    if (this.giveBackTimer) clearTimeout(this.giveBackTimer)
    await this.giveBack() // while BullMQ's connection is up, so the jobs complete
    await this.bull.close(true).catch(() => undefined) // ends a blocking fetch; no job is processed by BullMQ itself
    await this.done.catch(() => undefined)
    await this.giveBack() // a job a fetch in flight brought in meanwhile
    await this.bull.disconnect().catch(() => undefined)
  }
}

/** The brokers of one server process: one per (board, lane) that was polled. */
export class Claims {
  private readonly brokers = new Map<string, LaneBroker>()
  private readonly o: Required<ClaimsOptions>

  constructor(opts: ClaimsOptions = {}) {
    this.o = { holdMs: opts.holdMs ?? 2000, drainDelaySec: opts.drainDelaySec ?? 5, onError: opts.onError ?? (() => undefined) }
  }

  private broker(reader: Board, lane: string): LaneBroker {
    const key = `${reader.name}\0${lane}`
    let b = this.brokers.get(key)
    if (!b) {
      b = new LaneBroker(reader, lane, this.o)
      this.brokers.set(key, b)
    }
    return b
  }

  /**
   * Waits up to `waitMs` for a task of one of the lanes and claims it for `claimer`;
   * null when none came (or the signal fired first).
   */
  claim(opts: { reader: Board; handle: Board; lanes: string[]; claimer: string; waitMs: number; signal?: AbortSignal }): Promise<Claimed | null> {
    return new Promise((resolve) => {
      const brokers = opts.lanes.map((l) => this.broker(opts.reader, l))
      let timer: NodeJS.Timeout | undefined
      const up = () => {
        clearTimeout(timer)
        opts.signal?.removeEventListener('abort', up)
        if (w.done) return
        if (w.busy) w.expired = true
        else {
          w.done = true
          resolve(null)
        }
        for (const b of brokers) b.poke()
      }
      const w: Waiter = {
        claimer: opts.claimer,
        handle: opts.handle,
        done: false,
        busy: false,
        expired: false,
        brokers,
        resolve: (c) => {
          clearTimeout(timer)
          opts.signal?.removeEventListener('abort', up)
          resolve(c)
        },
      }
      if (opts.signal?.aborted) return resolve(null)
      opts.signal?.addEventListener('abort', up, { once: true })
      timer = setTimeout(up, opts.waitMs)
      for (const b of brokers) b.add(w)
    })
  }

  /** Polls waiting now, per board and lane. */
  waiting(board: string): { lane: string; waiting: number }[] {
    return [...this.brokers.entries()]
      .filter(([k]) => k.startsWith(`${board}\0`))
      .map(([, b]) => ({ lane: b.lane, waiting: b.waiting }))
      .sort((a, b) => (a.lane < b.lane ? -1 : 1))
  }

  async close(): Promise<void> {
    const all = [...this.brokers.values()]
    this.brokers.clear()
    await Promise.all(all.map((b) => b.close()))
  }
}
