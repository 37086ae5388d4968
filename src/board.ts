/**
 * Board: the library API (docs/api.md). Every write is one Lua script (src/lua/<name>.lua),
 * called through the typed `Scripts.call`; reads are plain Redis reads (reads.ts).
 * Inputs are parsed with zod first, so rejected input never reaches Redis.
 */
import type { Cluster, Redis } from 'ioredis'
import { openRedis } from './connection.js'
import { DurabilityOption, type Durability } from './durability.js'
import { boardKeys, type BoardKeys } from './keys.js'
import { KanbanError, NotFoundError, ValidationError, fromScriptError, show } from './errors.js'
import { Scripts } from './scripts.js'
import type { Handoff, ReservedJob, ScriptArgs, ScriptReplies } from './scriptContract.js'
import { Coalescer } from './coalesce.js'
import { batchDigest, createInParts, jsonText, partsOf, toNodeArg, wide } from './create.js'
import { traceCreate, traceReclaim, traced } from './tracing.js'
import { parse } from './validate.js'
import * as S from './schemas.js'
import * as R from './reads.js'
import { decodeCursor, listAll, listPage, listingStats, wantedStatuses } from './listing.js'
import { reindexAll } from './reindex.js'
import { runDoctor, type DoctorOptions, type DoctorReport } from './doctor.js'
import { planBatch } from './graph.js'
import { explainTask } from './explain.js'
import { WORKER_CONTEXT_DEFAULTS, readWorkerContext } from './workerContext.js'
import { dispatcherStats, liveWorkers } from './liveness.js'
import { LaneQueues } from './lanes.js'
import { dispatchOnce, enqueueTasks, type DispatchOptions, type DispatchResult } from './dispatch.js'
import { bindContext, type BoardContext } from './context.js'
import { registerBoard } from './boards.js'
import { purge } from './retention.js'
import { runBulk, type BulkOptions, type BulkResult } from './bulk.js'
import { deleteSubscriber, listSubscribers, openSubscriber, type Subscriber, type SubscriberInfo } from './subscriptions.js'
import type {
  BoardSettings,
  BoardStats,
  Claim,
  Explanation,
  FailureResult,
  KanbanEvent,
  PauseState,
  PurgeResult,
  RerunResult,
  Run,
  Task,
  TaskPage,
  WorkerContext,
  WorkersView,
} from './types.js'

export interface OpenOptions {
  /** A Redis URL, or an ioredis Redis/Cluster instance (which the board will not close). */
  redis: string | Redis | Cluster
  board: string
  /** Batch size of one recompute-ready Lua call (bounded work per call). */
  recomputeBatch?: number
  /** Most descendants a link's cycle check visits before it refuses. */
  linkSearchLimit?: number
  /** Most descendants one `rerunTask({ subtree: true })` reopens before it refuses (LIMITS.rerunSubtree). */
  rerunSubtreeLimit?: number
  /**
   * Hand tasks this handle's writes made ready — children promoted by a completion, new
   * tasks created ready — to BullMQ at once (workers, the CLI and dispatchers turn this
   * on). Off by default: a plain library user may run no fleet.
   */
  autoEnqueue?: boolean
  /**
   * Who this handle acts for (1-200 characters): every write it makes records it on the
   * events it writes (`event.actor`, docs/events.md). The HTTP API opens a handle per token.
   */
  actor?: string
  /**
   * Terminal transitions (complete, block, requestReview, recordFailure) return only once
   * `replicas` replicas hold them, waiting at most `timeoutMs`; else NOT_REPLICATED
   * (docs/failover.md#durability-wait-for-a-replica). Off by default.
   */
  durability?: Durability
}

/** Called with the ids a write promoted to `ready` (the dispatcher enqueues them at once). */
export type PromotedListener = (ids: string[]) => void

export class Board {
  readonly name: string
  readonly keys: BoardKeys
  readonly redis: Redis | Cluster
  private readonly scripts: Scripts
  private readonly ownsConnection: boolean
  private readonly recomputeBatch: number
  private readonly linkSearchLimit: number
  private readonly rerunSubtreeLimit: number
  private readonly promotedListeners = new Set<PromotedListener>()
  private closed = false
  private laneQueues: LaneQueues | null = null
  private readonly pendingEnqueues = new Set<Promise<unknown>>()
  /** subscriber handles of this board, closed with it */
  private readonly subscriberHandles = new Set<Subscriber>()
  private readonly autoEnqueue: boolean
  private readonly ctx: BoardContext
  private readonly completions = new Coalescer<ScriptArgs['completeBatch']['items'][number], ScriptReplies['completeBatch']['results'][number]>((items) =>
    this.completeMany(items),
  )

