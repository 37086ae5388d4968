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
}

export interface KanbanEvent {
  id: number
  taskId: string | null
  runId: string | null
  kind: string
  payload: Record<string, unknown> | null
  at: number
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
  /** the retry backoff's base after a counted failure, ms; 0 = off (docs/blocks-and-breaker.md#retry-backoff) */
  retryBackoffMs: number
  /** the retry backoff's cap, ms (never below the base in effect) */
  retryBackoffMaxMs: number
}

export const DEFAULT_SETTINGS: Omit<BoardSettings, 'failureLimit' | 'failureLimitSource' | 'defaultAssignee'> = {
  blockRecurrenceLimit: 2,
  claimTtlMs: 60_000,
  rateLimitCooldownMs: 300_000,
  staleTimeoutMs: 0,
  maxInProgress: 0,
  maxInProgressPerAssignee: 0,
  taskEventsMax: 1000,
  eventStreamMax: 100_000,
  tasksPerJob: 50,
  retryBackoffMs: 1000,
  retryBackoffMaxMs: 300_000,
}

export interface WorkerContext {
  task: Task
  parents: { id: string; title: string; status: Status; result: string | null }[]
  priorAttempts: Run[]
  comments: Comment[]
}

/** A paused scope (docs/fleet.md#pause-and-drain): lane null is the whole board. */
export interface PauseState {
  lane: string | null
  by: string
  reason: string | null
  /** when it was paused, epoch ms (the Redis server's clock) */
  since: number
}

export interface BoardStats {
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

export interface Explanation {
  id: string
  status: Status
  /** true when a worker may pick it up now */
  runnable: boolean
  reasons: { code: ExplainCode; message: string; data: Record<string, unknown> }[]
  /** the reasons in words, one line each */
  text: string
}
