/**
 * Worker (docs/fleet.md#workers): serves assignee lanes from BullMQ with a concurrency (handlers at once
 * per lane). A lane job carries up to the board's `tasksPerJob` tasks; the worker claims
 * them as handler slots free up, several per call (laneFeed.ts; run id = fencing token),
 * and the BullMQ job is done once every task of it is claimed — BullMQ delivers, the
 * board's leases keep a running task safe. Per task it renews the lease while the
 * handler runs, and turns the handler's end into exactly one outcome through the board:
 *   a terminal ctx call (complete / block / requestReview / fail) -> that transition
 *   returned without one                                     -> protocol_violation (counts)
 *   threw RateLimitedError                                   -> rate_limited (neutral, cooldown)
 *   threw anything else                                      -> crashed (counts)
 *   lost the run (reclaimed, timed out)                      -> nothing: the run is closed
 * close(): stop taking work, let handlers finish within graceMs, then abort them and give
 * their tasks back (neutral) — nothing is lost.
 */
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { DelayedError, Worker as BullWorker, type Job } from 'bullmq'
import type { Board } from './board.js'
import { laneQueueName, type LaneJobData } from './lanes.js'
import { LaneFeed } from './laneFeed.js'
import { KanbanError } from './errors.js'
import { boardContext, type BoardContext } from './context.js'
import { claimForWorker, completeForWorker, renewLease, type Claimed } from './workerCalls.js'
import type { FailureResult, Task, WorkerContext } from './types.js'
import { announceEveryMs, type CreateTaskInput, type WorkerContextOptions } from './schemas.js'
import { parse } from './validate.js'
import { ANNOUNCE_EVERY_MS, ANNOUNCE_TTL_FACTOR } from './liveness.js'
import { LeaseGuard, LeaseLostError, leaseClock } from './leaseGuard.js'
import type { BlockKind, FailureOutcome } from './status.js'
import { RunTracer, type RunTrace, type WorkerTracing } from './runTrace.js'

/** Throw from a handler when the provider said "slow down": neutral, the task cools down. */
export class RateLimitedError extends Error {
  constructor(
    message = 'rate limited',
    readonly cooldownMs?: number,
  ) {
    super(message)
    this.name = 'RateLimitedError'
  }
}

export interface HandlerContext {
  board: Board
  runId: string
  /**
   * fires on timeout (maxRuntimeMs), operator reclaim / lost lease, worker shutdown, or when
   * no lease renewal was acknowledged in time (reason: a LeaseLostError, docs/failover.md)
   */
  signal: AbortSignal
  complete(opts?: { result?: string; summary?: string; metadata?: Record<string, unknown> }): Promise<boolean>
  block(opts: { reason: string; kind?: BlockKind }): Promise<boolean>
  requestReview(opts?: { reviewer?: string; summary?: string }): Promise<boolean>
  heartbeat(note?: string): Promise<boolean>
  /**
   * Records a failed attempt of this run (the circuit breaker) and closes it: like a
   * terminal call, the worker then records nothing more for the run.
   */
  fail(opts: { outcome: FailureOutcome; error: string; cooldownMs?: number }): Promise<FailureResult>
  comment(body: string): Promise<number>
  createTask(input: CreateTaskInput): Promise<string>
  /** the task's context within its size bound (docs/api.md#workercontext); `opts` sets the caps */
  workerContext(opts?: WorkerContextOptions): Promise<WorkerContext>
}

export type Handler = (task: Task, ctx: HandlerContext) => Promise<void> | void

export interface WorkerOptions {
  board: Board
  lanes: string[]
  handler: Handler
  /** handlers run at once per lane */
  concurrency?: number
  /** the claimer recorded on runs */
  name?: string
  /** how long close() lets running handlers finish before aborting them */
  graceMs?: number
  /** lease renewal period; default a third of the lease */
  renewEveryMs?: number
  /** called on errors the worker survives (Redis hiccups, handler bugs in logging) */
  onError?: (err: unknown, ctx: { taskId?: string; runId?: string }) => void
  /**
   * How often the worker announces its lanes and concurrency (default 10 s): lane jobs are
   * sized to the smallest concurrency announced in the last 30 to 60 s (announceLanes.lua),
   * and the worker counts as live for 3 announcements after the last (docs/fleet.md#liveness).
   */
  announceEveryMs?: number
  /** OpenTelemetry process spans (docs/tracing.md): how they relate to the task's create span */
  tracing?: WorkerTracing
}