  private constructor(redis: Redis | Cluster, owns: boolean, name: string, opts: OpenOptions) {
    this.name = name
    this.keys = boardKeys(name)
    this.redis = redis
    this.ownsConnection = owns
    // the board joins the registry (listBoards) beside its first script call
    this.scripts = new Scripts(redis, this.keys, () => registerBoard(redis, name), opts.actor, opts.durability)
    this.recomputeBatch = opts.recomputeBatch ?? 200
    this.linkSearchLimit = opts.linkSearchLimit ?? 10_000
    this.rerunSubtreeLimit = opts.rerunSubtreeLimit ?? S.LIMITS.rerunSubtree
    this.autoEnqueue = opts.autoEnqueue ?? false
    // what the worker, the tick and the lanes need of this board (context.ts): not members
    const lanes = () => this.lanes()
    this.ctx = {
      keys: this.keys,
      redis,
      scripts: this.scripts,
      get lanes() {
        return lanes()
      },
      recomputeBatch: this.recomputeBatch,
      ensureOpen: (op) => this.ensureOpen(op),
      notePromoted: (ids) => this.promoted(ids, []),
      complete: (id, o, handoff) => this.complete(id, o, handoff),
    }
    bindContext(this, this.ctx)
  }

  /** BullMQ queues of this board's lanes (created on first use). */
  private lanes(): LaneQueues {
    this.laneQueues ??= new LaneQueues(this)
    return this.laneQueues
  }

  /** A new connection to the same Redis, e.g. for BullMQ workers or blocking reads. */
  duplicateConnection(): Redis | Cluster {
    return this.redis.duplicate({ maxRetriesPerRequest: null } as never) as Redis | Cluster
  }

  static async open(opts: OpenOptions): Promise<Board> {
    const board = parse('Board.open', S.boardName, opts?.board, 'board')
    if (opts.actor !== undefined) opts = { ...opts, actor: parse('Board.open', S.actor, opts.actor, 'actor') }
    if (opts.durability !== undefined) opts = { ...opts, ...parse('Board.open', DurabilityOption, { durability: opts.durability }) }
    const r = opts.redis
    if (typeof r === 'string') {
      // credentials and TLS from the URL and the environment (docs/security.md#credentials-and-tls)
      const conn = openRedis(r, { lazyConnect: true, maxRetriesPerRequest: 3 })
      await conn.connect()
      return new Board(conn, true, board, opts)
    }
    if (!r || typeof r !== 'object' || typeof (r as Redis).evalsha !== 'function') {
      throw new ValidationError('INVALID_INPUT', `Board.open: redis: expected a Redis URL or an ioredis instance, got ${show(r)}`)
    }
    return new Board(r, false, board, opts)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.completions.idle() // completions already asked for still go out
    await Promise.allSettled([...this.pendingEnqueues])
    for (const s of [...this.subscriberHandles]) s.close()
    if (this.laneQueues) await this.laneQueues.close()
    if (this.ownsConnection) await this.redis.quit().catch(() => this.redis.disconnect())
  }

  /** Subscribe to children promoted by this process's writes; returns an unsubscribe. */
  onPromoted(fn: PromotedListener): () => void {
    this.promotedListeners.add(fn)
    return () => this.promotedListeners.delete(fn)
  }

  /**
   * autoEnqueue: reserve the tasks and add their jobs (in the background unless awaited;
   * close() waits for them). A failure is left to the next tick, the safety net.
   */
  private enqueueSoon(ids: string[]): Promise<unknown> {
    if (!this.autoEnqueue || ids.length === 0) return Promise.resolve()
    const p = enqueueTasks(this.ctx, ids)
      .catch(() => undefined)
      .finally(() => this.pendingEnqueues.delete(p))
    this.pendingEnqueues.add(p)
    return p
  }

  /**
   * Adds the lane jobs of tasks a write's script reserved itself (a create, a completion's
   * promoted children). A failure is left to the tick's lost-job repair.
   */
  private async addJobs(jobs: ReservedJob[]): Promise<void> {
    if (jobs.length)
      await this.lanes()
        .add(jobs)
        .catch(() => undefined)
  }

