/**
 * `createMetrics()` (docs/operations.md#metrics): a prom-client Registry with every metric of
 * catalog.ts, and the hooks the worker, the dispatcher and the HTTP API call (hooks.ts).
 * prom-client is imported here only, when metrics are made: a library user without them
 * never loads it, and neither do the CLI's board commands (docs/cli.md#how-the-cli-loads).
 */
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type * as Prom from 'prom-client'
import type { Board } from '../board.js'
import { KanbanError } from '../errors.js'
import { BoardGauges } from './boardGauges.js'
import { Family, type Series } from './fast.js'
import { DISPATCHER_LANE, METRICS, type MetricName } from './catalog.js'
import type { DispatcherMetrics, HttpMetrics, RunObserver, TickReport, WorkerMetrics } from './hooks.js'
import { HUMAN_KINDS } from './humanWait.js'

export interface MetricsOptions {
  /** how long a board-wide snapshot is reused (default 2 s): scrapes closer together read Redis once */
  boardCacheMs?: number
}

/** the gauges read from Redis at scrape time (boardGauges.ts) */
const BOARD_GAUGES = [
  'kanban_tasks',
  'kanban_ready_tasks',
  'kanban_ready_oldest_timestamp_seconds',
  'kanban_running_tasks',
  'kanban_human_wait_tasks',
  'kanban_human_wait_oldest_timestamp_seconds',
  'kanban_breaker_parked_tasks',
  'kanban_live_workers',
  'kanban_dispatcher_last_tick_timestamp_seconds',
  'kanban_event_stream_length',
] as const satisfies readonly MetricName[]

/** a run's metrics: counted once or twice per task, so kept in fast.ts' plain series */
const FAST = new Set<string>([
  'kanban_runs_started_total',
  'kanban_runs_finished_total',
  'kanban_transitions_total',
  'kanban_run_duration_seconds',
  'kanban_ready_wait_seconds',
  'kanban_task_lead_time_seconds',
] satisfies MetricName[])

interface RunStart {
  board: string
  lane: string
  from?: string
  readySince?: number
  claimedAt: number
  createdAt: number
}

/** One run's observer: an object, not a set of closures, as one is made per task. */
class Run implements RunObserver {
  private readonly t0 = performance.now()
  constructor(
    private readonly m: Metrics,
    private readonly c: LaneChildren,
    private readonly run: RunStart,
  ) {}

  private finish(outcome: string, to: string | null): number {
    const seconds = (performance.now() - this.t0) / 1000
    this.m.closeRun(this.run.board, this.c, outcome, to, seconds)
    return seconds
  }

  completed(ok: boolean): void {
    if (!ok) return this.m.refusal(this.run.board, 'completeTask')
    const seconds = this.finish('completed', 'done')
    // both ends on the Redis server's clock: createdAt, and the claim plus the run's length
    this.c.leadTime.observe(Math.max(0, this.run.claimedAt + seconds * 1000 - this.run.createdAt) / 1000)
  }

  blocked(ok: boolean, kind: string | undefined): void {
    if (!ok) return this.m.refusal(this.run.board, 'blockTask')
    // a dependency wait goes back to todo; any other block waits on a person
    this.finish('blocked', kind === 'dependency' ? 'todo' : 'blocked')
    if (kind !== 'dependency') this.m.humanOpenedByWorker(this.run.board, 'sticky_block')
  }

  reviewRequested(ok: boolean): void {
    if (!ok) return this.m.refusal(this.run.board, 'requestReview')
    this.finish('review_requested', 'review')
    this.m.humanOpenedByWorker(this.run.board, 'review')
  }

  failed(outcome: string, reply: { tripped: boolean } | null): void {
    if (!reply) return this.m.refusal(this.run.board, 'recordFailure')
    // a failure sends the task back to ready (after its cooldown), or the breaker parks it
    this.finish(outcome, reply.tripped ? 'blocked' : 'ready')
    if (reply.tripped) this.m.breakerTrip(this.run.board)
  }

