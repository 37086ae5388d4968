/**
 * Read paths: plain Redis reads (MULTI for a consistent snapshot of one task), never a
 * script, never a write. Hash fields are turned into the API's shapes here.
 */
import type { Cluster, Redis } from 'ioredis'
import type { BoardKeys } from './keys.js'
import { STATUSES, type Status } from './status.js'
import type { BoardSettings, BoardStats, Comment, KanbanEvent, ListingStats, PauseState, Run, Task } from './types.js'
import { DEFAULT_SETTINGS } from './types.js'

type Conn = Redis | Cluster
type Hash = Record<string, string>

const str = (v: string | undefined): string | null => (v === undefined || v === '' ? null : v)
const int = (v: string | undefined): number | null => (v === undefined || v === '' ? null : Number(v))
const json = <T>(v: string | undefined, fallback: T): T => (v ? (JSON.parse(v) as T) : fallback)

export function toTask(h: Hash, parents: string[]): Task {
  return {
    id: h.id!,
    title: h.title!,
    body: str(h.body),
    assignee: str(h.assignee),
    status: h.status as Status,
    priority: Number(h.priority ?? 0),
    tenant: str(h.tenant),
    createdBy: str(h.createdBy),
    createdAt: Number(h.createdAt),
    startedAt: int(h.startedAt),
    completedAt: int(h.completedAt),
    result: str(h.result),
    idempotencyKey: str(h.idempotencyKey),
    consecutiveFailures: Number(h.consecutiveFailures ?? 0),
    lastFailureError: str(h.lastFailureError),
    maxRetries: int(h.maxRetries),
    maxRuntimeMs: int(h.maxRuntimeMs),
    currentRunId: str(h.currentRunId),
    leaseExpiresAt: int(h.leaseExpiresAt),
    lastHeartbeatAt: int(h.lastHeartbeatAt),
    blockKind: str(h.blockKind) as Task['blockKind'],
    blockReason: str(h.blockReason),
    blockRecurrences: Number(h.blockRecurrences ?? 0),
    sticky: h.sticky === '1',
    runAt: int(h.runAt),
    cooldownUntil: int(h.cooldownUntil),
    cooldownReason: h.cooldownUntil ? (h.cooldownReason === 'backoff' ? 'backoff' : 'rate_limited') : null,
    retryBackoffMs: int(h.retryBackoffMs),
    metadata: json(h.metadata, {}),
    parents: [...parents].sort(),
  }
}

/** The trace id of a run's stored traceparent (`tp`, traceRuns.lua): read without loading the OpenTelemetry api. */
const traceIdOf = (tp: string | undefined): string | null => (tp && /^[0-9a-f]{2}-[0-9a-f]{32}-/.test(tp) ? tp.slice(3, 35) : null)

export function toRun(h: Hash): Run {
  return {
    id: h.id!,
    taskId: h.taskId!,
    assignee: str(h.assignee),
    claimer: h.claimer!,
    startedAt: Number(h.startedAt),
    endedAt: int(h.endedAt),
    outcome: (str(h.outcome) as Run['outcome']) ?? null,
    summary: str(h.summary),
    error: str(h.error),
    metadata: json(h.metadata, null),
    fromReview: h.fromReview === '1',
    traceId: traceIdOf(h.tp),
  }
}

export async function getTask(redis: Conn, keys: BoardKeys, id: string): Promise<Task | null> {
  const r = await redis.multi().hgetall(keys.task(id)).smembers(keys.parents(id)).exec()
  const h = r?.[0]?.[1] as Hash
  if (!h || !h.id) return null
  return toTask(h, r?.[1]?.[1] as string[])
}

export async function getTasks(redis: Conn, keys: BoardKeys, ids: string[]): Promise<Task[]> {
  if (ids.length === 0) return []
  const p = redis.pipeline()
  for (const id of ids) p.hgetall(keys.task(id)).smembers(keys.parents(id))
  const r = (await p.exec()) ?? []
  const out: Task[] = []
  for (let i = 0; i < ids.length; i++) {
    const h = r[2 * i]?.[1] as Hash
    if (h && h.id) out.push(toTask(h, r[2 * i + 1]?.[1] as string[]))
  }
  return out
}

export async function runs(redis: Conn, keys: BoardKeys, taskId: string): Promise<Run[]> {
  const ids = ((await redis.hget(keys.task(taskId), 'runIds')) ?? '').split(' ').filter(Boolean)
  if (ids.length === 0) return []
  const p = redis.pipeline()
  for (const rid of ids) p.hgetall(keys.run(rid))
  const r = (await p.exec()) ?? []
  return r
    .map(([, h]) => h as Hash)
    .filter((h) => h && h.id)
    .map(toRun)
}

export async function comments(redis: Conn, keys: BoardKeys, taskId: string): Promise<Comment[]> {
  return (await redis.lrange(keys.comments(taskId), 0, -1)).map((s) => JSON.parse(s) as Comment)
}

/** A stored event (compact JSON, see includes/events.lua) in the API's shape. */
export function decodeEvent(json: string, taskId: string | null): KanbanEvent {
  const e = JSON.parse(json) as Partial<KanbanEvent> & { id: number; kind: string; at: number }
  const ev: KanbanEvent = { id: e.id, taskId, runId: e.runId ?? null, kind: e.kind, payload: e.payload ?? null, at: e.at }
  if (e.actor !== undefined) ev.actor = e.actor
  return ev
}

export async function taskEvents(redis: Conn, keys: BoardKeys, taskId: string, after: number, limit: number) {
  const all = (await redis.lrange(keys.taskEvents(taskId), 0, -1)).map((s) => decodeEvent(s, taskId))
  return all.filter((e) => e.id > after).slice(0, limit)
}