  /**
   * Tells onPromoted listeners; with autoEnqueue, hands the ids to BullMQ — all of them, or
   * only `enqueue` when the writing script already reserved the others.
   */
  private promoted(ids: string[], enqueue: string[] = ids): void {
    if (ids.length) for (const fn of this.promotedListeners) fn(ids)
    void this.enqueueSoon(enqueue)
  }

  /**
   * One script call for the completions the coalescer gathered: a lone one runs completeTask
   * (the usual case outside a busy worker), several completeBatch. With autoEnqueue the
   * script also reserves the children it promoted; their lane jobs are added before the
   * callers hear back, so a child is in BullMQ when its parent's completeTask returns.
   */
  private async completeMany(items: ScriptArgs['completeBatch']['items']): Promise<ScriptReplies['completeBatch']['results']> {
    const enqueue = this.autoEnqueue
    let out: ScriptReplies['completeBatch']
    if (items.length === 1) {
      const r = await this.scripts.call('completeTask', { ...items[0]!, enqueue })
      out = r.ok ? { results: [r], jobs: r.jobs, rest: r.rest } : { results: [r], jobs: [], rest: [] }
    } else {
      out = await this.scripts.call('completeBatch', { items, enqueue })
    }
    const promoted = out.results.flatMap((r) => ('ok' in r && r.ok && Array.isArray(r.promoted) ? r.promoted : []))
    await this.addJobs(out.jobs)
    this.promoted(promoted, enqueue ? out.rest : promoted)
    return out.results
  }

  private ensureOpen(op: string): void {
    if (this.closed) throw new KanbanError('BOARD_CLOSED', `${op}: the board ${this.name} is closed`)
  }

  private id(op: string, id: unknown): string {
    this.ensureOpen(op)
    return parse(op, S.taskId, id, 'id')
  }

  // ---- settings --------------------------------------------------------------------

  async configure(input: S.SettingsInput): Promise<BoardSettings> {
    this.ensureOpen('configure')
    const v = parse('configure', S.SettingsInput, input)
    const set: Record<string, string | number> = {}
    const clear: string[] = []
    for (const [k, val] of Object.entries(v)) {
      if (val === undefined) continue
      if (val === null) clear.push(k)
      else set[k] = val
    }
    await this.scripts.call('configure', { set, clear })
    return this.settings()
  }

  async settings(): Promise<BoardSettings> {
    this.ensureOpen('settings')
    return R.settings(this.redis, this.keys)
  }

  /**
   * Pause dispatch of the board, or of one lane (docs/fleet.md#pause-and-drain): nothing of
   * it is handed to BullMQ or to a worker until `resume`; running work, and tasks already in
   * BullMQ, go on. Pausing a paused scope changes nothing (`changed: false`, the first
   * pause's state kept).
   */
  async pause(input: S.PauseInput): Promise<{ changed: boolean; paused: PauseState }> {
    this.ensureOpen('pause')
    const v = parse('pause', S.PauseInput, input)
    const r = await this.scripts.call('pauseDispatch', { actor: v.actor, ...(v.lane ? { lane: v.lane } : {}), ...(v.reason ? { reason: v.reason } : {}) })
    const p = r.paused!
    return { changed: r.changed, paused: { lane: v.lane ?? null, by: p.by, reason: p.reason ?? null, since: p.since } }
  }

  /** Resume a paused board or lane; the next tick dispatches its ready tasks. `changed: false` when it was not paused. */
  async resume(input: S.ResumeInput): Promise<{ changed: boolean }> {
    this.ensureOpen('resume')
    const v = parse('resume', S.ResumeInput, input)
    const r = await this.scripts.call('pauseDispatch', { actor: v.actor, resume: true, ...(v.lane ? { lane: v.lane } : {}) })
    return { changed: r.changed }
  }

  // ---- creation ----------------------------------------------------------------------

  async createTask(input: S.CreateTaskInput): Promise<string> {
    this.ensureOpen('createTask')
    const v = parse('createTask', S.CreateTaskInput, input)
    const node = toNodeArg('1', v, [...new Set(v.parents ?? [])], [])
    const span = traceCreate(this.name, [node])
    // a task with many parents links them in calls of their own (create.ts#wide)
    const r = await traced(
      span,
      wide(node)
        ? createInParts(this.scripts, [[node]], this.autoEnqueue, 'createTask')
        : this.scripts.call('createTasks', { nodes: [node], enqueue: this.autoEnqueue }, 'createTask'),
    )
    await this.addJobs(r.jobs)
    await this.enqueueSoon(r.toEnqueue)
    return r.ids['1']!
  }

