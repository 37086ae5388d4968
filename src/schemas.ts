/**
 * Input schemas: the single source of truth for what each operation accepts, with the
 * documented size limits. Types of resolved inputs are derived with z.infer.
 *
 * Written with zod/mini (the same checks and issues as zod's classic API, in functions that
 * a bundle keeps only when used): loading classic zod and building these schemas cost a CLI
 * call about as much as its Redis client (docs/performance.md). The English messages are
 * the ones classic zod installs.
 */
import * as z from 'zod/mini'
import en from 'zod/v4/locales/en.js'
import { BLOCK_KINDS, FAILURE_OUTCOMES, STATUSES } from './status.js'
import { BOARD_NAME } from './keys.js'
import { EVENT_KINDS } from './eventKinds.js'

export const LIMITS = {
  titleChars: 500,
  bodyBytes: 64 * 1024,
  resultBytes: 64 * 1024,
  metadataBytes: 16 * 1024,
  textChars: 4000,
  parents: 1000,
  batchNodes: 5000,
  priority: 1_000_000,
  failureLimit: 1000,
  blockRecurrenceLimit: 1000,
  idChars: 64,
  batchKeyChars: 200,
  /** durable subscribers per board (docs/events.md#subscriptions) */
  subscribers: 1000,
  subscriberKinds: 100,
  /** the most descendants one rerunTask({ subtree: true }) reopens (Board.open's rerunSubtreeLimit) */
  rerunSubtree: 1000,
  retentionMs: 10 * 365 * 24 * 3600 * 1000,
} as const

z.config(en())

const bytes = (s: string) => Buffer.byteLength(s, 'utf8')
const sized = (max: number, what: string) => z.string().check(z.refine((s: string) => bytes(s) <= max, { error: `expected ${what} of at most ${max} bytes` }))
/** an integer (zod's int check, as classic zod's .int()) within [min, max] */
const int = (min: number, max: number) => z.number().check(z.int(), z.gte(min), z.lte(max))
const opt = z.optional
const orNull = <T extends z.core.SomeType>(t: T) => z.optional(z.nullable(t))

export const boardName = z.string().check(z.regex(BOARD_NAME, { error: 'expected a board name matching [a-z0-9][a-z0-9_-]{0,63}' }))
export const taskId = z
  .string()
  // no `:`: a task's key is `t:<id>` and its sets `t:<id>:p` and so on, so an id `t1:p` would
  // name another key of the board (docs/security.md#inputs); the board makes ids `t<n>`
  .check(z.minLength(1), z.maxLength(LIMITS.idChars), z.regex(/^[A-Za-z0-9_.-]+$/, { error: 'expected a task id (letters, digits, _ . -)' }))
const TITLE = { error: 'expected a non-empty string of at most 500 characters' }
export const title = z.string(TITLE).check(z.trim(), z.minLength(1, TITLE), z.maxLength(LIMITS.titleChars, TITLE))
export const body = sized(LIMITS.bodyBytes, 'text')
export const text = z.string().check(z.maxLength(LIMITS.textChars))
export const reason = z.string().check(z.trim(), z.minLength(1), z.maxLength(LIMITS.textChars))
export const actor = z.string().check(z.trim(), z.minLength(1), z.maxLength(200))
export const assignee = z
  .string()
  .check(z.trim(), z.toLowerCase(), z.regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, { error: 'expected a lane name like "coder" ([a-z0-9][a-z0-9_.-]{0,63})' }))
export const priority = int(-LIMITS.priority, LIMITS.priority)
const FAILURE_LIMIT = { error: 'expected an integer from 1 to 1000' }
export const failureLimit = z.number(FAILURE_LIMIT).check(z.int(FAILURE_LIMIT), z.gte(1, FAILURE_LIMIT), z.lte(LIMITS.failureLimit, FAILURE_LIMIT))
const BLOCK_RECURRENCE_LIMIT = { error: `expected an integer from 2 to ${LIMITS.blockRecurrenceLimit}` }
/** a block loop needs a second block: 1 would send every block to triage */
export const blockRecurrenceLimit = z
  .number(BLOCK_RECURRENCE_LIMIT)
  .check(z.int(BLOCK_RECURRENCE_LIMIT), z.gte(2, BLOCK_RECURRENCE_LIMIT), z.lte(LIMITS.blockRecurrenceLimit, BLOCK_RECURRENCE_LIMIT))
