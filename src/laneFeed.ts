/**
 * One lane of a worker: handler slots, and the tasks BullMQ has handed over but that are
 * not claimed yet. A lane job carries up to the board's `tasksPerJob` tasks; its tasks are
 * held here and claimed as slots free up — every slot free at that moment in one claim
 * call, at most two calls in flight, so claims batch themselves under load. A job's
 * BullMQ processing ends once each of its tasks is claimed or refused: BullMQ delivers,
 * the board's leases keep running tasks safe.
 *
 * BullMQ's fetch concurrency follows the slots without a held task, divided by the usual
 * job size, plus one job in reserve while fewer than a job's worth of tasks are held: a
 * saturated worker holds about two jobs' tasks unclaimed, never the lane's backlog. It
 * starts at 1, so a worker that starts on a deep queue does not take `concurrency` jobs
 * before it has seen how many tasks a job brings.
 *
 * A task the worker was handed already claimed — a child its own completion promoted and
 * claimed for it (includes/takeover.lua) — takes the next free slot before any held task:
 * usually the slot of the handler that completed its parent, a moment later.
 */
import type { Worker as BullWorker } from 'bullmq'
import type { LaneJobData } from './lanes.js'

/** claim calls in flight per lane: two keep slots filled while one is on the wire (measured) */
const MAX_CLAIMS = 2

interface Ticket {
  left: number
  resolve: () => void
  reject: (e: unknown) => void
}

interface Held {
  id: string
  token: string
  job: Ticket
}

export interface LaneFeedOptions<C> {
  /** handler slots of the lane (the worker's concurrency) */
  size: number
  /** claims tasks, one result per id (null = refused) */
  claim: (ids: string[], tokens: string[]) => Promise<(C | null)[]>
  /** starts a claimed task's handler; it must call release() when the handler ends */
  launch: (claimed: C) => void
  /** hands unclaimed tasks back to the board for dispatch (shutdown) */
  giveBack: (ids: string[], token: string) => Promise<void>
  /** gives a claimed task that never started back without fault (shutdown, no slot in time) */
  release: (claimed: C) => Promise<void>
  /** how long a claimed task handed over may wait for a slot before it is given back */
  adoptWaitMs: (claimed: C) => number
}

interface Adopted<C> {
  claimed: C
  timer: NodeJS.Timeout
}

export class LaneFeed<C> {
  private free: number
  private readonly held: Held[] = []
  /** claimed tasks handed to this worker, waiting for a slot (they go first) */
  private readonly adopted: Adopted<C>[] = []
  private open = 0
  private claiming = 0
  /** tasks per lane job, a moving average (0 = none seen yet) */
  private avgJob = 0
  private closed = false
  bull: BullWorker<LaneJobData> | null = null

  constructor(private readonly o: LaneFeedOptions<C>) {
    this.free = o.size
  }

  /** A lane job's tasks: resolves once each is claimed or refused (or given back at shutdown). */
  async hold(taskIds: string[], token: string): Promise<void> {
    if (taskIds.length === 0) return
    if (this.closed) return this.o.giveBack(taskIds, token)
    this.avgJob = this.avgJob === 0 ? taskIds.length : 0.8 * this.avgJob + 0.2 * taskIds.length
    this.open++
    try {
      await new Promise<void>((resolve, reject) => {
        const job: Ticket = { left: taskIds.length, resolve, reject }
        for (const id of taskIds) this.held.push({ id, token, job })
        this.pump()
        this.tune()
      })
    } finally {
      this.open--
      this.tune()
    }
  }

  /** A task already claimed for this worker: it starts in the next free slot. */
  adopt(claimed: C): void {
    if (this.closed) {
      void this.o.release(claimed).catch(() => undefined)
      return
    }
    if (this.free > 0) {
      this.free--
      this.o.launch(claimed)
      return
    }
    // its slot is normally the one the completing handler frees right after; a handler that
    // goes on long after completing must not let this lease run out unattended
    const a: Adopted<C> = {
      claimed,
      timer: setTimeout(() => {
        const i = this.adopted.indexOf(a)
        if (i < 0) return
        this.adopted.splice(i, 1)
        void this.o.release(claimed).catch(() => undefined)
      }, this.o.adoptWaitMs(claimed)),
    }
    a.timer.unref()
    this.adopted.push(a)
  }

  /** A handler ended: its slot takes the next task handed over claimed, else the next held one. */
  release(): void {
    const a = this.adopted.shift()
    if (a) {
      clearTimeout(a.timer)
      this.o.launch(a.claimed)
      return
    }
    this.free++
    this.pump()
    this.tune()
  }

  /** Shutdown: claim nothing more and give every held task back. */
  async close(): Promise<void> {
    this.closed = true
    const adopted = this.adopted.splice(0)
    for (const a of adopted) clearTimeout(a.timer)
    await Promise.all(adopted.map((a) => this.o.release(a.claimed).catch(() => undefined)))
    const byToken = new Map<string, Held[]>()
    for (const h of this.held.splice(0)) byToken.set(h.token, [...(byToken.get(h.token) ?? []), h])
    await Promise.all(
      [...byToken].map(async ([token, hs]) => {
        try {
          await this.o.giveBack(
            hs.map((h) => h.id),
            token,
          )
          for (const h of hs) settle(h)
        } catch (e) {
          for (const h of hs) h.job.reject(e) // the job fails; lost-job repair files its tasks again
        }
      }),
    )
  }

  private pump(): void {
    if (this.closed || this.claiming >= MAX_CLAIMS || this.free === 0 || this.held.length === 0) return
    const batch = this.held.splice(0, Math.min(this.free, this.held.length))
    this.free -= batch.length
    this.claiming++
    this.o
      .claim(
        batch.map((h) => h.id),
        batch.map((h) => h.token),
      )
      .then(
        (results) => {
          batch.forEach((h, i) => {
            const c = results[i]
            if (c) this.o.launch(c)
            else this.free++ // claimed elsewhere, superseded, or no longer ready
            settle(h)
          })
        },
        (e: unknown) => {
          this.free += batch.length
          for (const h of batch) h.job.reject(e) // the job fails; lost-job repair files its tasks again
        },
      )
      .finally(() => {
        this.claiming--
        this.pump()
        this.tune()
      })
  }

  private tune(): void {
    if (!this.bull || this.avgJob === 0) return // until a job is seen, BullMQ fetches one at a time
    const uncovered = Math.max(0, this.free - this.held.length)
    const want = Math.ceil(uncovered / this.avgJob) + (this.held.length < this.avgJob ? 1 : 0)
    this.bull.concurrency = Math.max(1, Math.min(this.o.size, this.open + want))
  }
}

function settle(h: Held): void {
  if (--h.job.left === 0) h.job.resolve()
}
