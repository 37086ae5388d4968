/**
 * Request bodies of the HTTP API, made from the library's own input schemas (schemas.ts):
 * the same fields and limits, minus what the token decides (`createdBy`, `author`,
 * `actor`, `claimer` are the token's name), plus the worker endpoints' required run id.
 * A body is parsed with the library's `parse`, so a bad one is the library's
 * ValidationError (code and field); the OpenAPI document shows them as JSON Schema.
 */
import * as z from 'zod/mini'
import * as S from '../schemas.js'

const opt = z.optional
const empty = opt(z.strictObject({}))

export const BODIES = {
  CreateTaskBody: z.omit(S.CreateTaskInput, { createdBy: true }),
  DagBody: z.strictObject({ tasks: z.array(z.omit(S.CreateNode, { createdBy: true })).check(z.minLength(1), z.maxLength(S.LIMITS.batchNodes)) }),
  UpdateBody: S.UpdateInput,
  AssignBody: z.strictObject({ assignee: S.AssignInput }),
  SpecifyBody: opt(z.omit(S.SpecifyInput.def.innerType, { author: true })),
  CommentBody: z.pick(S.CommentInput, { body: true }),
  LinkBody: z.strictObject({ parent: S.taskId }),
  ClaimBody: opt(z.omit(S.ClaimInput, { claimer: true })),
  HeartbeatBody: S.HeartbeatInput,
  CompleteBody: S.CompleteInput,
  BlockBody: S.BlockInput,
  UnblockBody: empty,
  ScheduleBody: S.ScheduleInput,
  PromoteBody: opt(z.omit(S.PromoteInput, { actor: true })),
  ReclaimBody: S.ReclaimInput,
  ReviewBody: S.ReviewInput,
  ChangesBody: S.ChangesInput,
  FailBody: S.FailureInput,
  SettingsBody: S.SettingsInput,
  PauseBody: opt(z.omit(S.PauseInput, { actor: true })),
  ResumeBody: opt(z.omit(S.ResumeInput, { actor: true })),
  DispatchBody: opt(z.strictObject({ dryRun: opt(z.boolean()) })),
  EmptyBody: empty,
  /** the library's bulk operation by filter (the actor is the token) */
  BulkBody: z.omit(S.BulkInput, { actor: true }),
  RerunBody: opt(z.omit(S.RerunInput, { actor: true })),
  PurgeBody: S.PurgeInput,
  ReindexBody: S.ReindexInput,
  LoginBody: z.strictObject({ token: z.string().check(z.minLength(1), z.maxLength(4096)) }),
  WorkerClaimBody: z.strictObject({
    lanes: z.array(S.assignee).check(z.minLength(1), z.maxLength(20)),
    name: opt(z.string().check(z.trim(), z.minLength(1), z.maxLength(100))),
    waitMs: opt(z.number().check(z.int(), z.gte(0), z.lte(30_000))),
  }),
  WorkerHeartbeatBody: S.HeartbeatInput,
  WorkerCompleteBody: z.extend(S.CompleteInput.def.innerType, { runId: S.runId }),
  WorkerBlockBody: z.extend(S.BlockInput, { runId: S.runId }),
  WorkerReviewBody: z.extend(S.ReviewInput.def.innerType, { runId: S.runId }),
  WorkerFailBody: z.extend(S.FailureInput, { runId: S.runId }),
  WorkerReleaseBody: z.strictObject({ runId: S.runId, reason: S.reason }),
}
export type BodyName = keyof typeof BODIES
export type Body<N extends BodyName> = z.output<(typeof BODIES)[N]>

/** A body schema as JSON Schema (draft 2020-12, what OpenAPI 3.1 uses), for the document. */
export function bodyJsonSchema(name: BodyName): Record<string, unknown> {
  const s = z.toJSONSchema(BODIES[name], { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
  delete s.$schema
  return s
}
