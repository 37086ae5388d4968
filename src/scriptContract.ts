/**
 * The typed contract of every Lua script of src/lua: `ScriptArgs[name]` is what the script
 * reads from ARGV[2] (named arguments as JSON), `ScriptReplies[name]` what it replies. The
 * header of each .lua file says the same in Lua terms; the runner (scripts.ts) is the only
 * code that sends them, and `{ err }` replies become typed errors there
 * (errors.ts#fromScriptError), so no reply type below lists them.
 */
import type { ScriptErr } from './errors.js'

export interface Refusal {
  ok: false
  status: string
  reason?: string
}
type IdArg = { id: string }
/** A task reserved for BullMQ and the lane job it goes in (tasks sharing a jobId share a job). */
export type ReservedJob = { id: string; lane: string; jobId: string }

export interface CreateNodeArg {
  ref: string
  title: string
  body?: string
  assignee?: string
  priority?: number
  tenant?: string
  createdBy?: string
  maxRetries?: number
  maxRuntimeMs?: number
  retryBackoffMs?: number
  idempotencyKey?: string
  triage?: boolean
  blocked?: boolean
  runAt?: number
  metadata?: string
  /** the W3C traceparent / tracestate of the node's create span (docs/tracing.md): stored with the task */
  tp?: string
  tst?: string
  parentIds?: string[]
  parentRefs?: string[]
  /** a wide node of a large createTasks: its parents are linked by link calls (create.ts#wide) */
  linkLater?: boolean
  /** a wide node's write part: how many parents it has (they come in its link calls) */
  links?: number
}

/** A node as a check part of a large createTasks sees it (createCheck.lua's header). */
export type CheckNodeArg = Pick<CreateNodeArg, 'ref' | 'tenant' | 'idempotencyKey' | 'parentIds' | 'linkLater'> & {
  /** a wide node: its refs to nodes with an idempotency key, and how many others it has */
  keyedRefs?: string[]
  newRefs?: number
}

/** A link call of a large createTasks: a slice of a wide node's parents (createLink.lua). */
export type CreateLinkArg = { ref: string; parentIds?: string[]; parentRefs?: string[] }

/**
 * What one createTasks call, or a write or link part of a large one, replies. `replayed`: a
 * batch key's record with the same content (includes/batchRecord.lua): nothing was written,
 * and the script's reply carries the ids only (`created`, `jobs`, `toEnqueue` left out).
 */
export interface CreateReply {
  ok: true
  ids: Record<string, string>
  created: string[]
  jobs: ReservedJob[]
  toEnqueue: string[]
  replayed?: true
}

/** A createTasks batch key already recorded with the same content: its ids, nothing written (includes/batchRecord.lua). */
export interface BatchReplay {
  ok: true
  replayed: true
  ids: Record<string, string>
}

/** A createTasks batch key and the digest of the batch's content (create.ts#batchDigest). */
export type BatchKeyArg = { batchKey?: string; digest?: string }

