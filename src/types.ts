import type { Status, RunOutcome, BlockKind } from './status.js'

export interface Task {
  id: string
  title: string
  body: string | null
  assignee: string | null
  status: Status
  priority: number
  tenant: string | null
  createdBy: string | null
  createdAt: number
  startedAt: number | null
  completedAt: number | null
  result: string | null
  idempotencyKey: string | null
  consecutiveFailures: number
  lastFailureError: string | null
  maxRetries: number | null
  maxRuntimeMs: number | null
  currentRunId: string | null
  leaseExpiresAt: number | null
  lastHeartbeatAt: number | null
  blockKind: BlockKind | null
  blockReason: string | null
  blockRecurrences: number
  sticky: boolean
  runAt: number | null
  cooldownUntil: number | null
  /** what the cooldown waits out: a rate limit, or the retry backoff after a counted failure (null without a cooldown) */
  cooldownReason: 'rate_limited' | 'backoff' | null
  /** the task's own retry backoff base, ms (0 = none); null = the board's retryBackoffMs */
  retryBackoffMs: number | null
  metadata: Record<string, unknown>
  parents: string[]
}

export interface Claim {
  taskId: string
  runId: string
  leaseExpiresAt: number
}

export interface Run {
  id: string
  taskId: string
  assignee: string | null
  claimer: string
  startedAt: number
  endedAt: number | null
  outcome: RunOutcome | null
  summary: string | null
  error: string | null
  metadata: Record<string, unknown> | null
  fromReview: boolean
  /** the trace of the run's process span, when a traced worker ran it (docs/tracing.md) */
  traceId: string | null
}

export interface KanbanEvent {
  id: number
  taskId: string | null
  runId: string | null
  kind: string
  payload: Record<string, unknown> | null
  at: number
  /** who acted, when the call named one (an HTTP API token's name, the CLI's --actor); absent otherwise */
  actor?: string
}

export interface FailureResult {
  tripped: boolean
  failures: number
  limit: number
  limitSource: 'task' | 'board' | 'default'
}

/** What `rerunTask` did (docs/lifecycle.md#re-run). */
export interface RerunResult {
  /** the task's new status: ready, or todo while a parent is unsatisfied */
  status: 'ready' | 'todo'
  /** done tasks reopened: the task first, then (with subtree) its done descendants */
  reopened: string[]
  /** tasks sent back to todo to wait for the reopened ones (ready, review, running) */
  demoted: string[]
  /** of those, the running ones whose run was closed `reclaimed` */
  reclaimed: string[]
}

export interface Comment {
  author: string
  body: string
  at: number
}

export interface BoardSettings {
  /** The board's failure limit; `failureLimitSource` says whether it was set or is the default 2. */
  failureLimit: number
  failureLimitSource: 'board' | 'default'
  /** the block of one kind that goes to triage instead of blocked, counted from 1 at the
   * first (default 2: the 2nd block of a kind after an unblock) */
  blockRecurrenceLimit: number
  claimTtlMs: number
  rateLimitCooldownMs: number
  /** 0 = off */
  staleTimeoutMs: number
  /** 0 = unlimited */
  maxInProgress: number
  /** 0 = unlimited */
  maxInProgressPerAssignee: number
  defaultAssignee: string | null
  taskEventsMax: number
  eventStreamMax: number
  /** most tasks one BullMQ lane job carries (a worker claims them in one call); jobs are
   * also kept to half the smallest concurrency the lane's workers announced */
  tasksPerJob: number
  /** how long a createTasks batch key's record is kept (a retry within it returns the same ids) */
  batchKeyTtlMs: number
  /** the retry backoff's base after a counted failure, ms; 0 = off (docs/blocks-and-breaker.md#retry-backoff) */
  retryBackoffMs: number
  /** the retry backoff's cap, ms (never below the base in effect) */
  retryBackoffMaxMs: number
  /** retention (docs/lifecycle.md#retention), null = off: done tasks are archived this long after they completed */
  archiveDoneAfterMs: number | null
  /** archived tasks are deleted, with their runs, events, comments and links, this long after they were archived */
  deleteArchivedAfterMs: number | null
  /** board stream entries older than this are trimmed (besides eventStreamMax) */
  eventStreamRetentionMs: number | null
}

/** What `purge` did, or (dryRun) would do now: tasks archived and deleted, stream entries trimmed. */
export interface PurgeResult {
  archived: number
  deleted: number
  /** board stream entries trimmed (a dry run: entries older than the trim point; the trim takes whole stream nodes, so it may leave up to ~100 of them) */
  eventsTrimmed: number
  dryRun: boolean
}

/** A board as listBoards sees it (docs/api.md#boards). */
export interface BoardInfo {
  name: string
  total: number
  byStatus: Record<Status, number>
  /** time of the board's newest event (Redis clock), null when its stream is empty */
  lastActivityAt: number | null
}

export const DEFAULT_SETTINGS: Omit<
  BoardSettings,
  'failureLimit' | 'failureLimitSource' | 'defaultAssignee' | 'archiveDoneAfterMs' | 'deleteArchivedAfterMs' | 'eventStreamRetentionMs'
> = {
  blockRecurrenceLimit: 2,
  claimTtlMs: 60_000,
  rateLimitCooldownMs: 300_000,
  staleTimeoutMs: 0,
  maxInProgress: 0,
  maxInProgressPerAssignee: 0,
  taskEventsMax: 1000,
  eventStreamMax: 100_000,
  tasksPerJob: 50,
  batchKeyTtlMs: 86_400_000,
  retryBackoffMs: 1000,
  retryBackoffMaxMs: 300_000,
}

