/**
 * Every error the library raises is a KanbanError with a stable `code`. Lua scripts return
 * `{ err = CODE, ... }` and `fromScriptError` is the one place that turns those into errors.
 */
export const ERROR_CODES = [
  'INVALID_INPUT',
  'TASK_NOT_FOUND',
  'UNKNOWN_PARENT',
  'SELF_LINK',
  'CYCLE',
  'DUPLICATE_REF',
  'UNKNOWN_REF',
  'INVALID_STATE',
  'STALE_RUN',
  'GRAPH_TOO_LARGE',
  'SUBTREE_TOO_LARGE',
  'BOARD_CLOSED',
  'STALE_LEADER',
  // deleteBoard (docs/api.md#boards)
  'RUNS_OPEN',
  'BOARD_NOT_FOUND',
  // a subprocess handler's channel to its worker (docs/handler-protocol.md)
  'NOT_OWN_TASK',
  'CHANNEL_REFUSED',
  'CHANNEL_FAILED',
  // a createTasks batch key already used for other content (docs/api.md#batch-keys)
  'BATCH_KEY_CONFLICT',
  // durable subscriptions (docs/events.md#subscriptions)
  'SUBSCRIBER_NOT_FOUND',
  'EVENTS_TRIMMED',
  // Board.open's durability: a terminal write not acknowledged by enough replicas (docs/failover.md)
  'NOT_REPLICATED',
] as const
export type ErrorCode = (typeof ERROR_CODES)[number]

export class KanbanError extends Error {
  readonly code: ErrorCode
  readonly details: Record<string, unknown>
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause })
    this.name = 'KanbanError'
    this.code = code
    this.details = details
  }
}

/** Bad input: the message names the field, what was expected and what was given. */
export class ValidationError extends KanbanError {
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details)
    this.name = 'ValidationError'
  }
}

export class NotFoundError extends KanbanError {
  constructor(id: string, op?: string) {
    super('TASK_NOT_FOUND', `${op ? `${op}: ` : ''}task: expected an existing task id, got ${JSON.stringify(id)}`, { id })
    this.name = 'NotFoundError'
  }
}

/** The task is not in a status that allows the operation, or the run id is not the open run. */
export class StateError extends KanbanError {
  constructor(code: 'INVALID_STATE' | 'STALE_RUN', message: string, details: Record<string, unknown> = {}) {
    super(code, message, details)
    this.name = 'StateError'
  }
}

export const isKanbanError = (e: unknown): e is KanbanError => e instanceof KanbanError
export const isValidationError = (e: unknown): e is ValidationError => e instanceof ValidationError
export const isNotFoundError = (e: unknown): e is NotFoundError => e instanceof NotFoundError
export const isStateError = (e: unknown): e is StateError => e instanceof StateError

/** Render a value for an error message without flooding it. */
export function show(value: unknown): string {
  if (value === undefined) return 'undefined'
  let s: string
  try {
    s = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value))
  } catch {
    s = String(value)
  }
  if (s.length > 80) s = `${s.slice(0, 77)}...(${s.length} chars)`
  return s
}

export interface ScriptErr {
  err: string
  id?: string
  path?: string[]
  status?: string
  runId?: string
  openRunId?: string
  limit?: number
  fence?: string
  batchKey?: string
  name?: string
  /** INVALID_INPUT: the field, what was expected ("expected ..."), what was given */
  field?: string
  expected?: string
  got?: unknown
  count?: number
  ids?: string[]
}

/** The one mapping from a script's `{ err }` reply to a typed error. */
export function fromScriptError(op: string, r: ScriptErr): KanbanError {
  switch (r.err) {
    case 'TASK_NOT_FOUND':
      return new NotFoundError(r.id ?? '', op)
    case 'UNKNOWN_PARENT':
      return new ValidationError('UNKNOWN_PARENT', `${op}: parents: expected ids of existing tasks, got unknown id ${show(r.id)}`, { id: r.id })
    case 'SELF_LINK':
      return new ValidationError('SELF_LINK', `${op}: expected two different tasks, got a self link on ${show(r.id)}`, {
        id: r.id,
      })
    case 'CYCLE':
      return new ValidationError('CYCLE', `${op}: expected an acyclic graph, got a cycle ${(r.path ?? []).join(' -> ')}`, { path: r.path })
    case 'GRAPH_TOO_LARGE':
      return new KanbanError('GRAPH_TOO_LARGE', `${op}: cycle check visits at most ${r.limit} descendants of ${show(r.id)}; link refused`, {
        id: r.id,
        limit: r.limit,
      })
    case 'SUBTREE_TOO_LARGE':
      return new KanbanError('SUBTREE_TOO_LARGE', `${op}: the subtree of ${show(r.id)} has more than ${r.limit} tasks; re-run refused, nothing changed`, {
        id: r.id,
        limit: r.limit,
      })
    case 'STALE_RUN':
      return new StateError('STALE_RUN', `${op}: runId: expected the open run of ${r.id} (${r.openRunId ?? 'none'}), got ${show(r.runId)}`, {
        id: r.id,
        runId: r.runId,
        openRunId: r.openRunId,
      })
    case 'STALE_LEADER':
      return new KanbanError('STALE_LEADER', `${op}: dispatcher lease lost (fence ${String(r.fence)} is no longer current); tick abandoned`, {
        fence: r.fence,
      })
    case 'RUNS_OPEN': {
      const ids = Array.isArray(r.ids) ? r.ids : []
      const more = (r.count ?? 0) > ids.length ? ', …' : ''
      return new KanbanError(
        'RUNS_OPEN',
        `${op}: expected no open run (or force), got ${r.count} running task${r.count === 1 ? '' : 's'} (${ids.join(', ')}${more}); nothing was deleted`,
        { count: r.count, ids },
      )
    }
    case 'INVALID_STATE':
      return new StateError('INVALID_STATE', `${op}: task ${r.id} is ${r.status}, which does not allow it`, {
        id: r.id,
        status: r.status,
      })
    case 'BATCH_KEY_CONFLICT':
      return new ValidationError(
        'BATCH_KEY_CONFLICT',
        `${op}: batchKey: expected the same nodes as the batch first created with ${show(r.batchKey)}, got different content (use a new key for a new batch)`,
        { field: 'batchKey', batchKey: r.batchKey },
      )
    case 'SUBSCRIBER_NOT_FOUND':
      return new KanbanError('SUBSCRIBER_NOT_FOUND', `${op}: name: expected an existing subscriber, got ${show(r.name)}`, { field: 'name', name: r.name })
    case 'INVALID_INPUT':
      // input only the board's state can judge (an event id it has not written, a full
      // list of subscribers): the script names the field and what it expected
      return new ValidationError('INVALID_INPUT', `${op}: ${r.field ?? 'input'}: ${r.expected ?? 'expected valid input'}, got ${show(r.got)}`, {
        field: r.field,
        got: r.got,
      })
    default:
      return new KanbanError('INVALID_STATE', `${op}: script refused with ${r.err}`, { ...r })
  }
}