  /**
   * With `batchKey` (docs/api.md#batch-keys) a retry returns the ids the first call got and
   * writes nothing; the same key with other content is refused (BATCH_KEY_CONFLICT).
   */
  async createTasks(nodes: S.CreateNodeInput[], opts?: S.CreateTasksOptions): Promise<Record<string, string>> {
    this.ensureOpen('createTasks')
    const v = parse('createTasks', S.CreateNodes, nodes, 'nodes')
    const o = parse('createTasks', S.CreateTasksOptions, opts, 'options') ?? {}
    const key = o.batchKey !== undefined ? { batchKey: o.batchKey, digest: batchDigest(v) } : {}
    const plan = planBatch(v)
    const byRef = new Map(v.map((n) => [n.ref, n]))
    const dependsOnIds = new Set(v.flatMap((n) => (n.dependsOn ?? []).filter((d) => !byRef.has(d))))
    const args = plan.map((p) => toNodeArg(p.ref, byRef.get(p.ref)!, p.idDeps, p.refDeps))
    const span = traceCreate(this.name, args)
    try {
      const parts = partsOf(args)
      const r = await traced(
        span,
        parts.length === 1 && !args.some(wide)
          ? this.scripts.call('createTasks', { nodes: args, enqueue: this.autoEnqueue, ...key })
          : createInParts(this.scripts, parts, this.autoEnqueue, 'createTasks', key),
      )
      if (r.replayed) return r.ids
      // with autoEnqueue, the new ready tasks are in BullMQ when this returns
      await this.addJobs(r.jobs)
      await this.enqueueSoon(r.toEnqueue)
      return r.ids
    } catch (e) {
      if (e instanceof KanbanError && e.code === 'UNKNOWN_PARENT' && dependsOnIds.has(String(e.details.id))) {
        throw new ValidationError('UNKNOWN_REF', `createTasks: dependsOn: expected refs of this batch or ids of existing tasks, got ${show(e.details.id)}`, {
          ref: e.details.id,
        })
      }
      throw e
    }
  }

  // ---- reads -------------------------------------------------------------------------

  async getTask(id: string): Promise<Task | null> {
    return R.getTask(this.redis, this.keys, this.id('getTask', id))
  }

  private async mustGet(op: string, id: string): Promise<Task> {
    const t = await R.getTask(this.redis, this.keys, this.id(op, id))
    if (!t) throw new NotFoundError(id, op)
    return t
  }

  async listTasks(filter?: S.ListFilter): Promise<Task[]> {
    this.ensureOpen('listTasks')
    const f = parse('listTasks', S.ListFilter, filter) ?? {}
    const q = { statuses: wantedStatuses(f.status, f.includeArchived), assignee: f.assignee, tenant: f.tenant }
    return listAll(this.redis, this.keys, this.scripts, q, f.limit ?? 1000, f.orderBy === 'createdAt')
  }

  /**
   * One page of a listing in dispatch order (docs/api.md#listing-tasks): pass a page's
   * `next` as `after` for the page after it. Stable under concurrent writes.
   */
  async listTasksPage(filter?: S.ListPageFilter): Promise<TaskPage> {
    this.ensureOpen('listTasksPage')
    const f = parse('listTasksPage', S.ListPageFilter, filter) ?? {}
    const q = { statuses: wantedStatuses(f.status, f.includeArchived), assignee: f.assignee, tenant: f.tenant, limit: f.limit ?? 50 }
    return listPage(this.redis, this.keys, this.scripts, f.after === undefined ? q : { ...q, after: decodeCursor(f.after) })
  }

  /**
   * Backfills the listing indexes of a board older than them, to the end, in bounded calls
   * (docs/api.md#migrating-a-board); returns how many tasks it filed. A dispatcher does the
   * same a few batches per tick.
   */
  async reindex(opts?: S.ReindexInput): Promise<number> {
    this.ensureOpen('reindex')
    const o = parse('reindex', S.ReindexInput, opts) ?? {}
    return reindexAll(this.scripts, o)
  }