/**
 * What a worker needs of its task (docs/api.md#workercontext), within a size bound: at most
 * `limits.maxParents` parents, `maxAttempts` runs and `maxComments` comments, every text
 * field of those at most `maxFieldBytes` UTF-8 bytes (a cut one ends in a marker), every
 * metadata object at most `maxFieldBytes` of JSON (else null); `truncated` names each field cut.
 */
export interface WorkerContext {
  task: Task
  /** the first `maxParents` of `task.parents`, in that order */
  parents: ParentContext[]
  /** the last `maxAttempts` runs, oldest first (the open run, if any, last) */
  priorAttempts: Run[]
  /** the last `maxComments` comments, oldest first */
  comments: Comment[]
  /** how many there are in all */
  totals: { parents: number; attempts: number; comments: number }
  /** paths of the fields cut to `maxFieldBytes`, e.g. `parents[0].result`, `comments[3].body` */
  truncated: string[]
  /** the caps this context was read with */
  limits: WorkerContextLimits
}

/** A parent as its child's worker sees it: its result, and its completion's summary and metadata. */
export interface ParentContext {
  id: string
  title: string
  status: Status
  result: string | null
  /** the summary and metadata its completing run recorded (null when its last run did not complete it) */
  summary: string | null
  metadata: Record<string, unknown> | null
  completedAt: number | null
}

/** The caps of a WorkerContext (defaults: WORKER_CONTEXT_DEFAULTS). */
export interface WorkerContextLimits {
  maxParents: number
  maxAttempts: number
  maxComments: number
  maxFieldBytes: number
}

/** A paused scope (docs/fleet.md#pause-and-drain): lane null is the whole board. */
export interface PauseState {
  lane: string | null
  by: string
  reason: string | null
  /** when it was paused, epoch ms (the Redis server's clock) */
  since: number
}

/** One page of a listing (Board.listTasksPage): `next` is the cursor of the page after it, null after the last. */
export interface TaskPage {
  tasks: Task[]
  next: string | null
}

/** A lane's tasks per status (BoardStats.byLane); lane null = tasks with no assignee. */
export interface LaneStats {
  lane: string | null
  total: number
  byStatus: Record<Status, number>
  /**
   * when the lane's longest-waiting ready task became ready (epoch ms, the Redis server's
   * clock: its age is `now() - oldestReadyAt`); null with none ready
   */
  oldestReadyAt: number | null
}

/** A tenant's tasks per status (BoardStats.byTenant); tenant null = tasks with no tenant. */
export interface TenantStats {
  tenant: string | null
  total: number
  byStatus: Record<Status, number>
}

/** What `stats` reads from the listing indexes (src/listing.ts). */
export interface ListingStats {
  /** per lane, by name (unassigned last), from the listing indexes: at most 1,000 lanes */
  byLane: LaneStats[]
  /** per tenant, by name (no tenant last): at most 1,000 tenants */
  byTenant: TenantStats[]
  /** lanes and tenants beyond the first 1,000 by name, left out of byLane / byTenant (and of their null rows) */
  notListed: { lanes: number; tenants: number }
  /**
   * false while a board older than the listing indexes is backfilled (docs/api.md#migrating-a-board):
   * byLane and byTenant may miss tasks until then
   */
  indexed: boolean
}

export interface BoardStats extends ListingStats {
  total: number
  byStatus: Record<Status, number>
  breakerBlocked: number
  stickyBlocked: number
  running: number
  expiredLeases: number
  coolingDown: number
  scheduledDue: number
  /** the paused scopes, the board (lane null) first, then lanes by name */
  paused: PauseState[]
  /** the dispatcher's last tick and leader (docs/fleet.md#liveness) */
  dispatcher: DispatcherStats
}

/** When the dispatcher last ticked, and who holds the leader lease (held only during a tick). */
export interface DispatcherStats {
  /** when the last tick took the leader lease, epoch ms (the Redis server's clock); null: never */
  lastTickAt: number | null
  /** the holder (dispatcher replica) that ran that tick: the last leader */
  lastTickBy: string | null
  /** the lease holder now, while a tick runs; null between ticks */
  leader: { holder: string; expiresAt: number } | null
}

/** A live worker as its last announcement shows it (docs/fleet.md#liveness). */
export interface LiveWorker {
  /** unique per Worker instance */
  id: string
  /** the claimer it records on runs (WorkerOptions.name) */
  name: string
  host: string
  pid: number
  lanes: string[]
  /** handlers at once per lane */
  concurrency: number
  /** first announcement, epoch ms */
  startedAt: number
  /** last announcement, epoch ms */
  lastSeen: number
  /** when it stops counting as live unless it announces again */
  expiresAt: number
}

/** One lane's live workers: how many, their handler slots in all, the latest announcement. */
export interface LaneWorkers {
  lane: string
  workers: number
  concurrency: number
  lastSeen: number
}

/** `board.workers()`: the live workers, by name, and per lane, by lane; `at` is the server time read. */
export interface WorkersView {
  at: number
  workers: LiveWorker[]
  lanes: LaneWorkers[]
}

export type ExplainCode =
  | 'runnable'
  | 'running'
  | 'waiting_on_parents'
  | 'sticky_block'
  | 'breaker_open'
  | 'breaker_recoverable'
  | 'scheduled'
  | 'triage'
  | 'cooldown'
  | 'backoff'
  | 'unassigned'
  | 'review'
  | 'done'
  | 'archived'
  | 'queued'
  | 'lane_at_capacity'
  | 'board_at_capacity'
  | 'paused'
  | 'no_live_worker'

export interface Explanation {
  id: string
  status: Status
  /** true when a worker may pick it up now */
  runnable: boolean
  reasons: { code: ExplainCode; message: string; data: Record<string, unknown> }[]
  /** the reasons in words, one line each */
  text: string
}
