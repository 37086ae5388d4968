/**
 * Every Redis key of a board, built in one place. All keys share the hash tag
 * `{kb:<board>}`, so a board — its tasks, indexes, event stream and BullMQ queues — lives
 * in one Redis Cluster slot. The Lua scripts build their keys from this scheme too: their
 * `keys` include is made from boardKeys when the scripts load (luaKeys.ts), so a key is
 * named here and nowhere else.
 */
import type { Status } from './status.js'

export const BOARD_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/

/**
 * The registry of boards (docs/architecture.md#the-board-registry): a set of board names,
 * written by a handle's first script call. Not a board key: it has a slot of its own, so no
 * script touches it together with a board's keys (which would be a cross-slot call in a
 * Redis Cluster); the library writes it with a plain command beside the script.
 */
export const BOARD_REGISTRY = 'kb:boards'

/**
 * Dashboard sessions (docs/deployment.md#sessions): `kb:session:<sha256 of the session id>`,
 * one hash per session with a TTL. Not board keys: a session is per server, not per board,
 * so each has a slot of its own; every replica of `kanban serve` on the Redis shares them.
 */
export const SESSION_PREFIX = 'kb:session:'

export interface BoardKeys {
  /** `{kb:<board>}:` — prefix of every key, passed to each script as ARGV[1]. */
  prefix: string
  /** BullMQ's `prefix` option for this board's queues (same hash tag). */
  bullPrefix: string
  settings: string
  seq: string
  idem: string
  /** idempotency keys of tasks with a tenant: `<length of tenant>:<tenant>:<key>` -> task id (includes/idem.lua) */
  idemTenant: string
  /** durable subscribers: name -> { cursor, kinds?, createdAt, ackedAt? } as JSON (docs/events.md#subscriptions) */
  subscribers: string
  events: string
  leases: string
  heartbeats: string
  deadlines: string
  scheduled: string
  cooldowns: string
  nsblocked: string
  /** ready/review tasks waiting for dispatch, with / without an assignee */
  dispatchQueue: string
  dispatchUnassigned: string
  /** tasks handed to BullMQ and not yet claimed (score: when) */
  queued: string
  leader: string
  /** in-flight (queued + running) count per lane */
  inflight: string
  /** paused dispatch: field `*` (the board) or a lane -> { by, reason, since } as JSON (includes/pause.lua) */
  paused: string
  /** recompute-ready's work: tasks to re-check, the full-sweep flag and its cursor */
  recheck: string
  recheckAll: string
  sweep: string
  /** retention (docs/lifecycle.md#retention): done / archived tasks by the time they entered that status (includes/status.lua) */
  doneSince: string
  archivedSince: string
  /** retention's one-time pass over tasks done / archived before those sets existed: status -> cursor | 'end' */
  sinceFill: string
  /** retention's marks on the event stream: event id -> the time it was the last one written (sweepRetention.lua) */
  eventMarks: string
  /** every lane that got a BullMQ lane job or a worker announcement: the queues deleteBoard removes */
  lanes: string
  /** lane -> smallest worker concurrency announced in a 30 s window (lanecap.lua) */
  laneCap(window: number): string
  /** live workers: worker id -> when its announcement expires (announceLanes.lua, liveness.ts) */
  workers: string
  /** a worker's last announcement (name, host, pid, lanes, concurrency, times); expires with it */
  worker(id: string): string
  /** the dispatcher's last tick: when it took the leader lease, and who (acquireLeader.lua) */
  lastTick: string
  status(s: Status): string
  /**
   * The listing indexes (includes/listing.lua): a status index narrowed to one lane, one
   * tenant, or both, scored like `status` (dispatch order). A lane name has no `:` (the
   * assignee schema), so `a:<lane>:t:<tenant>` cannot be read two ways.
   */
  statusLane(s: Status, lane: string): string
  statusTenant(s: Status, tenant: string): string
  statusLaneTenant(s: Status, lane: string, tenant: string): string
  /** a lane's ready tasks by when they became ready; lane '' = unassigned */
  readySince(lane: string): string
  /** the lanes and the tenants that have tasks (score 0, by name) */
  laneNames: string
  tenantNames: string
  /** the backfill of the listing indexes on a board older than them: `done`, or its cursor */
  reindex: string
  task(id: string): string
  parents(id: string): string
  children(id: string): string
  taskEvents(id: string): string
  comments(id: string): string
  run(runId: string): string
  /** a large createTasks' scratch hash, its lanes and its reserved jobs: live for one MULTI / EXEC (includes/createBatch.lua) */
  createBatch(batchId: string): string
  createBatchLanes(batchId: string): string
  createBatchJobs(batchId: string): string
  /** a createTasks batch key's record: the content's digest and the ref -> id map, kept for batchKeyTtlMs (docs/api.md#batch-keys) */
  batchRecord(batchKey: string): string
  /** batch key -> when its record expires: the live records, so deleteBoard finds them (includes/batchRecord.lua) */
  batchKeys: string
}