  /** The board's invariants, checked in bounded passes; repaired with `repair` (docs/reliability.md#kanban-doctor). */
  async doctor(opts?: DoctorOptions): Promise<DoctorReport> {
    this.ensureOpen('doctor')
    return runDoctor(this.ctx, opts)
  }

  async parents(id: string): Promise<string[]> {
    await this.mustGet('parents', id)
    return (await this.redis.smembers(this.keys.parents(id))).sort()
  }

  async children(id: string): Promise<string[]> {
    await this.mustGet('children', id)
    return (await this.redis.smembers(this.keys.children(id))).sort()
  }

  async events(query?: { taskId?: string; after?: number; limit?: number }): Promise<KanbanEvent[]> {
    this.ensureOpen('events')
    const q = parse('events', S.EventsQuery, query) ?? {}
    const after = q.after ?? 0
    const limit = q.limit ?? 1000
    if (q.taskId) return R.taskEvents(this.redis, this.keys, q.taskId, after, limit)
    return R.boardEvents(this.redis, this.keys, after, limit)
  }

  async runs(taskId: string): Promise<Run[]> {
    return R.runs(this.redis, this.keys, this.id('runs', taskId))
  }

  /**
   * What a worker needs of a task, within a size bound (docs/api.md#workercontext): its
   * parents' results, summaries and metadata, its last runs and comments, with total counts.
   */
  async workerContext(id: string, opts?: S.WorkerContextOptions): Promise<WorkerContext> {
    const tid = this.id('workerContext', id)
    const o = parse('workerContext', S.WorkerContextOptions, opts) ?? {}
    const limits = { ...WORKER_CONTEXT_DEFAULTS }
    for (const [k, v] of Object.entries(o)) if (v !== undefined) limits[k as keyof typeof limits] = v
    const ctx = await readWorkerContext(this.redis, this.keys, tid, limits)
    if (!ctx) throw new NotFoundError(tid, 'workerContext')
    return ctx
  }

  async comments(id: string) {
    return R.comments(this.redis, this.keys, this.id('comments', id))
  }

  async stats(): Promise<BoardStats> {
    this.ensureOpen('stats')
    const [base, listing, dispatcher] = await Promise.all([
      R.stats(this.redis, this.keys),
      listingStats(this.redis, this.keys),
      dispatcherStats(this.redis, this.keys),
    ])
    return { ...base, ...listing, dispatcher }
  }

  /** The live workers, and per lane, from their announcements (docs/fleet.md#liveness). */
  async workers(): Promise<WorkersView> {
    this.ensureOpen('workers')
    return liveWorkers(this.redis, this.keys)
  }

  async explain(id: string): Promise<Explanation> {
    const task = await this.mustGet('explain', id)
    const [parents, settings, now, dispatch, workers] = await Promise.all([
      R.getTasks(this.redis, this.keys, task.parents),
      R.settings(this.redis, this.keys),
      R.serverTime(this.redis),
      R.dispatchView(this.redis, this.keys, task),
      task.status === 'ready' || task.status === 'review' ? liveWorkers(this.redis, this.keys) : null,
    ])
    return explainTask(task, parents, settings, now, { ...dispatch, ...(workers ? { lanesServed: workers.lanes.map((l) => l.lane) } : {}) })
  }

  /** The Redis server's clock, epoch ms. */
  async now(): Promise<number> {
    return R.serverTime(this.redis)
  }

  /** One dispatcher tick (docs/fleet.md#a-tick); see src/dispatch.ts. */
  async dispatchOnce(opts?: DispatchOptions): Promise<DispatchResult> {
    this.ensureOpen('dispatchOnce')
    return dispatchOnce(this.ctx, opts)
  }

  /**
   * Retention now (docs/lifecycle.md#retention): archives the done tasks and deletes the
   * archived ones that the board's retention settings make due, and trims the event stream,
   * in bounded calls until nothing is due — what the dispatcher tick does a batch at a time.
   * `dryRun`: the counts due now, nothing written.
   */
  async purge(opts?: S.PurgeInput): Promise<PurgeResult> {
    this.ensureOpen('purge')
    const v = parse('purge', S.PurgeInput, opts) ?? {}
    return purge(this.scripts, v)
  }

  /** Hand these ready tasks to BullMQ now (caps apply); returns how many were enqueued. */
  async enqueue(ids: string[]): Promise<number> {
    this.ensureOpen('enqueue')
    return enqueueTasks(
      this.ctx,
      ids.map((id) => this.id('enqueue', id)),
    )
  }