export function parseStreamEntries(entries: [string, string[]][]): KanbanEvent[] {
  return entries.map(([, fields]) => {
    const f: Record<string, string> = {}
    for (let i = 0; i < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!
    return decodeEvent(f.e!, f.t ?? null)
  })
}

export async function boardEvents(redis: Conn, keys: BoardKeys, after: number, limit: number) {
  const start = after > 0 ? `(${after}-0` : '-'
  const entries = (await redis.xrange(keys.events, start, '+', 'COUNT', limit)) as [string, string[]][]
  return parseStreamEntries(entries)
}

export async function settings(redis: Conn, keys: BoardKeys): Promise<BoardSettings> {
  const h = (await redis.hgetall(keys.settings)) as Hash
  const n = (k: keyof typeof DEFAULT_SETTINGS) => (h[k] !== undefined ? Number(h[k]) : DEFAULT_SETTINGS[k])
  return {
    failureLimit: h.failureLimit !== undefined ? Number(h.failureLimit) : 2,
    failureLimitSource: h.failureLimit !== undefined ? 'board' : 'default',
    blockRecurrenceLimit: n('blockRecurrenceLimit'),
    claimTtlMs: n('claimTtlMs'),
    rateLimitCooldownMs: n('rateLimitCooldownMs'),
    staleTimeoutMs: n('staleTimeoutMs'),
    maxInProgress: n('maxInProgress'),
    maxInProgressPerAssignee: n('maxInProgressPerAssignee'),
    defaultAssignee: h.defaultAssignee ?? null,
    taskEventsMax: n('taskEventsMax'),
    eventStreamMax: n('eventStreamMax'),
    tasksPerJob: n('tasksPerJob'),
    batchKeyTtlMs: n('batchKeyTtlMs'),
    retryBackoffMs: n('retryBackoffMs'),
    retryBackoffMaxMs: n('retryBackoffMaxMs'),
    archiveDoneAfterMs: int(h.archiveDoneAfterMs),
    deleteArchivedAfterMs: int(h.deleteArchivedAfterMs),
    eventStreamRetentionMs: int(h.eventStreamRetentionMs),
  }
}

/** The board-wide counters of `stats`; the per-lane and per-tenant ones are listing.ts#listingStats', the dispatcher's liveness.ts'. */
export async function stats(redis: Conn, keys: BoardKeys): Promise<Omit<BoardStats, keyof ListingStats | 'dispatcher'>> {
  const now = await serverTime(redis)
  const p = redis.pipeline()
  for (const s of STATUSES) p.zcard(keys.status(s))
  p.scard(keys.nsblocked)
  p.zcount(keys.leases, '-inf', now)
  p.zcount(keys.cooldowns, now, '+inf')
  p.zcount(keys.scheduled, '-inf', now)
  p.hgetall(keys.paused)
  const replies = (await p.exec()) ?? []
  const paused = (replies.pop()?.[1] ?? {}) as Hash
  const r = replies.map(([, v]) => Number(v))
  const byStatus = Object.fromEntries(STATUSES.map((s, i) => [s, r[i]!])) as Record<Status, number>
  const k = STATUSES.length
  return {
    total: r.slice(0, k).reduce((a, b) => a + b, 0),
    byStatus,
    breakerBlocked: r[k]!,
    stickyBlocked: byStatus.blocked - r[k]!,
    running: byStatus.running,
    expiredLeases: r[k + 1]!,
    coolingDown: r[k + 2]!,
    scheduledDue: r[k + 3]!,
    paused: pausesOf(paused),
  }
}

/** The paused scopes from the `paused` hash (includes/pause.lua): the board (`*`) first, then lanes by name. */
export function pausesOf(h: Hash): PauseState[] {
  return Object.entries(h)
    .map(([field, v]) => pauseOf(field, v))
    .sort((a, b) => (a.lane === null ? -1 : b.lane === null ? 1 : a.lane < b.lane ? -1 : a.lane > b.lane ? 1 : 0))
}

function pauseOf(field: string, v: string): PauseState {
  const s = JSON.parse(v) as { by: string; reason?: string; since: number }
  return { lane: field === '*' ? null : field, by: s.by, reason: s.reason ?? null, since: s.since }
}

/** Whether a task is handed to BullMQ, and what is in flight in its lane and on the board. */
export async function dispatchView(redis: Conn, keys: BoardKeys, task: Task) {
  const r = await redis
    .multi()
    .zscore(keys.queued, task.id)
    .hget(keys.inflight, task.assignee ?? '')
    .zcard(keys.status('running'))
    .zcard(keys.queued)
    .hgetall(keys.paused)
    .hget(keys.settings, 'defaultAssignee')
    .exec()
  const v = (i: number) => r?.[i]?.[1]
  // the board's pause, else the lane's (an unassigned task's: the default lane's): the one
  // that holds the task back. The hash has a field per paused lane: small.
  const pauses = (v(4) ?? {}) as Hash
  const laneName = task.assignee ?? str((v(5) as string | null) ?? undefined)
  const board = pauses['*']
  const lane = laneName ? pauses[laneName] : undefined
  return {
    queued: v(0) !== null && v(0) !== undefined,
    laneInFlight: Number(v(1) ?? 0),
    boardInFlight: Number(v(2) ?? 0) + Number(v(3) ?? 0),
    paused: board ? pauseOf('*', board) : lane && laneName ? pauseOf(laneName, lane) : null,
  }
}

/** The Redis server's clock (epoch ms): the one clock every lease and expiry uses. */
export async function serverTime(redis: Conn): Promise<number> {
  const [s, us] = (await (redis as Redis).time()) as [string | number, string | number]
  return Number(s) * 1000 + Math.floor(Number(us) / 1000)
}