/**
 * A run's abort: the handler's AbortSignal is made the first time the handler reads
 * ctx.signal (an AbortController per task is a measurable share of a no-op task's cost);
 * the worker's own wait (raceAbort) listens here without one.
 */
class RunAbort {
  private controller?: AbortController
  private reason?: Error
  private onAbort?: () => void
  aborted = false

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController()
      if (this.aborted) this.controller.abort(this.reason)
    }
    return this.controller.signal
  }

  abort(reason: Error): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    this.controller?.abort(reason)
    this.onAbort?.()
  }

  /** one listener: the worker's wait for the handler */
  whenAborted(fn: () => void): void {
    if (this.aborted) fn()
    else this.onAbort = fn
  }
}

interface Active {
  taskId: string
  runId: string
  abort: RunAbort
  /** resolves when the job's processing is over */
  done: Promise<void>
  givenBack: boolean
  /** the run's lease length, which renewals must beat */
  ttlMs: number
  /** when the claim was sent: the lease's start on the worker's clock (leaseGuard.ts) */
  leaseFrom: number
}

export class Worker {
  readonly name: string
  /** this instance's id in the board's list of live workers (board.workers()) */
  readonly id: string
  private readonly bull: BullWorker<LaneJobData>[] = []
  private readonly feeds: LaneFeed<Claimed>[] = []
  private readonly active = new Map<string, Active>()
  private closing: Promise<void> | null = null
  private announcer: NodeJS.Timeout | null = null
  /** the announcement in flight, awaited before the goodbye */
  private announcing: Promise<unknown> = Promise.resolve()
  private readonly announceEveryMs: number
  /** what the worker needs of its board beyond the public API (context.ts) */
  private readonly ctx: BoardContext
  private readonly tracer: RunTracer

  constructor(private readonly opts: WorkerOptions) {
    this.name = opts.name ?? `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`
    this.id = randomBytes(6).toString('hex')
    this.ctx = boardContext(opts.board)
    this.tracer = new RunTracer(this.ctx, opts.board.name, opts.tracing, (e) => opts.onError?.(e, {}))
    this.announceEveryMs = opts.announceEveryMs === undefined ? ANNOUNCE_EVERY_MS : parse('Worker', announceEveryMs, opts.announceEveryMs, 'announceEveryMs')
  }

  /** Starts consuming every lane. */
  async start(): Promise<this> {
    const { board } = this.opts
    const { ctx } = this
    const size = this.opts.concurrency ?? 1
    // before the first fetch: lane jobs reserved from now on fit this worker's concurrency,
    // and the worker is listed live (board.workers()) until its announcement expires
    const worker = { id: this.id, name: this.name, host: hostname(), pid: process.pid }
    const ttlMs = this.announceEveryMs * ANNOUNCE_TTL_FACTOR
    const announce = () => (this.announcing = ctx.scripts.call('announceLanes', { lanes: this.opts.lanes, concurrency: size, worker, ttlMs }))
    await announce()
    this.announcer = setInterval(() => void announce().catch((e) => this.opts.onError?.(e, {})), this.announceEveryMs)
    this.announcer.unref()
    for (const lane of this.opts.lanes) {
      const feed: LaneFeed<Claimed> = new LaneFeed<Claimed>({
        size,
        claim: (ids, tokens) => this.tracer.claim(lane, ids.length, (traces) => claimForWorker(ctx, ids, this.name, tokens, traces)),
        launch: (c) => this.launch(c, feed, lane),
        giveBack: async (ids, token) => {
          await ctx.scripts.call('requeueLost', { lost: ids, alive: [], token })
        },
        release: async (c) => {
          // a failure leaves the run open: its lease expires and the dispatcher reclaims it
          await board
            .releaseTask(c.task.id, { runId: c.claim.runId, reason: 'handed over claimed; no handler slot in time' })
            .catch((e) => this.opts.onError?.(e, { taskId: c.task.id, runId: c.claim.runId }))
        },
        // a third of the lease: the lease is not renewed while the task waits
        adoptWaitMs: (c) => Math.max(100, Math.floor(c.ttlMs / 3)),
      })
      const w = new BullWorker<LaneJobData>(laneQueueName(lane), (job, token) => this.process(job, token, feed), {
        connection: board.duplicateConnection(),
        prefix: board.keys.bullPrefix,
        concurrency: 1, // the feed raises it once it has seen a job (laneFeed.ts)
        autorun: false,
      })
      feed.bull = w
      w.on('error', (e) => this.opts.onError?.(e, {}))
      this.bull.push(w)
      this.feeds.push(feed)
      void w.run().catch((e) => this.opts.onError?.(e, {}))
    }
    await Promise.all(this.bull.map((w) => w.waitUntilReady()))
    return this
  }