  /**
   * Follow the board's event stream: yields events after `after` as they are written,
   * until the signal aborts. Uses its own blocking connection.
   */
  async *follow(opts: { after?: number; signal?: AbortSignal; blockMs?: number } = {}): AsyncGenerator<KanbanEvent> {
    this.ensureOpen('follow')
    const conn = this.duplicateConnection()
    // after: 0 means "every event" (as in events()), not "only new ones"
    let last = opts.after !== undefined ? `${opts.after}-0` : '$'
    const stop = () => conn.disconnect()
    opts.signal?.addEventListener('abort', stop, { once: true })
    try {
      while (!opts.signal?.aborted) {
        const r = (await conn.xread('COUNT', 500, 'BLOCK', opts.blockMs ?? 2000, 'STREAMS', this.keys.events, last).catch((e: unknown) => {
          if (opts.signal?.aborted) return null
          throw e
        })) as [string, [string, string[]][]][] | null
        if (!r) continue
        for (const [, entries] of r) {
          for (const ev of R.parseStreamEntries(entries)) yield ev
          last = entries[entries.length - 1]![0]
        }
      }
    } finally {
      opts.signal?.removeEventListener('abort', stop)
      conn.disconnect()
    }
  }

  // ---- durable subscriptions (docs/events.md#subscriptions) ---------------------------

  /**
   * A durable subscriber: created on first use (after the last event written, unless
   * `from` says otherwise), else resumed at its cursor; `kinds` sets its filter. Read,
   * process, then `ack`: a new handle — a restarted process — reads after the last
   * acknowledgement. `close()` the handle (or the board) when done.
   */
  async subscriber(name: string, opts?: S.SubscriberOptions): Promise<Subscriber> {
    this.ensureOpen('subscriber')
    const s = await openSubscriber(this.ctx, name, opts, (h) => this.subscriberHandles.delete(h))
    this.subscriberHandles.add(s)
    return s
  }

  /** Every subscriber of the board, by name, with its cursor and lag. */
  async subscribers(): Promise<SubscriberInfo[]> {
    this.ensureOpen('subscribers')
    return listSubscribers(this.ctx)
  }

  /** Forgets a subscriber and its cursor; false when there was none. */
  async deleteSubscriber(name: string): Promise<boolean> {
    this.ensureOpen('deleteSubscriber')
    return deleteSubscriber(this.ctx, name)
  }

  // ---- transitions -------------------------------------------------------------------

  async linkTasks(parent: string, child: string): Promise<boolean> {
    const p = this.id('linkTasks', parent)
    const c = this.id('linkTasks', child)
    const r = await this.scripts.call('linkTasks', { parent: p, child: c, maxVisit: this.linkSearchLimit })
    return r.linked
  }

  async unlinkTasks(parent: string, child: string): Promise<boolean> {
    const p = this.id('unlinkTasks', parent)
    const c = this.id('unlinkTasks', child)
    const r = await this.scripts.call('unlinkTasks', { parent: p, child: c })
    this.promoted(r.promoted)
    return r.unlinked
  }

  async claimTask(id: string, opts: { claimer: string; ttlMs?: number; queueToken?: string }): Promise<Claim | null> {
    const tid = this.id('claimTask', id)
    const { queueToken, ...rest } = opts ?? {}
    const v = parse('claimTask', S.ClaimInput, rest)
    const r = await this.scripts.call('claimTask', { id: tid, ...v, queueToken })
    return r.ok ? { taskId: tid, runId: r.runId, leaseExpiresAt: r.leaseExpiresAt } : null
  }

  async heartbeat(id: string, opts: { runId: string; note?: string }): Promise<boolean> {
    const tid = this.id('heartbeat', id)
    const v = parse('heartbeat', S.HeartbeatInput, opts)
    return (await this.scripts.call('heartbeat', { id: tid, ...v })).ok
  }

  async completeTask(id: string, opts?: { runId?: string; result?: string; summary?: string; metadata?: Record<string, unknown> }): Promise<boolean> {
    return (await this.complete(id, opts)).ok
  }