export function boardKeys(board: string): BoardKeys {
  const tag = `{kb:${board}}`
  const p = `${tag}:`
  return {
    prefix: p,
    bullPrefix: tag,
    settings: `${p}settings`,
    seq: `${p}seq`,
    idem: `${p}idem`,
    idemTenant: `${p}idemt`,
    subscribers: `${p}subs`,
    events: `${p}events`,
    leases: `${p}leases`,
    heartbeats: `${p}hb`,
    deadlines: `${p}deadlines`,
    scheduled: `${p}sched`,
    cooldowns: `${p}cooldowns`,
    nsblocked: `${p}nsblocked`,
    dispatchQueue: `${p}dq`,
    dispatchUnassigned: `${p}dqu`,
    queued: `${p}queued`,
    leader: `${p}leader`,
    inflight: `${p}inflight`,
    paused: `${p}paused`,
    recheck: `${p}recheck`,
    recheckAll: `${p}recheckAll`,
    sweep: `${p}sweep`,
    doneSince: `${p}since:done`,
    archivedSince: `${p}since:archived`,
    sinceFill: `${p}since:fill`,
    eventMarks: `${p}evmarks`,
    lanes: `${p}lanes`,
    laneCap: (w) => `${p}lanecap:${w}`,
    workers: `${p}workers`,
    worker: (id) => `${p}w:${id}`,
    lastTick: `${p}tick`,
    status: (s) => `${p}s:${s}`,
    statusLane: (s, lane) => `${p}s:${s}:a:${lane}`,
    statusTenant: (s, tenant) => `${p}s:${s}:t:${tenant}`,
    statusLaneTenant: (s, lane, tenant) => `${p}s:${s}:a:${lane}:t:${tenant}`,
    readySince: (lane) => `${p}rs:${lane}`,
    laneNames: `${p}ix:lanes`,
    tenantNames: `${p}ix:tenants`,
    reindex: `${p}ix:walk`,
    task: (id) => `${p}t:${id}`,
    parents: (id) => `${p}t:${id}:p`,
    children: (id) => `${p}t:${id}:c`,
    taskEvents: (id) => `${p}t:${id}:ev`,
    comments: (id) => `${p}t:${id}:cm`,
    run: (runId) => `${p}r:${runId}`,
    createBatch: (id) => `${p}cb:${id}`,
    createBatchLanes: (id) => `${p}cb:${id}:l`,
    createBatchJobs: (id) => `${p}cb:${id}:r`,
    batchRecord: (key) => `${p}bk:${key}`,
    batchKeys: `${p}bks`,
  }
}

/**
 * The live multi-board dispatchers (multiDispatcher.ts): a sorted set, holder -> expiry
 * (epoch ms), which they read to share the boards out. Outside every board, like the registry.
 */
export const DISPATCHER_REGISTRY = 'kb:dispatchers'
