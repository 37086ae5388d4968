/**
 * Input schemas: the single source of truth for what each operation accepts, with the
 * documented size limits. Types of resolved inputs are derived with z.infer.
 */
import { z } from 'zod'
import { BLOCK_KINDS, FAILURE_OUTCOMES, STATUSES } from './status.js'
import { BOARD_NAME } from './keys.js'

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
  idChars: 64,
} as const

const bytes = (s: string) => Buffer.byteLength(s, 'utf8')
const sized = (max: number, what: string) =>
  z.string().refine((s) => bytes(s) <= max, { error: `expected ${what} of at most ${max} bytes` })

export const boardName = z
  .string()
  .regex(BOARD_NAME, { error: 'expected a board name matching [a-z0-9][a-z0-9_-]{0,63}' })
export const taskId = z
  .string()
  .min(1)
  .max(LIMITS.idChars)
  .regex(/^[A-Za-z0-9_.:-]+$/, { error: 'expected a task id (letters, digits, _ . : -)' })
export const title = z
  .string({ error: 'expected a non-empty string of at most 500 characters' })
  .trim()
  .min(1, { error: 'expected a non-empty string of at most 500 characters' })
  .max(LIMITS.titleChars, { error: 'expected a non-empty string of at most 500 characters' })
export const body = sized(LIMITS.bodyBytes, 'text')
export const text = z.string().max(LIMITS.textChars)
export const reason = z.string().trim().min(1).max(LIMITS.textChars)
export const actor = z.string().trim().min(1).max(200)
export const assignee = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, { error: 'expected a lane name like "coder" ([a-z0-9][a-z0-9_.-]{0,63})' })
export const priority = z.number().int().min(-LIMITS.priority).max(LIMITS.priority)
export const failureLimit = z
  .number({ error: 'expected an integer from 1 to 1000' })
  .int({ error: 'expected an integer from 1 to 1000' })
  .min(1, { error: 'expected an integer from 1 to 1000' })
  .max(LIMITS.failureLimit, { error: 'expected an integer from 1 to 1000' })
export const durationMs = z.number().int().min(1).max(30 * 24 * 3600 * 1000)
export const epochMs = z.number().int().min(0).max(8.64e15)
export const metadata = z
  .record(z.string(), z.unknown(), { error: 'expected a JSON object' })
  .refine((m) => bytes(JSON.stringify(m)) <= LIMITS.metadataBytes, {
    error: `expected a JSON object of at most ${LIMITS.metadataBytes} bytes`,
  })
export const runId = z.string().min(1).max(64)

const taskFields = {
  title,
  body: body.optional(),
  assignee: assignee.optional(),
  priority: priority.optional(),
  tenant: z.string().trim().min(1).max(64).optional(),
  createdBy: actor.optional(),
  maxRetries: failureLimit.optional(),
  maxRuntimeMs: durationMs.optional(),
  idempotencyKey: z.string().min(1).max(200).optional(),
  triage: z.boolean().optional(),
  initialStatus: z.literal('blocked').optional(),
  runAt: epochMs.optional(),
  metadata: metadata.optional(),
}

export const CreateTaskInput = z.strictObject({
  ...taskFields,
  parents: z.array(taskId).max(LIMITS.parents).optional(),
})
export type CreateTaskInput = z.input<typeof CreateTaskInput>

export const CreateNode = z.strictObject({
  ...taskFields,
  ref: z.string().min(1).max(200),
  dependsOn: z.array(z.string().min(1).max(200)).max(LIMITS.parents).optional(),
  parents: z.array(taskId).max(LIMITS.parents).optional(),
})
export const CreateNodes = z.array(CreateNode).min(1).max(LIMITS.batchNodes)
export type CreateNodeInput = z.input<typeof CreateNode>

