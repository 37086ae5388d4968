/**
 * Every metric kanban-queue exports (docs/operations.md#metrics), as data: the registry
 * (registry.ts) is built from it, and the tests check the alert rules and the Grafana
 * dashboard against it. Imports nothing, so a test or a doc generator can read it without
 * loading prom-client.
 *
 * Naming: `kanban_` prefix, seconds for time, `_total` for counters, times of day as
 * `_timestamp_seconds`. No label ever carries a task, run or worker id: boards, lanes,
 * statuses, outcomes, routes and roles are small sets.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram'

/** who reports a metric: the process serving /metrics for boards (`kanban serve`), a worker, a dispatcher, the HTTP API, every process */
export type Source = 'board' | 'worker' | 'dispatcher' | 'http' | 'process'

export interface MetricDef {
  name: string
  type: MetricType
  help: string
  labels: readonly string[]
  source: readonly Source[]
  /** histogram buckets, seconds */
  buckets?: readonly number[]
}

/** a run, a wait: 10 ms to 6 h */
const LONG = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1800, 3600, 7200, 21600]
/** a person's answer, a task's life: 1 s to 1 week */
const HUMAN = [1, 10, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 86400, 3 * 86400, 7 * 86400]
/** a tick, an HTTP request: 1 ms to 10 s */
const SHORT = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10]