  /** Runs being worked on now. */
  get running(): { taskId: string; runId: string }[] {
    return [...this.active.values()].map(({ taskId, runId }) => ({ taskId, runId }))
  }

  async close(): Promise<void> {
    this.closing ??= this.shutdown()
    return this.closing
  }

  private async shutdown(): Promise<void> {
    const deadline = Date.now() + (this.opts.graceMs ?? 10_000)
    if (this.announcer) {
      clearInterval(this.announcer)
      // it takes no more work: no longer a live worker of its lanes
      await this.announcing.catch(() => undefined)
      await this.ctx.scripts.call('announceLanes', { leave: this.id }).catch((e) => this.opts.onError?.(e, {}))
    }
    // tasks held but not claimed go back to the board; BullMQ's close waits for their jobs
    const closed = Promise.all(this.bull.map((w) => w.close()))
    await Promise.all(this.feeds.map((f) => f.close().catch((e) => this.opts.onError?.(e, {}))))
    await closed
    const finished = Promise.all([...this.active.values()].map((a) => a.done))
    const timer = new Promise<'timeout'>((r) => setTimeout(r, Math.max(0, deadline - Date.now()), 'timeout').unref())
    if ((await Promise.race([finished.then(() => 'ok' as const), timer])) === 'timeout') {
      for (const a of this.active.values()) {
        a.givenBack = true
        a.abort.abort(new Error('worker shutdown'))
        await this.opts.board.releaseTask(a.taskId, { runId: a.runId, reason: 'worker shutdown after grace period' }).catch((e) => this.opts.onError?.(e, a))
      }
    }
    for (const w of this.bull) await w.disconnect().catch(() => undefined)
  }

  /** One lane job: its tasks are claimed as handler slots free up (laneFeed.ts). */
  private async process(job: Job<LaneJobData>, lockToken: string | undefined, feed: LaneFeed<Claimed>): Promise<void> {
    if (this.closing) {
      // fetched as shutdown began: hand the job back to BullMQ untouched for another worker
      // (returning would drop it and leave the tasks reserved until lost-job repair)
      await job.moveToDelayed(Date.now(), lockToken)
      throw new DelayedError()
    }
    try {
      await feed.hold(job.data.taskIds, job.data.token)
    } catch (e) {
      // a claim call failed (Redis unreachable): the job fails, and its unclaimed tasks are
      // filed for dispatch again by the tick's lost-job repair
      this.opts.onError?.(e, {})
      throw e
    }
  }

  /** Runs one claimed task's handler in the background; its slot is free when it ends. */
  private launch(c: Claimed, feed: LaneFeed<Claimed>, lane: string): void {
    const { claim, task, ttlMs, sentAt } = c
    const trace = this.tracer.start(c, lane)
    const abort = new RunAbort()
    let release!: () => void
    const active: Active = {
      taskId: task.id,
      runId: claim.runId,
      abort,
      done: new Promise<void>((r) => (release = r)),
      givenBack: false,
      ttlMs,
      leaseFrom: sentAt,
    }
    this.active.set(claim.runId, active)
    this.runHandler(task, claim.runId, active, feed, lane, trace)
      .catch((e) => this.opts.onError?.(e, { taskId: task.id, runId: claim.runId }))
      .finally(() => {
        trace?.end()
        this.active.delete(claim.runId)
        release()
        feed.release()
      })
  }