export interface ScriptArgs {
  createTasks: { nodes: CreateNodeArg[]; enqueue?: boolean } & BatchKeyArg
  /** the parts of a large createTasks, one MULTI / EXEC (includes/createBatch.lua); `batch` is its id */
  createCheck: { batch: string; nodes: CheckNodeArg[]; count?: number; lanes?: Record<string, number> } & BatchKeyArg
  createWrite: { batch: string; nodes: CreateNodeArg[]; enqueue?: boolean; keep?: string[]; last?: boolean } & BatchKeyArg
  createLink: { batch: string; link: CreateLinkArg; last?: boolean }
  claimTask: IdArg & { claimer: string; ttlMs?: number; queueToken?: string }
  claimBatch: { ids: string[]; tokens: string[]; claimer: string; ttlMs?: number; traces?: string[] }
  heartbeat: IdArg & { runId: string; note?: string; leaseOnly?: boolean }
  traceRuns: { runs: TraceRunArg[] }
  completeTask: IdArg & { runId?: string; result?: string; summary?: string; metadata?: string; enqueue?: boolean; handoff?: Handoff }
  completeBatch: { items: (IdArg & { runId?: string; result?: string; summary?: string; metadata?: string; handoff?: Handoff })[]; enqueue?: boolean }
  blockTask: IdArg & { reason: string; kind?: string; runId?: string }
  unblockTask: IdArg & { actor?: string }
  scheduleTask: IdArg & { reason?: string; runId?: string; runAt?: number }
  specifyTask: IdArg & { title?: string; body?: string; assignee?: string; author?: string }
  promoteTask: IdArg & { actor: string; reason?: string; force?: boolean }
  reclaimTask: IdArg & { reason?: string }
  assignTask: IdArg & { assignee: string | null }
  updateTask: IdArg & { patch: Record<string, string | number | null> }
  requestReview: IdArg & { runId?: string; reviewer?: string; summary?: string }
  requestChanges: IdArg & { runId?: string; reason: string }
  archiveTask: IdArg
  deleteTask: IdArg
  addComment: IdArg & { author: string; body: string }
  recordFailure: IdArg & { runId?: string; outcome: string; error?: string; cooldownMs?: number }
  recomputeReady: { count: number; fence?: string; fenceHolder?: string }
  linkTasks: { parent: string; child: string; maxVisit: number }
  unlinkTasks: { parent: string; child: string }
  configure: { set: Record<string, string | number>; clear: string[] }
  acquireLeader: { holder: string; ttlMs: number } | { release: true; fence: string } | { release: true; holder: string }
  expireRuns: { mode: 'lease' | 'stale' | 'timeout'; count: number; fence?: string; fenceHolder?: string }
  releaseDue: { count: number; fence?: string; fenceHolder?: string }
  reserveDispatch: { count: number; scan: number; ids?: string[]; fence?: string; releaseIfDone?: boolean; lostBefore?: number }
  requeueLost: { lost: string[]; alive: string[]; fence?: string; token?: string }
  releaseTask: IdArg & { runId: string; reason: string }
  announceLanes: { lanes: string[]; concurrency: number; worker?: { id: string; name: string; host: string; pid: number }; ttlMs?: number } | { leave: string }
  pauseDispatch: { lane?: string; actor: string; reason?: string; resume?: boolean }
  previewDispatch: { count: number }
  /** a page of a listing from the indexes (listing.ts#listPage); afterScore as the cursor wrote it */
  listPage: { statuses: string[]; lane?: string; tenant?: string; limit: number; afterScore?: string; afterId?: string }
  /** one step of a bulk operation (src/bulk.ts; bulkTasks.lua's header) */
  bulkTasks: {
    op: 'unblock' | 'retry' | 'archive' | 'reassign' | 'delete'
    statuses: string[]
    filter: { lane?: string | null; tenant?: string | null }
    to?: string | null
    actor: string
    dryRun?: boolean
    cursor?: BulkCursor
    examine: number
    change: number
  }
  /** durable subscribers (subscriptions.ts; docs/events.md#subscriptions) */
  subscribe: { name: string; kinds?: string[] | null; from?: 'latest' | 'earliest' | number; max: number }
  ackSubscriber: { name: string; eventId: number }
  deleteSubscriber: { name: string }
  rerunTask: IdArg & { actor: string; reason?: string; subtree?: boolean; maxTasks: number }
  /** retention (docs/lifecycle.md#retention): one bounded batch; dryRun: the counts due, nothing written */
  sweepRetention: { count: number; fence?: string; fenceHolder?: string; dryRun?: boolean }
  /** one bounded part of deleteBoard (src/boards.ts); final: the board-wide keys, once no task is left */
  deleteBoard: { count: number; force?: boolean; final?: boolean }
  /** one batch of the listing indexes' backfill (docs/architecture.md#listing-indexes) */
  reindexTasks: { count: number; restart?: boolean }
  /** kanban doctor (src/doctor.ts, docs/reliability.md#kanban-doctor): one page of the check; a batch of repairs */
  doctorCheck: { tasksAfter: number; runsAfter: number; count: number; lostBefore: number }
  doctorRepair: { ids: string[]; lost: { id: string; token: string }[] }
}

/** Where a bulk walk resumes: after (score, id) in the status index; without them, at its start (includes/select.lua). */
export type BulkCursor = { status: string; score?: string; id?: string }

/** A run's process span (docs/tracing.md): written on the run while it is the task's open one; `parents`: whose final runs to read. */
export type TraceRunArg = IdArg & { runId: string; tp: string; tst?: string; parents?: string[] }
/** A parent task's final run and the trace context its process span left on it. */
export type ParentRunTrace = { taskId: string; runId: string; tp: string; tst?: string }

/** A worker completing its own task: it can take over one child the completion promotes. */
export type Handoff = { claimer: string; lanes: string[] }
/** A claim that carries the claimed task as it now is (claimBatch, a completion's hand-off). */
export type ClaimWithTask = {
  ok: true
  runId: string
  leaseExpiresAt: number
  ttlMs: number
  task: Record<string, string>
  parents: string[] | Record<string, never>
  /** with a traceparent in the claim (claimBatch's traces): the parents' final runs that carry a trace context */
  parentRuns?: ParentRunTrace[] | Record<string, never>
  /** the status the claim moved the task from (ready | review) */
  from?: string
  /** from ready: when it became ready, epoch ms (the metrics' ready-to-claimed wait) */
  readySince?: number
}

