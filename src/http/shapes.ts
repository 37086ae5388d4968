/**
 * The response shapes of the HTTP API as JSON Schema, for the OpenAPI document: the
 * library's types (types.ts) and the views of views.ts. Kept next to those types by hand;
 * test/http/openapi.test.ts checks real responses against them.
 */
type Schema = Record<string, unknown>

const str = { type: 'string' }
const int = { type: 'integer' }
const bool = { type: 'boolean' }
const nullable = (s: Schema): Schema => ({ anyOf: [s, { type: 'null' }] })
const arr = (items: Schema): Schema => ({ type: 'array', items })
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` })
const obj = (properties: Record<string, Schema>, optional: string[] = [], extra: Schema = {}): Schema => ({
  type: 'object',
  properties,
  required: Object.keys(properties).filter((k) => !optional.includes(k)),
  ...extra,
})
const anyObject = { type: 'object', additionalProperties: true }
const STATUS = { type: 'string', enum: ['triage', 'todo', 'scheduled', 'ready', 'running', 'blocked', 'review', 'done', 'archived'] }

export const SHAPES: Record<string, Schema> = {
  Status: STATUS,
  Task: obj({
    id: str,
    title: str,
    body: nullable(str),
    assignee: nullable(str),
    status: ref('Status'),
    priority: int,
    tenant: nullable(str),
    createdBy: nullable(str),
    createdAt: int,
    startedAt: nullable(int),
    completedAt: nullable(int),
    result: nullable(str),
    idempotencyKey: nullable(str),
    consecutiveFailures: int,
    lastFailureError: nullable(str),
    maxRetries: nullable(int),
    maxRuntimeMs: nullable(int),
    currentRunId: nullable(str),
    leaseExpiresAt: nullable(int),
    lastHeartbeatAt: nullable(int),
    blockKind: nullable({ type: 'string', enum: ['dependency', 'needs_input', 'capability', 'transient'] }),
    blockReason: nullable(str),
    blockRecurrences: int,
    sticky: bool,
    runAt: nullable(int),
    cooldownUntil: nullable(int),
    metadata: anyObject,
    parents: arr(str),
  }),
  Brief: obj({ id: str, title: str, status: ref('Status'), sticky: bool, assignee: nullable(str) }),
  Run: obj({
    id: str,
    taskId: str,
    assignee: nullable(str),
    claimer: str,
    startedAt: int,
    endedAt: nullable(int),
    outcome: nullable(str),
    summary: nullable(str),
    error: nullable(str),
    metadata: nullable(anyObject),
    fromReview: bool,
  }),
  KanbanEvent: obj({ id: int, taskId: nullable(str), runId: nullable(str), kind: str, payload: nullable(anyObject), at: int, actor: str }, ['actor']),
  Comment: obj({ author: str, body: str, at: int }),
  Claim: obj({ taskId: str, runId: str, leaseExpiresAt: int }),
  FailureResult: obj({ tripped: bool, failures: int, limit: int, limitSource: { type: 'string', enum: ['task', 'board', 'default'] } }),
  Explanation: obj({
    id: str,
    status: ref('Status'),
    runnable: bool,
    reasons: arr(obj({ code: str, message: str, data: anyObject })),
    text: str,
  }),
  PauseState: obj({ lane: nullable(str), by: str, reason: nullable(str), since: int }),
  BoardStats: obj({
    total: int,
    byStatus: { type: 'object', additionalProperties: int },
    breakerBlocked: int,
    stickyBlocked: int,
    running: int,
    expiredLeases: int,
    coolingDown: int,
    scheduledDue: int,
    paused: arr(ref('PauseState')),
  }),
  BoardSettings: obj({
    failureLimit: int,
    failureLimitSource: { type: 'string', enum: ['board', 'default'] },
    blockRecurrenceLimit: int,
    claimTtlMs: int,
    rateLimitCooldownMs: int,
    staleTimeoutMs: int,
    maxInProgress: int,
    maxInProgressPerAssignee: int,
    defaultAssignee: nullable(str),
    taskEventsMax: int,
    eventStreamMax: int,
    tasksPerJob: int,
  }),
  DispatchResult: {
    type: 'object',
    additionalProperties: true,
    description: "one tick's counts and, in `ids`, the task ids per category (docs/fleet.md#a-tick)",
  },
  WorkerContext: obj({
    task: ref('Task'),
    parents: arr(obj({ id: str, title: str, status: ref('Status'), result: nullable(str) })),
    priorAttempts: arr(ref('Run')),
    comments: arr(ref('Comment')),
  }),
  Error: obj({
    error: obj({ code: str, message: str, field: str, details: anyObject }, ['field', 'details']),
  }),
  Refused: obj({ ok: { const: false }, error: ref('Error/properties/error'), task: nullable(ref('Task')) }, [], {
    description: 'a refusal by state (409): the error and the task as it is now',
  }),
  Action: obj({ ok: bool, task: nullable(ref('Task')) }),
  TaskPage: obj({ tasks: arr(ref('Task')), next: nullable(str), scanned: int, truncated: bool }),
  Detail: obj({
    task: ref('Task'),
    explain: ref('Explanation'),
    parents: arr(ref('Brief')),
    children: arr(ref('Brief')),
    runs: arr(ref('Run')),
    comments: arr(ref('Comment')),
    events: arr(ref('KanbanEvent')),
    limits: obj({ failureLimit: int, source: { type: 'string', enum: ['task', 'board', 'default'] }, blockRecurrenceLimit: int }),
  }),
  NeedsYou: obj({
    items: arr(
      obj({
        task: ref('Task'),
        kind: { type: 'string', enum: ['sticky_block', 'breaker_open', 'triage', 'review'] },
        reason: nullable(str),
        since: int,
        holdsUp: int,
        holdsUpExact: bool,
        explain: nullable(ref('Explanation')),
      }),
    ),
    total: int,
    truncated: bool,
  }),
  Graph: obj(
    {
      nodes: arr(
        obj({
          id: str,
          title: str,
          status: ref('Status'),
          assignee: nullable(str),
          priority: int,
          sticky: bool,
          breaker: bool,
          failures: int,
          limit: int,
          depth: int,
        }),
      ),
      edges: arr(obj({ from: str, to: str })),
      truncated: bool,
      frontier: arr(str),
      blocking: arr(str),
    },
    ['blocking'],
  ),
  Fleet: obj({
    lanes: arr(
      obj({
        lane: str,
        ready: int,
        running: int,
        inFlight: int,
        paused: nullable(ref('PauseState')),
        workers: obj({ concurrency: nullable(int) }),
      }),
    ),
    unassignedReady: int,
    readyCounted: int,
    readyTruncated: bool,
    dispatcher: obj({ leader: nullable(str), fence: nullable(int), leaseExpiresAt: nullable(int), lastTickAt: nullable(int) }),
    paused: arr(ref('PauseState')),
    httpWorkers: arr(obj({ lane: str, waiting: int })),
  }),
  BulkResult: obj({
    action: str,
    dryRun: bool,
    matched: int,
    applied: int,
    results: arr(obj({ id: str, ok: bool, status: nullable(ref('Status')), error: str }, ['error'])),
  }),
  Me: obj({ name: str, role: { type: 'string', enum: ['viewer', 'operator', 'admin'] }, boards: nullable(arr(str)) }),
  WorkerClaim: obj({ claim: ref('Claim'), ttlMs: int, task: ref('Task') }),
}