export const durationMs = int(1, 30 * 24 * 3600 * 1000)
/** a retry backoff's base (docs/blocks-and-breaker.md#retry-backoff): 0 = none, at most a day */
export const retryBackoffMs = int(0, 24 * 3600 * 1000)
export const epochMs = int(0, 8.64e15)
export const metadata = z.record(z.string(), z.unknown(), { error: 'expected a JSON object' }).check(
  z.refine((m: Record<string, unknown>) => bytes(JSON.stringify(m)) <= LIMITS.metadataBytes, {
    error: `expected a JSON object of at most ${LIMITS.metadataBytes} bytes`,
  }),
)
export const runId = z.string().check(z.minLength(1), z.maxLength(64))

const tenant = z.string().check(z.trim(), z.minLength(1), z.maxLength(64))
const taskFields = {
  title,
  body: opt(body),
  assignee: opt(assignee),
  priority: opt(priority),
  tenant: opt(tenant),
  createdBy: opt(actor),
  maxRetries: opt(failureLimit),
  maxRuntimeMs: opt(durationMs),
  retryBackoffMs: opt(retryBackoffMs),
  idempotencyKey: opt(z.string().check(z.minLength(1), z.maxLength(200))),
  triage: opt(z.boolean()),
  initialStatus: opt(z.literal('blocked')),
  runAt: opt(epochMs),
  metadata: opt(metadata),
}
const parents = opt(z.array(taskId).check(z.maxLength(LIMITS.parents)))

export const CreateTaskInput = z.strictObject({ ...taskFields, parents })
export type CreateTaskInput = z.input<typeof CreateTaskInput>

const ref = z.string().check(z.minLength(1), z.maxLength(200))
export const CreateNode = z.strictObject({
  ...taskFields,
  ref,
  dependsOn: opt(z.array(ref).check(z.maxLength(LIMITS.parents))),
  parents,
})
export const CreateNodes = z.array(CreateNode).check(z.minLength(1), z.maxLength(LIMITS.batchNodes))
export type CreateNodeInput = z.input<typeof CreateNode>

/** A createTasks batch key (docs/api.md#batch-keys): also part of a Redis key name, so plain characters only. */
export const batchKey = z.string().check(
  z.regex(/^[A-Za-z0-9][A-Za-z0-9_.:/@+=-]{0,199}$/, {
    error: `expected a batch key of 1-${LIMITS.batchKeyChars} characters: letters, digits and _ . : / @ + = - (not first)`,
  }),
)
export const CreateTasksOptions = opt(z.strictObject({ batchKey: opt(batchKey) }))
export type CreateTasksOptions = NonNullable<z.input<typeof CreateTasksOptions>>

const listFields = {
  status: opt(z.union([z.enum(STATUSES), z.array(z.enum(STATUSES))], { error: `expected a status (${STATUSES.join(', ')}) or a list of them` })),
  assignee: opt(z.string().check(z.trim(), z.toLowerCase())),
  tenant: opt(z.string()),
  includeArchived: opt(z.boolean()),
}
export const ListFilter = opt(
  z.strictObject({
    ...listFields,
    limit: opt(int(1, 100_000)),
    orderBy: opt(z.enum(['priority', 'createdAt'])),
  }),
)
export type ListFilter = NonNullable<z.input<typeof ListFilter>>

/**
 * A listing cursor (a page's `next`): a position in dispatch order, `<task id>@<ord>`
 * (src/listing.ts). The id comes first, so a cursor never starts with a dash (a CLI flag's value).
 */
export const LIST_CURSOR = /^[A-Za-z0-9_.:-]{1,64}@-?\d{1,16}$/
/** the most tasks one page of listTasksPage holds */
export const PAGE_MAX = 1000
export const ListPageFilter = opt(
  z.strictObject({
    ...listFields,
    limit: opt(int(1, PAGE_MAX)),
    after: opt(z.string().check(z.regex(LIST_CURSOR, { error: 'expected a cursor from a previous page (its `next`)' }))),
  }),
)
export type ListPageFilter = NonNullable<z.input<typeof ListPageFilter>>
/** Board.reindex: tasks per call, and whether to walk again from the start */
export const ReindexInput = opt(z.strictObject({ batch: opt(int(1, 1000)), restart: opt(z.boolean()) }))
export type ReindexInput = NonNullable<z.input<typeof ReindexInput>>