export const METRICS = [
  // ---- board-wide gauges: read from Redis at scrape time by the process that serves boards
  { name: 'kanban_tasks', type: 'gauge', help: 'tasks on the board, by status', labels: ['board', 'status'], source: ['board'] },
  { name: 'kanban_ready_tasks', type: 'gauge', help: 'ready tasks per lane (lane "_unassigned": no assignee)', labels: ['board', 'lane'], source: ['board'] },
  {
    name: 'kanban_ready_oldest_timestamp_seconds',
    type: 'gauge',
    help: "when the lane's longest-waiting ready task became ready (absent with none ready)",
    labels: ['board', 'lane'],
    source: ['board'],
  },
  { name: 'kanban_running_tasks', type: 'gauge', help: 'running tasks per lane', labels: ['board', 'lane'], source: ['board'] },
  {
    name: 'kanban_human_wait_tasks',
    type: 'gauge',
    help: 'tasks waiting on a person, by kind: sticky_block, triage, review',
    labels: ['board', 'kind'],
    source: ['board'],
  },
  {
    name: 'kanban_human_wait_oldest_timestamp_seconds',
    type: 'gauge',
    help: 'when the longest-waiting of the tasks waiting on a person started waiting, by kind (among the first 100 of each kind)',
    labels: ['board', 'kind'],
    source: ['board'],
  },
  {
    name: 'kanban_breaker_parked_tasks',
    type: 'gauge',
    help: 'tasks parked by the circuit breaker (blocked, not sticky)',
    labels: ['board'],
    source: ['board'],
  },
  { name: 'kanban_live_workers', type: 'gauge', help: 'live workers per lane (announcement not expired)', labels: ['board', 'lane'], source: ['board'] },
  {
    name: 'kanban_dispatcher_last_tick_timestamp_seconds',
    type: 'gauge',
    help: "when the board's last dispatcher tick took the lease",
    labels: ['board'],
    source: ['board'],
  },
  { name: 'kanban_event_stream_length', type: 'gauge', help: "entries in the board's event stream", labels: ['board'], source: ['board'] },
  // ---- per process
  {
    name: 'kanban_dispatcher_leader',
    type: 'gauge',
    help: "1 when this dispatcher replica ran the board's last tick",
    labels: ['board'],
    source: ['dispatcher'],
  },
  { name: 'kanban_build_info', type: 'gauge', help: 'always 1: the version of kanban-queue and of Node', labels: ['version', 'node'], source: ['process'] },
  // ---- counters, from the processes that do the work
  { name: 'kanban_transitions_total', type: 'counter', help: "status transitions of workers' runs", labels: ['board', 'from', 'to'], source: ['worker'] },
  { name: 'kanban_runs_started_total', type: 'counter', help: 'runs started (claims) per lane', labels: ['board', 'lane'], source: ['worker'] },
  {
    name: 'kanban_runs_finished_total',
    type: 'counter',
    help: 'runs closed, by outcome (reclaimed, stale and timed_out by the dispatcher are lane "_dispatcher")',
    labels: ['board', 'lane', 'outcome'],
    source: ['worker', 'dispatcher'],
  },
  { name: 'kanban_lease_expirations_total', type: 'counter', help: 'runs reclaimed because their lease expired', labels: ['board'], source: ['dispatcher'] },
  {
    name: 'kanban_fencing_refusals_total',
    type: 'counter',
    help: 'writes refused because the run or the leader lease was no longer theirs, by operation',
    labels: ['board', 'operation'],
    source: ['worker', 'dispatcher'],
  },
  { name: 'kanban_breaker_trips_total', type: 'counter', help: 'tasks the circuit breaker blocked', labels: ['board'], source: ['worker', 'dispatcher'] },
  {
    name: 'kanban_human_blocks_opened_total',
    type: 'counter',
    help: 'waits on a person opened, by kind (sticky_block, triage, review)',
    labels: ['board', 'kind'],
    source: ['worker', 'http'],
  },
  {
    name: 'kanban_human_blocks_resolved_total',
    type: 'counter',
    help: 'waits on a person resolved through the HTTP API, by kind (sticky_block, triage, review)',
    labels: ['board', 'kind'],
    source: ['http'],
  },
  {
    name: 'kanban_dispatch_decisions_total',
    type: 'counter',
    help: 'dispatch decisions per tick: enqueued, or left for now (capped, cooldown, unassigned, paused)',
    labels: ['board', 'decision'],
    source: ['dispatcher'],
  },
  {
    name: 'kanban_operator_actions_total',
    type: 'counter',
    help: 'successful writes through the HTTP API, by action and role',
    labels: ['board', 'action', 'role'],
    source: ['http'],
  },
  // ---- histograms
  {
    name: 'kanban_run_duration_seconds',
    type: 'histogram',
    help: 'run duration, claim to close',
    labels: ['board', 'lane', 'outcome'],
    source: ['worker'],
    buckets: LONG,
  },
  { name: 'kanban_ready_wait_seconds', type: 'histogram', help: 'time from ready to claimed', labels: ['board', 'lane'], source: ['worker'], buckets: LONG },
  {
    name: 'kanban_task_lead_time_seconds',
    type: 'histogram',
    help: 'task lead time, created to done (completions by a worker)',
    labels: ['board'],
    source: ['worker'],
    buckets: HUMAN,
  },
  {
    name: 'kanban_human_block_duration_seconds',
    type: 'histogram',
    help: 'how long a wait on a person lasted, by kind (resolved through the HTTP API)',
    labels: ['board', 'kind'],
    source: ['http'],
    buckets: HUMAN,
  },
  {
    name: 'kanban_dispatcher_tick_duration_seconds',
    type: 'histogram',
    help: 'dispatcher tick duration',
    labels: ['board'],
    source: ['dispatcher'],
    buckets: SHORT,
  },
  {
    name: 'kanban_http_request_duration_seconds',
    type: 'histogram',
    help: 'HTTP request duration by route (the OpenAPI path) and status',
    labels: ['method', 'route', 'status'],
    source: ['http'],
    buckets: SHORT,
  },
] as const satisfies readonly MetricDef[]

export type MetricName = (typeof METRICS)[number]['name']

/** The names a query may use: each metric, and a histogram's _bucket, _sum and _count series. */
export function seriesNames(): Set<string> {
  const out = new Set<string>()
  for (const m of METRICS) {
    out.add(m.name)
    if (m.type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) out.add(m.name + s)
  }
  return out
}

/** the lane label of tasks without an assignee */
export const UNASSIGNED_LANE = '_unassigned'
/** the lane label of runs the dispatcher closed (it does not know the lane) */
export const DISPATCHER_LANE = '_dispatcher'