  private async complete(
    id: string,
    opts: { runId?: string; result?: string; summary?: string; metadata?: Record<string, unknown> } | undefined,
    handoff?: Handoff,
  ) {
    const tid = this.id('completeTask', id)
    const v = parse('completeTask', S.CompleteInput, opts) ?? {}
    // concurrent completions (a worker's handlers) share a script call: see coalesce.ts
    const r = await this.completions.call({ id: tid, ...v, metadata: jsonText(v.metadata), ...(handoff ? { handoff } : {}) })
    if ('err' in r) throw fromScriptError('completeTask', r)
    return r
  }

  async blockTask(id: string, opts: { reason: string; kind?: S.BlockKindInput; runId?: string }): Promise<boolean> {
    const tid = this.id('blockTask', id)
    const v = parse('blockTask', S.BlockInput, opts)
    return (await this.scripts.call('blockTask', { id: tid, ...v })).ok
  }

  /**
   * A worker gives its running task back without fault (shutdown past the grace period):
   * the run is closed `reclaimed`, nothing is counted. False for a stale run id.
   */
  async releaseTask(id: string, opts: { runId: string; reason: string }): Promise<boolean> {
    const tid = this.id('releaseTask', id)
    const r = await this.scripts.call('releaseTask', {
      id: tid,
      runId: parse('releaseTask', S.runId, opts?.runId),
      reason: parse('releaseTask', S.text, opts?.reason),
    })
    if (r.ok) this.promoted([tid])
    return r.ok
  }

  async unblockTask(id: string, opts?: { actor?: string }): Promise<boolean> {
    const tid = this.id('unblockTask', id)
    const actor = opts?.actor === undefined ? undefined : parse('unblockTask', S.actor, opts.actor, 'actor')
    const r = await this.scripts.call('unblockTask', { id: tid, actor })
    if (r.ok && r.status === 'ready') this.promoted([tid])
    return r.ok
  }

  async scheduleTask(id: string, opts?: { reason?: string; runId?: string; runAt?: number }): Promise<boolean> {
    const tid = this.id('scheduleTask', id)
    const v = parse('scheduleTask', S.ScheduleInput, opts) ?? {}
    return (await this.scripts.call('scheduleTask', { id: tid, ...v })).ok
  }

  async specifyTask(id: string, opts?: { title?: string; body?: string; assignee?: string; author?: string }): Promise<boolean> {
    const tid = this.id('specifyTask', id)
    const v = parse('specifyTask', S.SpecifyInput, opts) ?? {}
    const r = await this.scripts.call('specifyTask', { id: tid, ...v })
    if (r.ok && r.status === 'ready') this.promoted([tid])
    return r.ok
  }

  async promoteTask(id: string, opts: { actor: string; reason?: string; force?: boolean }): Promise<boolean> {
    const tid = this.id('promoteTask', id)
    const v = parse('promoteTask', S.PromoteInput, opts)
    const r = await this.scripts.call('promoteTask', { id: tid, ...v })
    if (r.ok) this.promoted([tid])
    return r.ok
  }

  async reclaimTask(id: string, opts?: { reason?: string }): Promise<boolean> {
    const tid = this.id('reclaimTask', id)
    const v = parse('reclaimTask', S.ReclaimInput, opts) ?? {}
    return traceReclaim(this.name, tid, async () => {
      const r = await this.scripts.call('reclaimTask', { id: tid, ...v })
      if (r.ok && r.status === 'ready') this.promoted([tid])
      return r.ok
    })
  }

  /**
   * Reopen a done task (docs/lifecycle.md#re-run): `ready`, or `todo` while a parent is
   * unsatisfied, and its children wait for it again; with `subtree`, its done descendants
   * reopen and the started ones go back to `todo` too, in the same atomic step. Null when
   * the task is not done.
   */
  async rerunTask(id: string, opts: S.RerunInput): Promise<RerunResult | null> {
    const tid = this.id('rerunTask', id)
    const v = parse('rerunTask', S.RerunInput, opts)
    const r = await this.scripts.call('rerunTask', { id: tid, ...v, maxTasks: this.rerunSubtreeLimit })
    if (!r.ok) return null
    this.promoted(r.ready)
    return { status: r.status, reopened: r.reopened, demoted: r.demoted, reclaimed: r.reclaimed }
  }

  async assignTask(id: string, assignee: string | null): Promise<boolean> {
    const tid = this.id('assignTask', id)
    const a = parse('assignTask', S.AssignInput, assignee, 'assignee')
    return (await this.scripts.call('assignTask', { id: tid, assignee: a })).ok
  }