export const ClaimInput = z.strictObject({ claimer: actor, ttlMs: opt(durationMs) })
export const HeartbeatInput = z.strictObject({ runId, note: opt(text) })
export const CompleteInput = opt(
  z.strictObject({
    runId: opt(runId),
    result: opt(sized(LIMITS.resultBytes, 'text')),
    summary: opt(text),
    metadata: opt(metadata),
  }),
)
export const BlockInput = z.strictObject({
  reason,
  kind: opt(z.enum(BLOCK_KINDS)),
  runId: opt(runId),
})
export const ScheduleInput = opt(z.strictObject({ reason: opt(text), runId: opt(runId), runAt: opt(epochMs) }))
export const SpecifyInput = opt(z.strictObject({ title: opt(title), body: opt(body), assignee: opt(assignee), author: opt(actor) }))
export const PromoteInput = z.strictObject({ actor, reason: opt(text), force: opt(z.boolean()) })
/** pause / resume dispatch (docs/fleet.md#pause-and-drain): no lane = the whole board */
export const PauseInput = z.strictObject({ lane: opt(assignee), actor, reason: opt(reason) })
export const ResumeInput = z.strictObject({ lane: opt(assignee), actor })
export type PauseInput = z.input<typeof PauseInput>
export type ResumeInput = z.input<typeof ResumeInput>
export const ReclaimInput = opt(z.strictObject({ reason: opt(text) }))
/** rerunTask (docs/lifecycle.md#re-run) */
export const RerunInput = z.strictObject({ actor, reason: opt(reason), subtree: opt(z.boolean()) })
export type RerunInput = z.input<typeof RerunInput>
export const AssignInput = z.nullable(assignee)
export const UpdateInput = z
  .strictObject({
    title: opt(title),
    body: opt(body),
    priority: opt(priority),
    tenant: orNull(tenant),
    maxRetries: orNull(failureLimit),
    maxRuntimeMs: orNull(durationMs),
    retryBackoffMs: orNull(retryBackoffMs),
    metadata: opt(metadata),
  })
  .check(z.refine((p: object) => Object.keys(p).length > 0, { error: 'expected at least one field to update' }))
export const ReviewInput = opt(z.strictObject({ runId: opt(runId), reviewer: opt(assignee), summary: opt(text) }))
export const ChangesInput = z.strictObject({ runId: opt(runId), reason })
export const CommentInput = z.strictObject({ author: actor, body: z.pipe(sized(LIMITS.bodyBytes, 'text'), z.string().check(z.trim(), z.minLength(1))) })
export const FailureInput = z.strictObject({
  runId: opt(runId),
  outcome: z.enum(FAILURE_OUTCOMES),
  error: z.string().check(z.maxLength(100_000)),
  cooldownMs: opt(durationMs),
})
export const EventsQuery = opt(
  z.strictObject({
    taskId: opt(taskId),
    after: opt(z.number().check(z.int(), z.gte(0))),
    limit: opt(int(1, 10_000)),
  }),
)

/** Durable subscribers (docs/events.md#subscriptions). */
export const subscriberName = z
  .string()
  .check(z.regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, { error: 'expected a subscriber name like "notifier" ([a-z0-9][a-z0-9_.-]{0,63})' }))
export const eventId = z.number().check(z.int(), z.gte(0))
const eventKind = z.enum(EVENT_KINDS, { error: `expected an event kind (${EVENT_KINDS.join(', ')})` })
export const SubscriberOptions = opt(
  z.strictObject({
    /** the kinds it reads (null: every kind); on an existing subscriber, replaces its filter */
    kinds: opt(z.nullable(z.array(eventKind).check(z.minLength(1), z.maxLength(LIMITS.subscriberKinds)))),
    /** where a new subscriber starts: after the last event written (default), from the stream's start, or after an event id */
    from: opt(z.union([z.literal('latest'), z.literal('earliest'), eventId], { error: 'expected "latest", "earliest" or an event id' })),
  }),
)
export type SubscriberOptions = NonNullable<z.input<typeof SubscriberOptions>>
export const SubscriberRead = opt(z.strictObject({ limit: opt(int(1, 10_000)), blockMs: opt(int(0, 600_000)) }))
export type SubscriberRead = NonNullable<z.input<typeof SubscriberRead>>

