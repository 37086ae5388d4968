/**
 * The shapes the page reads from `kanban serve` (docs/http-api.md). The library's own shapes
 * are imported from its source, so the page and the API cannot drift apart on them.
 */
import type { Status } from '../../src/status.js'
import type {
  BoardSettings,
  BoardStats,
  Comment,
  DispatcherStats,
  Explanation,
  KanbanEvent,
  LiveWorker,
  PauseState,
  RerunResult,
  Run,
  Task,
} from '../../src/types.js'

export type { BoardSettings, BoardStats, Comment, DispatcherStats, Explanation, KanbanEvent, LiveWorker, PauseState, RerunResult, Run, Status, Task }
export { STATUSES } from '../../src/status.js'

export const ROLES = ['viewer', 'operator', 'admin'] as const
export type Role = (typeof ROLES)[number]

export interface Me {
  name: string
  role: Role
  /** null: every board the server serves */
  boards: string[] | null
}

export interface Brief {
  id: string
  title: string
  status: Status
  sticky: boolean
  assignee: string | null
}

export interface TaskPage {
  tasks: Task[]
  next: string | null
  scanned: number
  truncated: boolean
}

export interface TaskDetail {
  task: Task
  explain: Explanation
  parents: Brief[]
  children: Brief[]
  runs: Run[]
  comments: Comment[]
  events: KanbanEvent[]
  limits: { failureLimit: number; source: 'task' | 'board' | 'default'; blockRecurrenceLimit: number }
}

export const NEED_KINDS = ['sticky_block', 'breaker_open', 'triage', 'review'] as const
export type NeedKind = (typeof NEED_KINDS)[number]

export interface NeedItem {
  task: Task
  kind: NeedKind
  reason: string | null
  since: number
  holdsUp: number
  holdsUpExact: boolean
  explain: Explanation
}

export interface NeedsYou {
  items: NeedItem[]
  total: number
  truncated: boolean
}

export interface GraphNode {
  id: string
  title: string
  status: Status
  assignee: string | null
  priority: number
  sticky: boolean
  breaker: boolean
  failures: number
  limit: number
  depth: number
}

export interface GraphEdge {
  from: string
  to: string
}

export interface GraphData {
  nodes: GraphNode[]
  edges: GraphEdge[]
  truncated: boolean
  frontier: string[]
  blocking?: string[]
}

export interface FleetLane {
  lane: string
  ready: number
  running: number
  /** when its longest-waiting ready task became ready (the server's clock); null: none ready */
  oldestReadyAt: number | null
  inFlight: number
  paused: PauseState | null
  /** its live workers: how many, their handler slots in all, the latest announcement */
  workers: { live: number; concurrency: number; lastSeen: number | null }
}

export interface Fleet {
  /** the Redis server's clock when read: ages are `at - …` */
  at: number
  lanes: FleetLane[]
  unassigned: { ready: number; oldestReadyAt: number | null }
  workers: LiveWorker[]
  dispatcher: DispatcherStats
  paused: PauseState[]
  httpWorkers: { lane: string; waiting: number }[]
  /** lanes beyond the first 1,000 by name, not listed */
  notListed: number
  /** false while an older board's listing indexes are backfilled: counts may miss tasks */
  indexed: boolean
}

/** The library's bulk operations by filter (docs/api.md#bulk-operations), as `POST …/bulk` runs them. */
export const BULK_OPS = ['unblock', 'retry', 'archive', 'reassign', 'delete'] as const
export type BulkOp = (typeof BULK_OPS)[number]

export interface BulkRequest {
  op: BulkOp
  filter: { status?: Status[]; lane?: string | null; tenant?: string | null }
  to?: string | null
  dryRun?: boolean
}

export interface BulkResult {
  op: BulkOp
  dryRun: boolean
  examined: number
  matched: number
  changed: number
  skipped: { status: number; sticky: number; unchanged: number }
  ids: string[]
  cursor: string | null
  calls: number
}
