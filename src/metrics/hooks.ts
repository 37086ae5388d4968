/**
 * What the worker, the dispatcher and the HTTP API tell the metrics (docs/operations.md#metrics):
 * narrow hook interfaces, types only, so `Worker`, `Dispatcher` and `createApp` take an
 * optional `metrics` without importing prom-client. `createMetrics()` (registry.ts) makes an
 * object that implements all three; without one, the hooks cost an `undefined` check.
 */
import type { Board } from '../board.js'
import type { DispatchResult } from '../dispatch.js'

/** One run as the worker sees it, from claim to close. */
export interface RunObserver {
  /** the handler's terminal call returned: `ok` false = refused (the run was no longer open) */
  completed(ok: boolean): void
  blocked(ok: boolean, kind: string | undefined): void
  reviewRequested(ok: boolean): void
  /** a failure recorded (the breaker tripped or not; null: refused, the run was no longer open) */
  failed(outcome: string, reply: { tripped: boolean } | null): void
  /** a heartbeat or a lease renewal the board refused */
  refused(operation: string): void
}

export interface WorkerMetrics {
  /** a claim by a worker: `from` the status it left, `readySince` (epoch ms) from ready */
  runStarted(run: { board: string; lane: string; from?: string; readySince?: number; claimedAt: number; createdAt: number }): RunObserver
}

/** What a tick reports: the counts of DispatchResult the metrics read. */
export type TickReport = Pick<
  DispatchResult,
  | 'reclaimed'
  | 'stale'
  | 'timedOut'
  | 'enqueued'
  | 'skippedUnassigned'
  | 'skippedCapped'
  | 'skippedCooldown'
  | 'skippedPaused'
  | 'autoBlocked'
  | 'skippedLocked'
>

export interface DispatcherMetrics {
  tick(board: string, r: TickReport, seconds: number): void
  /** a tick that failed: a refused fence (STALE_LEADER) is counted as a fencing refusal */
  tickFailed(board: string, err: unknown): void
  /** reports kanban_dispatcher_leader for this replica (`holder`) at scrape time */
  leaderOf(board: string, isLeader: () => Promise<boolean>): void
}

export interface HttpMetrics {
  /** the boards whose board-wide gauges this process reports (the served boards) */
  addBoards(boards: readonly Board[]): unknown
  /** one request: route = the OpenAPI path (or "other"), seconds since it arrived */
  request(method: string, route: string, status: number, seconds: number): void
  /** a successful write through the API (op = the library's operation name) */
  action(board: string, op: string, role: string): void
  humanOpened(board: string, kind: string): void
  humanResolved(board: string, kind: string, seconds: number | null): void
  /** the Prometheus text exposition of this process's registry, and its content type */
  exposition(): Promise<{ body: string; contentType: string }>
}