  private async runHandler(task: Task, runId: string, active: Active, feed: LaneFeed<Claimed>, lane: string, trace: RunTrace | null): Promise<void> {
    const { board } = this.opts
    const id = task.id
    let terminal = false
    let lost = false
    let renew: NodeJS.Timeout | undefined
    const mark = (ok: boolean) => {
      if (ok) {
        terminal = true
        // the run is closed: nothing to renew (a renewal would now fail and abort a handler
        // that did nothing wrong); the handler keeps its slot until it returns
        clearInterval(renew)
        guard.stop()
      } else lost = true
      return ok
    }
    const ctx: HandlerContext = {
      board,
      runId,
      get signal() {
        return active.abort.signal
      },
      complete: async (o) => {
        if (this.closing) return mark(await board.completeTask(id, { ...o, runId }))
        // a child this completion promotes in this lane may be claimed for this worker in the
        // same call; it takes this handler's slot when the handler returns
        const r = await completeForWorker(this.ctx, id, { ...o, runId }, { claimer: this.name, lanes: [lane] })
        if (r.next) feed.adopt(r.next)
        return mark(r.ok)
      },
      block: async (o) => mark(await board.blockTask(id, { ...o, runId })),
      requestReview: async (o) => mark(await board.requestReview(id, { ...o, runId })),
      heartbeat: async (note) => {
        const ok = await board.heartbeat(id, { runId, note })
        if (!ok) loseRun('the run was closed by someone else')
        return ok
      },
      fail: async (o) => {
        const r = await board.recordFailure(id, { ...o, runId })
        mark(true)
        return r
      },
      comment: (body) => board.addComment(id, { author: this.name, body }),
      createTask: (input) => board.createTask({ createdBy: this.name, ...input }),
      workerContext: (opts) => board.workerContext(id, opts),
    }
    trace?.wrap(ctx)
    const loseRun = (why: string | Error) => {
      trace?.lost(typeof why === 'string' ? why : why.message)
      lost = true
      active.abort.abort(typeof why === 'string' ? new Error(why) : why)
    }
    // cut off from Redis, renewals get no answer at all: stop before the lease expires
    const guard = new LeaseGuard(active.ttlMs, active.leaseFrom, (silentMs) => {
      if (!terminal) loseRun(new LeaseLostError(id, runId, silentMs, active.ttlMs))
    })

    // Lease renewal: a failed renewal means the run is gone (reclaimed, timed out). The
    // period follows this run's own lease, not a cached setting an operator may have changed.
    // Renewal is not progress: only ctx.heartbeat() keeps a run from going stale.
    const renewEvery = this.opts.renewEveryMs ?? Math.max(200, Math.floor(active.ttlMs / 3))
    renew = setInterval(() => {
      const sentAt = leaseClock()
      renewLease(this.ctx, id, runId)
        .then((ok) => {
          trace?.renewed(ok)
          return ok ? guard.renewed(sentAt) : terminal || loseRun('lease lost: the run was reclaimed or timed out')
        })
        .catch((e) => this.opts.onError?.(e, { taskId: id, runId }))
    }, renewEvery)
    let timedOut = false
    const deadline =
      task.maxRuntimeMs !== null
        ? setTimeout(() => {
            timedOut = true
            active.abort.abort(new Error(`maxRuntimeMs ${task.maxRuntimeMs} exceeded`))
          }, task.maxRuntimeMs)
        : null

    let thrown: unknown = undefined
    let threw = false
    try {
      const run = () => this.opts.handler(task, ctx)
      await raceAbort(Promise.resolve().then(trace ? () => trace.inside(run) : run), active)
    } catch (e) {
      threw = true
      thrown = e
    } finally {
      clearInterval(renew)
      guard.stop()
      if (deadline) clearTimeout(deadline)
    }
    if (terminal || lost || active.givenBack) return

    const fail = async (outcome: 'crashed' | 'protocol_violation' | 'rate_limited' | 'timed_out', error: string, cooldownMs?: number) => {
      try {
        const record = () => board.recordFailure(id, { runId, outcome, error, cooldownMs })
        await (trace ? trace.failed(outcome, error, record) : record())
      } catch (e) {
        // the run was closed meanwhile (e.g. a subprocess reported through its own Redis
        // connection): STALE_RUN, or INVALID_STATE once the task has left `running`
        if (!(e instanceof KanbanError && (e.code === 'STALE_RUN' || e.code === 'INVALID_STATE'))) throw e
      }
    }
    if (timedOut) return fail('timed_out', `exceeded maxRuntimeMs (${task.maxRuntimeMs} ms)`)
    if (threw && thrown instanceof RateLimitedError) return fail('rate_limited', thrown.message, thrown.cooldownMs)
    if (threw) return fail('crashed', errorText(thrown))
    return fail('protocol_violation', 'handler returned without complete, block or requestReview')
  }
}

/**
 * Stops waiting for a handler once its signal fired (timeout, lost run, shutdown): a
 * handler that ignores the signal keeps running, but every write it makes carries a run id
 * that is no longer open and is refused, and the worker's slot is free again.
 */
function raceAbort<T>(p: Promise<T>, active: Active): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    p.then(resolve, reject)
    active.abort.whenAborted(() => resolve(undefined))
  })
}

function errorText(e: unknown): string {
  // the message, not the stack: it becomes lastFailureError (500 chars) and the run's error
  if (e instanceof Error) return `${e.name}: ${e.message}`
  return String(e)
}
