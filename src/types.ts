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
  /** who acted, when the call named one (an HTTP API token's name, the CLI's --actor); absent otherwise */
  actor?: string
}

export interface FailureResult {
  tripped: boolean
  failures: number
  limit: number
  limitSource: 'task' | 'board' | 'default'
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