  refused(operation: string): void {
    this.m.refusal(this.run.board, operation)
  }
}

interface LaneChildren {
  started: Series
  fromReady: Series
  fromReview: Series
  readyWait: Series
  leadTime: Series
  outcome(outcome: string): { finished: Series; duration: Series }
}

type AnyMetric = Prom.Counter | Prom.Gauge | Prom.Histogram

export async function createMetrics(opts: MetricsOptions = {}): Promise<Metrics> {
  const mod = await import('prom-client')
  // prom-client is CommonJS: Node gives its exports by name and as `default`; the CLI's
  // bundle (esbuild) as `default` only
  const prom = (mod as unknown as { default?: typeof Prom }).default ?? (mod as unknown as typeof Prom)
  return new Metrics(prom, opts)
}

export class Metrics implements WorkerMetrics, DispatcherMetrics, HttpMetrics {
  readonly registry: Prom.Registry
  private readonly m = new Map<string, AnyMetric>()
  private readonly fast = new Map<string, Family>()
  private readonly boards: Board[] = []
  private readonly gauges: BoardGauges
  private readonly leaders = new Map<string, () => Promise<boolean>>()
  private collecting: Promise<void> | null = null
  private readonly lanes = new Map<string, LaneChildren>()
  private readonly transitions = new Map<string, Series>()

  constructor(prom: typeof Prom, opts: MetricsOptions) {
    this.registry = new prom.Registry()
    this.gauges = new BoardGauges(() => this.boards, opts.boardCacheMs ?? 2000)
    const registers = [this.registry]
    for (const d of METRICS) {
      if (FAST.has(d.name)) {
        const f = new Family(d)
        this.registry.registerMetric(f as unknown as Prom.Metric)
        this.fast.set(d.name, f)
        continue
      }
      const base = { name: d.name, help: d.help, labelNames: [...d.labels], registers }
      const metric =
        d.type === 'counter'
          ? new prom.Counter(base)
          : d.type === 'histogram'
            ? new prom.Histogram({ ...base, buckets: [...(d as { buckets: readonly number[] }).buckets] })
            : new prom.Gauge(base)
      this.m.set(d.name, metric)
    }
    this.gauge('kanban_build_info').set({ version: VERSION, node: process.versions.node }, 1)
    // the board-wide gauges: one read of every board per scrape (cached), set just before the
    // text is made; the registry gets its metrics in parallel, so each waits for the same read
    for (const n of BOARD_GAUGES) (this.gauge(n) as Prom.Gauge & { collect?: () => Promise<void> }).collect = () => this.collectBoards()
    const leader = this.gauge('kanban_dispatcher_leader') as Prom.Gauge & { collect?: () => Promise<void> }
    leader.collect = () => this.collectLeaders()
  }

  /** Boards whose board-wide gauges this process reports (`kanban serve`'s). */
  addBoards(boards: readonly Board[]): this {
    this.boards.push(...boards)
    return this
  }