/** workerContext's caps (docs/api.md#workercontext); the defaults are WORKER_CONTEXT_DEFAULTS */
export const WorkerContextOptions = opt(
  z.strictObject({
    maxParents: opt(int(0, LIMITS.parents)),
    maxAttempts: opt(int(0, 1000)),
    maxComments: opt(int(0, 1000)),
    maxFieldBytes: opt(int(256, LIMITS.bodyBytes)),
  }),
)
export type WorkerContextOptions = NonNullable<z.input<typeof WorkerContextOptions>>

/** WorkerOptions.announceEveryMs: how often a worker announces itself (docs/fleet.md#liveness) */
export const announceEveryMs = int(100, 3_600_000)

const RETENTION = { error: `expected an integer number of ms from 1 to ${LIMITS.retentionMs} (10 years), or null for off` }
/** how long a task (or an event) stays, retention's settings (docs/lifecycle.md#retention) */
export const retentionMs = z.number(RETENTION).check(z.int(RETENTION), z.gte(1, RETENTION), z.lte(LIMITS.retentionMs, RETENTION))

/** purge (docs/lifecycle.md#retention): run retention now; dryRun counts what is due and writes nothing */
export const PurgeInput = opt(z.strictObject({ dryRun: opt(z.boolean()) }))
export type PurgeInput = NonNullable<z.input<typeof PurgeInput>>

/** deleteBoard (docs/api.md#boards); maxTasks: stop after deleting about that many tasks (resume with another call) */
export const DeleteBoardInput = z.strictObject({ board: boardName, force: opt(z.boolean()), maxTasks: opt(int(1, 1_000_000_000)) })

/** Board settings, stored in the board's settings hash and shared by every process; null = back to the default. */
export const SettingsInput = z.strictObject({
  failureLimit: orNull(failureLimit),
  blockRecurrenceLimit: orNull(blockRecurrenceLimit),
  claimTtlMs: orNull(int(1000, 24 * 3600 * 1000)),
  rateLimitCooldownMs: orNull(durationMs),
  staleTimeoutMs: orNull(int(0, 24 * 3600 * 1000)),
  maxInProgress: orNull(int(0, 1_000_000)),
  maxInProgressPerAssignee: orNull(int(0, 1_000_000)),
  defaultAssignee: orNull(assignee),
  taskEventsMax: orNull(int(10, 100_000)),
  eventStreamMax: orNull(int(1000, 10_000_000)),
  tasksPerJob: orNull(int(1, 100)),
  batchKeyTtlMs: orNull(int(60_000, 90 * 24 * 3600 * 1000)),
  retryBackoffMs: orNull(retryBackoffMs),
  retryBackoffMaxMs: orNull(int(1, 7 * 24 * 3600 * 1000)),
  archiveDoneAfterMs: orNull(retentionMs),
  deleteArchivedAfterMs: orNull(retentionMs),
  eventStreamRetentionMs: orNull(retentionMs),
})
export type SettingsInput = z.input<typeof SettingsInput>

export type BlockKindInput = (typeof BLOCK_KINDS)[number]
export type FailureOutcomeInput = (typeof FAILURE_OUTCOMES)[number]

/** Bulk operations by filter (src/bulk.ts, docs/api.md#bulk-operations). */
export const BULK_OPS = ['unblock', 'retry', 'archive', 'reassign', 'delete'] as const
export const BULK_LIMITS = { examinePerCall: 10_000, changePerCall: 1_000 } as const
const STATUS_OR_LIST = { error: `expected a status (${STATUSES.join(', ')}) or a non-empty list of them` }
export const BulkFilter = z.strictObject({
  status: opt(z.union([z.enum(STATUSES), z.array(z.enum(STATUSES)).check(z.minLength(1))], STATUS_OR_LIST)),
  /** null: tasks without a lane / without a tenant */
  lane: orNull(assignee),
  tenant: orNull(tenant),
})
export const BulkInput = z.strictObject({
  op: z.enum(BULK_OPS),
  filter: opt(BulkFilter),
  /** archive and delete refuse an empty filter unless this is set */
  all: opt(z.boolean()),
  actor,
  /** reassign only: the new lane, null to unassign */
  to: orNull(assignee),
  dryRun: opt(z.boolean()),
  limit: opt(int(1, 1_000_000_000)),
  cursor: opt(z.string().check(z.minLength(1), z.maxLength(300))),
  examinePerCall: opt(int(1, BULK_LIMITS.examinePerCall)),
  changePerCall: opt(int(1, BULK_LIMITS.changePerCall)),
})
export type BulkInput = z.input<typeof BulkInput>
export type BulkFilter = z.input<typeof BulkFilter>