export interface ScriptReplies {
  createTasks: CreateReply
  /** skipped: a part after a failed check, which wrote nothing */
  createCheck: { ok: true; checked: number } | { ok: true; skipped: true } | BatchReplay
  createWrite: CreateReply | { ok: true; skipped: true }
  createLink: CreateReply | { ok: true; skipped: true }
  claimTask: { ok: true; runId: string; leaseExpiresAt: number; ttlMs: number } | Refusal
  claimBatch: { results: (ClaimWithTask | Refusal | ScriptErr)[] }
  heartbeat: { ok: true; leaseExpiresAt: number } | Refusal
  /** per run in order: whether it was written, and its parents' final runs that carry a trace context */
  traceRuns: { results: { ok: boolean; parents: ParentRunTrace[] | Record<string, never> }[] }
  completeTask: { ok: true; promoted: string[]; jobs: ReservedJob[]; rest: string[]; handoff?: ClaimWithTask & IdArg } | Refusal
  completeBatch: { results: ({ ok: true; promoted: string[]; handoff?: ClaimWithTask & IdArg } | Refusal | ScriptErr)[]; jobs: ReservedJob[]; rest: string[] }
  blockTask: { ok: true; status: string } | Refusal
  unblockTask: { ok: true; status: string } | Refusal
  scheduleTask: { ok: true } | Refusal
  specifyTask: { ok: true; status: string } | Refusal
  promoteTask: { ok: true } | Refusal
  reclaimTask: { ok: true; status: string; runId: string | null } | Refusal
  assignTask: { ok: true; changed: boolean } | Refusal
  updateTask: { ok: true; changed: string[] }
  requestReview: { ok: true } | Refusal
  requestChanges: { ok: true; status: string } | Refusal
  archiveTask: { ok: true; promoted: string[] } | Refusal
  deleteTask: { ok: true; promoted: string[] }
  addComment: { ok: true; eventId: number }
  recordFailure: {
    ok: true
    tripped: boolean
    failures: number
    limit: number
    limitSource: 'task' | 'board' | 'default'
    status: string
  }
  recomputeReady: { done: boolean; promoted: string[] }
  linkTasks: { ok: true; linked: boolean; demoted: boolean }
  unlinkTasks: { ok: true; unlinked: boolean; promoted: string[] }
  configure: { ok: true }
  acquireLeader: { ok: true; fence: string; expiresAt: number } | { ok: false; holder: string; expiresAt: number }
  expireRuns: { ids: string[]; tripped: string[] }
  releaseDue: { released: string[]; cooled: string[] }
  reserveDispatch: {
    jobs: ReservedJob[]
    skippedCapped: number
    skippedUnassigned: number
    skippedCooldown: number
    /** ready tasks left in `dq` because their lane or the board is paused */
    skippedPaused: number
    /** with releaseIfDone: the leader lease was released by this call */
    released?: boolean
  }
  requeueLost: { requeued: string[] }
  releaseTask: { ok: true; status: string } | Refusal
  announceLanes: { ok: true; window: number } | { ok: true; left: boolean }
  pauseDispatch: { ok: true; changed: boolean; paused?: { by: string; reason?: string; since: number } }
  /** (cjson encodes an empty list as {}: dispatch.ts reads each list through a guard) */
  previewDispatch: {
    reclaimed: string[]
    stale: string[]
    timedOut: string[]
    released: string[]
    enqueued: string[]
    skippedCapped: number
    skippedUnassigned: number
    skippedCooldown: number
    skippedPaused: number
  }
  /** tasks: each hash as [field, value, ...]; parents by task id (an empty one comes as {}) */
  listPage: { tasks: string[][]; parents: Record<string, string[]>; more: boolean; lastScore?: string; lastId?: string }
  /** (cjson encodes an empty list as {}: the runner turns it into []) */
  bulkTasks: {
    examined: number
    matched: number
    changed: number
    skipped: { status: number; sticky: number; unchanged: number }
    ids: string[]
    ready: string[]
    /** absent: the walk is done */
    cursor?: BulkCursor
  }
  subscribe: { ok: true; created: boolean; cursor: number; kinds?: string[] }
  ackSubscriber: { ok: true; changed: boolean; cursor: number }
  deleteSubscriber: { ok: true; deleted: boolean }
  rerunTask: { ok: true; status: 'ready' | 'todo'; reopened: string[]; demoted: string[]; reclaimed: string[]; ready: string[] } | Refusal
  sweepRetention: { archived: string[]; deleted: string[]; trimmed: number; more: boolean } | { due: RetentionDue }
  deleteBoard: { deleted: number; left: number } | { done: boolean }
  reindexTasks: { done: boolean; indexed: number }
  /** (cjson encodes an empty list as {}: the script leaves an empty list out instead) */
  doctorCheck: {
    findings?: DoctorFindingReply[]
    queued?: { id: string; lane: string; token: string }[]
    inflight?: Record<string, number>
    tasksAfter: number
    runsAfter: number
    done: boolean
  }
  doctorRepair: { repaired?: { id: string; check: string }[]; promoted?: string[]; requeued?: string[] }
}

/** One finding of doctorCheck (includes/doctor.lua): the task or run, the check, what it saw. */
export type DoctorFindingReply = { id: string; check: string; detail: Record<string, unknown> }

/** What a retention sweep would do now (sweepRetention's dry run). */
export type RetentionDue = { archive: number; delete: number; events: number }

export type ScriptName = keyof ScriptArgs
/** One script call of a pipeline: its name and its arguments. */
export type AnyCall = { [N in ScriptName]: [N, ScriptArgs[N]] }[ScriptName]