  /** The text exposition format of every metric. */
  async exposition(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType }
  }

  /** A plain HTTP listener with only GET /metrics: for workers and dispatchers (`--metrics-port`). */
  async serve(opts: { port: number; host?: string }): Promise<{ url: string; close(): Promise<void> }> {
    const server: Server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n')
        return
      }
      this.exposition().then(
        (e) => res.writeHead(200, { 'content-type': e.contentType }).end(e.body),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${String(err)}\n`),
      )
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve())
    })
    const a = server.address() as AddressInfo
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address
    return {
      url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${a.port}/metrics`,
      close: () => new Promise<void>((r) => server.close(() => r())),
    }
  }

  // ---- worker ----------------------------------------------------------------------------

  runStarted(run: RunStart): RunObserver {
    const c = this.laneChildren(run.board, run.lane)
    c.started.inc()
    ;(run.from === 'review' ? c.fromReview : c.fromReady).inc()
    if (run.readySince !== undefined) c.readyWait.observe(Math.max(0, run.claimedAt - run.readySince) / 1000)
    return new Run(this, c, run)
  }

  /** @internal a run's close (Run) */
  closeRun(board: string, c: LaneChildren, outcome: string, to: string | null, seconds: number): void {
    const o = c.outcome(outcome)
    o.finished.inc()
    o.duration.observe(seconds)
    if (to) this.transition(board, 'running', to).inc()
  }

  /** @internal */
  refusal(board: string, operation: string): void {
    this.counter('kanban_fencing_refusals_total').inc({ board, operation })
  }

  /** @internal */
  humanOpenedByWorker(board: string, kind: string): void {
    this.counter('kanban_human_blocks_opened_total').inc({ board, kind })
  }

  /** @internal */
  breakerTrip(board: string): void {
    this.counter('kanban_breaker_trips_total').inc({ board })
  }

  /**
   * A lane's labelled series, made once: a run's hot path then increments them without
   * prom-client hashing a label set per call (the flat bench measures what is left).
   */
  private laneChildren(board: string, lane: string): LaneChildren {
    const key = `${board}\0${lane}`
    let c = this.lanes.get(key)
    if (!c) {
      const outcomes = new Map<string, { finished: Series; duration: Series }>()
      c = {
        started: this.family('kanban_runs_started_total').series({ board, lane }),
        fromReady: this.transition(board, 'ready', 'running'),
        fromReview: this.transition(board, 'review', 'running'),
        readyWait: this.family('kanban_ready_wait_seconds').series({ board, lane }),
        leadTime: this.family('kanban_task_lead_time_seconds').series({ board }),
        outcome: (outcome) => {
          let o = outcomes.get(outcome)
          if (!o) {
            o = {
              finished: this.family('kanban_runs_finished_total').series({ board, lane, outcome }),
              duration: this.family('kanban_run_duration_seconds').series({ board, lane, outcome }),
            }
            outcomes.set(outcome, o)
          }
          return o
        },
      }
      this.lanes.set(key, c)
    }
    return c
  }

  private transition(board: string, from: string, to: string): Series {
    const key = `${board}\0${from}\0${to}`
    let t = this.transitions.get(key)
    if (!t) this.transitions.set(key, (t = this.family('kanban_transitions_total').series({ board, from, to })))
    return t
  }

  // ---- dispatcher ------------------------------------------------------------------------

  tick(board: string, r: TickReport, seconds: number): void {
    this.histogram('kanban_dispatcher_tick_duration_seconds').observe({ board }, seconds)
    if (r.skippedLocked) return
    const finished = this.family('kanban_runs_finished_total')
    const lane = DISPATCHER_LANE
    if (r.reclaimed) finished.series({ board, lane, outcome: 'reclaimed' }).inc(r.reclaimed)
    if (r.stale) finished.series({ board, lane, outcome: 'stale' }).inc(r.stale)
    if (r.timedOut) finished.series({ board, lane, outcome: 'timed_out' }).inc(r.timedOut)
    if (r.reclaimed) this.counter('kanban_lease_expirations_total').inc({ board }, r.reclaimed)
    if (r.autoBlocked) this.counter('kanban_breaker_trips_total').inc({ board }, r.autoBlocked)
    const decisions = this.counter('kanban_dispatch_decisions_total')
    const d: [string, number][] = [
      ['enqueued', r.enqueued],
      ['capped', r.skippedCapped],
      ['cooldown', r.skippedCooldown],
      ['unassigned', r.skippedUnassigned],
      ['paused', r.skippedPaused],
    ]
    for (const [decision, n] of d) if (n) decisions.inc({ board, decision }, n)
  }

  tickFailed(board: string, err: unknown): void {
    if (err instanceof KanbanError && err.code === 'STALE_LEADER') this.counter('kanban_fencing_refusals_total').inc({ board, operation: 'dispatchTick' })
  }

  leaderOf(board: string, isLeader: () => Promise<boolean>): void {
    this.leaders.set(board, isLeader)
  }

  // ---- HTTP ------------------------------------------------------------------------------

  request(method: string, route: string, status: number, seconds: number): void {
    this.histogram('kanban_http_request_duration_seconds').observe({ method, route, status: String(status) }, seconds)
  }

  action(board: string, op: string, role: string): void {
    this.counter('kanban_operator_actions_total').inc({ board, action: op, role })
  }

  humanOpened(board: string, kind: string): void {
    this.counter('kanban_human_blocks_opened_total').inc({ board, kind })
  }

  humanResolved(board: string, kind: string, seconds: number | null): void {
    this.counter('kanban_human_blocks_resolved_total').inc({ board, kind })
    if (seconds !== null) this.histogram('kanban_human_block_duration_seconds').observe({ board, kind }, Math.max(0, seconds))
  }

  // ---- scrape time -----------------------------------------------------------------------

  private collectBoards(): Promise<void> {
    this.collecting ??= this.setBoardGauges().finally(() => (this.collecting = null))
    return this.collecting
  }

  private async setBoardGauges(): Promise<void> {
    const names = BOARD_GAUGES
    if (this.boards.length === 0) return
    const snaps = await this.gauges.read()
    const g = Object.fromEntries(names.map((n) => [n, this.gauge(n)])) as Record<(typeof names)[number], Prom.Gauge>
    for (const n of names) g[n].reset()
    for (const s of snaps) {
      const board = s.board
      for (const [status, n] of Object.entries(s.byStatus)) g.kanban_tasks.set({ board, status }, n)
      for (const l of s.lanes) {
        g.kanban_ready_tasks.set({ board, lane: l.lane }, l.ready)
        g.kanban_running_tasks.set({ board, lane: l.lane }, l.running)
        if (l.oldestReadyAt !== null) g.kanban_ready_oldest_timestamp_seconds.set({ board, lane: l.lane }, l.oldestReadyAt / 1000)
      }
      for (const kind of HUMAN_KINDS) {
        g.kanban_human_wait_tasks.set({ board, kind }, s.human[kind])
        const at = s.humanOldest[kind]
        if (at !== null) g.kanban_human_wait_oldest_timestamp_seconds.set({ board, kind }, at / 1000)
      }
      g.kanban_breaker_parked_tasks.set({ board }, s.parked)
      for (const w of s.workers) g.kanban_live_workers.set({ board, lane: w.lane }, w.workers)
      if (s.lastTickAt !== null) g.kanban_dispatcher_last_tick_timestamp_seconds.set({ board }, s.lastTickAt / 1000)
      g.kanban_event_stream_length.set({ board }, s.streamLength)
    }
  }

  private async collectLeaders(): Promise<void> {
    const g = this.gauge('kanban_dispatcher_leader')
    const entries = [...this.leaders]
    const values = await Promise.all(entries.map(([, f]) => f().catch(() => null)))
    g.reset()
    entries.forEach(([board], i) => values[i] !== null && g.set({ board }, values[i] ? 1 : 0))
  }

  private family(n: MetricName): Family {
    return this.fast.get(n)!
  }
  private counter(n: MetricName): Prom.Counter {
    return this.m.get(n) as Prom.Counter
  }
  private gauge(n: MetricName): Prom.Gauge {
    return this.m.get(n) as Prom.Gauge
  }
  private histogram(n: MetricName): Prom.Histogram {
    return this.m.get(n) as Prom.Histogram
  }
}

/** the package's version: package.json sits two levels up from src/metrics, dist/metrics and dist/cli alike */
const VERSION = (() => {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown'
  } catch {
    return 'unknown'
  }
})()