export const ListFilter = z
  .strictObject({
    status: z
      .union([z.enum(STATUSES), z.array(z.enum(STATUSES))], { error: `expected a status (${STATUSES.join(', ')}) or a list of them` })
      .optional(),
    assignee: z.string().trim().toLowerCase().optional(),
    tenant: z.string().optional(),
    includeArchived: z.boolean().optional(),
    limit: z.number().int().min(1).max(100_000).optional(),
    orderBy: z.enum(['priority', 'createdAt']).optional(),
  })
  .optional()
export type ListFilter = NonNullable<z.input<typeof ListFilter>>

export const ClaimInput = z.strictObject({ claimer: actor, ttlMs: durationMs.optional() })
export const HeartbeatInput = z.strictObject({ runId, note: text.optional() })
export const CompleteInput = z
  .strictObject({
    runId: runId.optional(),
    result: sized(LIMITS.resultBytes, 'text').optional(),
    summary: text.optional(),
    metadata: metadata.optional(),
  })
  .optional()
export const BlockInput = z.strictObject({
  reason,
  kind: z.enum(BLOCK_KINDS).optional(),
  runId: runId.optional(),
})
export const ScheduleInput = z
  .strictObject({ reason: text.optional(), runId: runId.optional(), runAt: epochMs.optional() })
  .optional()
export const SpecifyInput = z
  .strictObject({ title: title.optional(), body: body.optional(), assignee: assignee.optional(), author: actor.optional() })
  .optional()
export const PromoteInput = z.strictObject({ actor, reason: text.optional(), force: z.boolean().optional() })
export const ReclaimInput = z.strictObject({ reason: text.optional() }).optional()
export const AssignInput = assignee.nullable()
export const UpdateInput = z
  .strictObject({
    title: title.optional(),
    body: body.optional(),
    priority: priority.optional(),
    tenant: z.string().trim().min(1).max(64).nullable().optional(),
    maxRetries: failureLimit.nullable().optional(),
    maxRuntimeMs: durationMs.nullable().optional(),
    metadata: metadata.optional(),
  })
  .refine((p) => Object.keys(p).length > 0, { error: 'expected at least one field to update' })
export const ReviewInput = z
  .strictObject({ runId: runId.optional(), reviewer: assignee.optional(), summary: text.optional() })
  .optional()
export const ChangesInput = z.strictObject({ runId: runId.optional(), reason })
export const CommentInput = z.strictObject({ author: actor, body: sized(LIMITS.bodyBytes, 'text').pipe(z.string().trim().min(1)) })
export const FailureInput = z.strictObject({
  runId: runId.optional(),
  outcome: z.enum(FAILURE_OUTCOMES),
  error: z.string().max(100_000),
  cooldownMs: durationMs.optional(),
})
export const EventsQuery = z
  .strictObject({
    taskId: taskId.optional(),
    after: z.number().int().min(0).optional(),
    limit: z.number().int().min(1).max(10_000).optional(),
  })
  .optional()

/** Board settings, stored in the board's settings hash and shared by every process; null = back to the default. */
export const SettingsInput = z.strictObject({
  failureLimit: failureLimit.nullable().optional(),
  claimTtlMs: z.number().int().min(1000).max(24 * 3600 * 1000).nullable().optional(),
  rateLimitCooldownMs: durationMs.nullable().optional(),
  staleTimeoutMs: z.number().int().min(0).max(24 * 3600 * 1000).nullable().optional(),
  maxInProgress: z.number().int().min(0).max(1_000_000).nullable().optional(),
  maxInProgressPerAssignee: z.number().int().min(0).max(1_000_000).nullable().optional(),
  defaultAssignee: assignee.nullable().optional(),
  taskEventsMax: z.number().int().min(10).max(100_000).nullable().optional(),
  eventStreamMax: z.number().int().min(1000).max(10_000_000).nullable().optional(),
  tasksPerJob: z.number().int().min(1).max(100).nullable().optional(),
})
export type SettingsInput = z.input<typeof SettingsInput>


export type BlockKindInput = (typeof BLOCK_KINDS)[number]
export type FailureOutcomeInput = (typeof FAILURE_OUTCOMES)[number]