  async updateTask(
    id: string,
    patch: {
      title?: string
      body?: string
      priority?: number
      tenant?: string | null
      maxRetries?: number | null
      maxRuntimeMs?: number | null
      retryBackoffMs?: number | null
      metadata?: Record<string, unknown>
    },
  ): Promise<boolean> {
    const tid = this.id('updateTask', id)
    const v = parse('updateTask', S.UpdateInput, patch)
    const { metadata, ...rest } = v
    const p: Record<string, string | number | null> = { ...rest }
    if (metadata !== undefined) p.metadata = JSON.stringify(metadata)
    const r = await this.scripts.call('updateTask', { id: tid, patch: p })
    return r.changed.length > 0
  }

  async requestReview(id: string, opts?: { runId?: string; reviewer?: string; summary?: string }): Promise<boolean> {
    const tid = this.id('requestReview', id)
    const v = parse('requestReview', S.ReviewInput, opts) ?? {}
    const r = await this.scripts.call('requestReview', { id: tid, ...v })
    if (r.ok) this.promoted([tid])
    return r.ok
  }

  async requestChanges(id: string, opts: { runId?: string; reason: string }): Promise<boolean> {
    const tid = this.id('requestChanges', id)
    const v = parse('requestChanges', S.ChangesInput, opts)
    const r = await this.scripts.call('requestChanges', { id: tid, ...v })
    if (r.ok && r.status === 'ready') this.promoted([tid])
    return r.ok
  }

  async archiveTask(id: string): Promise<boolean> {
    const r = await this.scripts.call('archiveTask', { id: this.id('archiveTask', id) })
    if (r.ok) this.promoted(r.promoted)
    return r.ok
  }

  async deleteTask(id: string): Promise<boolean> {
    const r = await this.scripts.call('deleteTask', { id: this.id('deleteTask', id) })
    this.promoted(r.promoted)
    return r.ok
  }

  /**
   * A bulk operation by filter (docs/api.md#bulk-operations, src/bulk.ts): unblock, retry,
   * archive, reassign or delete every matching task, in bounded calls until the walk is done
   * (or `limit`, or the signal). Each change is the single operation's, with its event and
   * the actor; tasks it does not apply to are counted, not errors.
   */
  async bulk(input: S.BulkInput, opts: BulkOptions = {}): Promise<BulkResult> {
    this.ensureOpen('bulk')
    return runBulk(this.scripts, 'bulk', input, opts, (ids) => this.promoted(ids))
  }

  /** One bounded call of a bulk operation: pass the result's `cursor` back until it is null. */
  async bulkStep(input: S.BulkInput): Promise<BulkResult> {
    this.ensureOpen('bulkStep')
    return runBulk(this.scripts, 'bulkStep', input, { maxCalls: 1 }, (ids) => this.promoted(ids))
  }

  async addComment(id: string, opts: { author: string; body: string }): Promise<number> {
    const tid = this.id('addComment', id)
    const v = parse('addComment', S.CommentInput, opts)
    return (await this.scripts.call('addComment', { id: tid, ...v })).eventId
  }

  async recordFailure(id: string, opts: { runId?: string; outcome: S.FailureOutcomeInput; error: string; cooldownMs?: number }): Promise<FailureResult> {
    const tid = this.id('recordFailure', id)
    const v = parse('recordFailure', S.FailureInput, opts)
    const r = await this.scripts.call('recordFailure', { id: tid, ...v })
    if (r.status === 'ready' || r.status === 'review') this.promoted([tid])
    return { tripped: r.tripped, failures: r.failures, limit: r.limit, limitSource: r.limitSource }
  }

  /**
   * recovery sweep (docs/architecture.md#readiness-without-a-scan), in bounded batches: each Lua call visits at most about
   * 2 x `recomputeBatch` tasks, and only tasks whose limit or counter changed (or every
   * breaker-parked task after the board's failureLimit changed); returns how many it
   * promoted. On a board with no such change it costs one short call.
   */
  async recomputeReady(): Promise<number> {
    this.ensureOpen('recomputeReady')
    const promoted = new Set<string>()
    for (;;) {
      const r = await this.scripts.call('recomputeReady', { count: this.recomputeBatch })
      for (const id of r.promoted) promoted.add(id)
      if (r.done) break
    }
    this.promoted([...promoted])
    return promoted.size
  }
}
