/** The public surface of kanban-queue. Everything a user may import is exported here. */
export { Board, type OpenOptions, type PromotedListener } from './board.js'
export {
  KanbanError,
  ValidationError,
  NotFoundError,
  StateError,
  ERROR_CODES,
  type ErrorCode,
  isKanbanError,
  isValidationError,
  isNotFoundError,
  isStateError,
} from './errors.js'
export {
  STATUSES,
  TRANSITIONS,
  BLOCK_KINDS,
  RUN_OUTCOMES,
  FAILURE_OUTCOMES,
  type Status,
  type BlockKind,
  type RunOutcome,
  type FailureOutcome,
} from './status.js'
export type { Task, Claim, Run, KanbanEvent, FailureResult, BoardSettings, BoardStats, WorkerContext, Explanation, Comment, PauseState } from './types.js'
export type { ParentContext, WorkerContextLimits, DispatcherStats, LiveWorker, LaneWorkers, WorkersView } from './types.js'
export { WORKER_CONTEXT_DEFAULTS } from './workerContext.js'
export {
  LIMITS,
  type CreateTaskInput,
  type CreateNodeInput,
  type ListFilter,
  type SettingsInput,
  type PauseInput,
  type ResumeInput,
  type CreateTasksOptions,
  type SubscriberOptions,
  type SubscriberRead,
  type WorkerContextOptions,
} from './schemas.js'
export type { RerunResult } from './types.js'
export type { RerunInput } from './schemas.js'
export type { PurgeResult, BoardInfo } from './types.js'
export { listBoards, deleteBoard, type DeleteBoardOptions, type DeleteBoardResult } from './boards.js'
export type { PurgeInput } from './schemas.js'
export type { TaskPage, LaneStats, TenantStats, ListingStats } from './types.js'
export type { ListPageFilter, ReindexInput } from './schemas.js'
export { boardKeys, BOARD_NAME } from './keys.js'
export { checkEvictionPolicy, SAFE_POLICY, type EvictionCheck, type MemoryPolicy } from './memory.js'
export { connectionSettings, redactUrl, CONNECTION_ENV, type ConnectionSettings } from './connection.js'
export { BOARD_REGISTRY } from './keys.js'
export { Worker, RateLimitedError, type Handler, type HandlerContext, type WorkerOptions } from './worker.js'
export { LeaseLostError } from './leaseGuard.js'
export type { WorkerTracing, ProducerRelation } from './runTrace.js'
export { Dispatcher, type DispatcherOptions } from './dispatcher.js'
export { MultiDispatcher, type MultiDispatcherOptions } from './multiDispatcher.js'
export { MultiWorker, type MultiWorkerOptions } from './multiWorker.js'
export { DISPATCH_IDS_MAX, type DispatchResult, type DispatchOptions, type DispatchIds } from './dispatch.js'
export { commandHandler, EXIT_RATE_LIMITED, type CommandHandler, type CommandOptions } from './command.js'
export { laneQueueName } from './lanes.js'
export { BULK_IDS_MAX, BULK_EXAMINE_PER_CALL, BULK_CHANGE_PER_CALL, type BulkResult, type BulkOptions, type BulkOp, type BulkSkipReason } from './bulk.js'
export { BULK_OPS, type BulkInput, type BulkFilter } from './schemas.js'
export type { Subscriber, SubscriberInfo } from './subscriptions.js'
export { EVENT_KINDS, type EventKind } from './eventKinds.js'
export { createMetrics, Metrics, type MetricsOptions } from './metrics/registry.js'
export { METRICS, type MetricDef, type MetricName } from './metrics/catalog.js'
export type { WorkerMetrics, DispatcherMetrics, HttpMetrics, RunObserver, TickReport } from './metrics/hooks.js'
export { DOCTOR_CHECKS, type DoctorCheck, type DoctorFinding, type DoctorReport, type DoctorOptions } from './doctor.js'
