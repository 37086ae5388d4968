/**
 * The HTTP API's one error shape, `{ error: { code, message, field?, details? } }`, and the
 * one mapping from the library's errors (errors.ts) to a status: bad input 400, an unknown
 * task 404, a refusal by state 409 (docs/http-api.md#errors).
 */
import { KanbanError, type ErrorCode } from '../errors.js'

/** Codes only the HTTP layer gives (the library's ErrorCode covers the rest). */
export type HttpCode =
  ErrorCode | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'CROSS_SITE' | 'BOARD_NOT_FOUND' | 'NOT_FOUND' | 'TOO_LARGE' | 'RATE_LIMITED' | 'UNAVAILABLE' | 'INTERNAL'

export interface ErrorBody {
  code: HttpCode
  message: string
  field?: string
  details?: Record<string, unknown>
}

export class HttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 503,
    readonly code: HttpCode,
    message: string,
    readonly extra: { field?: string; details?: Record<string, unknown>; headers?: Record<string, string>; body?: Record<string, unknown> } = {},
  ) {
    super(message)
    this.name = 'HttpError'
  }
}

const STATUS: Partial<Record<ErrorCode, HttpError['status']>> = {
  INVALID_INPUT: 400,
  UNKNOWN_PARENT: 400,
  SELF_LINK: 400,
  CYCLE: 400,
  DUPLICATE_REF: 400,
  UNKNOWN_REF: 400,
  TASK_NOT_FOUND: 404,
  INVALID_STATE: 409,
  STALE_RUN: 409,
  GRAPH_TOO_LARGE: 409,
  SUBTREE_TOO_LARGE: 409,
  BOARD_CLOSED: 503,
  // Redis refusing (docs/security.md): memory frees up, a user's rights are the operator's to fix
  OUT_OF_MEMORY: 503,
  NO_PERMISSION: 500,
}

/** Redis unreachable, or the connection broke (ioredis' messages). */
export function isConnectionError(e: unknown): boolean {
  const m = e instanceof Error ? e.message : ''
  return /Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|max retries per request|Stream isn't writeable|connect ETIMEDOUT/i.test(m)
}

/** Any thrown value as a status and the error body; `internal` says it is a bug to log. */
export function toHttpError(e: unknown): { status: HttpError['status']; body: Record<string, unknown>; headers: Record<string, string>; internal: boolean } {
  if (e instanceof HttpError) {
    const error: ErrorBody = { code: e.code, message: e.message }
    if (e.extra.field !== undefined) error.field = e.extra.field
    if (e.extra.details !== undefined) error.details = e.extra.details
    return { status: e.status, body: { ...e.extra.body, error }, headers: e.extra.headers ?? {}, internal: false }
  }
  if (e instanceof KanbanError) {
    const status = STATUS[e.code] ?? 409
    const { field, issues: _issues, ...details } = e.details as { field?: unknown; issues?: unknown }
    const error: ErrorBody = { code: e.code, message: e.message }
    if (typeof field === 'string') error.field = field
    if (Object.keys(details).length > 0) error.details = details
    return { status, body: { error }, headers: {}, internal: false }
  }
  if (isConnectionError(e)) {
    return {
      status: 503,
      body: { error: { code: 'UNAVAILABLE', message: 'Redis is unreachable; try again' } },
      headers: { 'retry-after': '1' },
      internal: false,
    }
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error (logged by the server)' } }, headers: {}, internal: true }
}
