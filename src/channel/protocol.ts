/**
 * The handler channel's wire format, shared by the worker's server (server.ts) and the
 * light client the CLI uses inside a handler (client.ts). Imports nothing: the client must
 * stay cheap to load. The protocol is described for other languages in
 * docs/handler-protocol.md.
 *
 * One JSON object per line each way, replies in request order on a connection:
 *   request  { "op": "complete", "secret": "...", "task"?: "t4", "run"?: "r12", ...fields }
 *   reply    { "ok": true, "result": ..., "task"?: {...} }   (a write's reply: its task right after it)
 *          | { "ok": false, "error": { "code", "name", "message" } }
 */

/** Environment variables a subprocess handler gets besides KANBAN_BOARD / KANBAN_TASK / KANBAN_RUN_ID. */
export const ENV_CHANNEL = 'KANBAN_CHANNEL'
export const ENV_SECRET = 'KANBAN_CHANNEL_SECRET'

/** The operation's own fields per op; `op`, `secret`, `task` and `run` are the envelope. */
export const OP_FIELDS = {
  complete: ['result', 'summary', 'metadata'],
  block: ['reason', 'kind'],
  review: ['reviewer', 'summary'],
  heartbeat: ['note'],
  fail: ['outcome', 'error', 'cooldownMs'],
  context: ['maxParents', 'maxAttempts', 'maxComments', 'maxFieldBytes'],
  comment: ['body', 'author'],
  create: [
    'title',
    'body',
    'assignee',
    'priority',
    'parents',
    'tenant',
    'createdBy',
    'maxRetries',
    'maxRuntimeMs',
    'retryBackoffMs',
    'idempotencyKey',
    'triage',
    'initialStatus',
    'runAt',
    'metadata',
  ],
  get: [],
} as const satisfies Record<string, readonly string[]>

export type Op = keyof typeof OP_FIELDS
export const OPS = Object.keys(OP_FIELDS) as Op[]

export const ENVELOPE = ['op', 'secret', 'task', 'run'] as const

/** A request line longer than this is refused and the connection closed (inputs are at most ~200 KB). */
export const MAX_LINE_BYTES = 1024 * 1024

export interface ReplyError {
  /** an ErrorCode of the library (errors.ts) */
  code: string
  /** the library's error class: ValidationError = bad input, anything else = refused */
  name: string
  message: string
}

/** The writes on the handler's own task, whose replies carry that task as it is right after the write. */
export const WRITES: readonly Op[] = ['complete', 'block', 'review', 'heartbeat', 'fail']

export type Reply = { ok: true; result: unknown; task?: unknown } | { ok: false; error: ReplyError }
