/**
 * Every Redis key of a board, built in one place. All keys share the hash tag
 * `{kb:<board>}`, so a board — its tasks, indexes, event stream and BullMQ queues — lives
 * in one Redis Cluster slot. The Lua scripts build their keys from this scheme too: their
 * `keys` include is made from boardKeys when the scripts load (luaKeys.ts), so a key is
 * named here and nowhere else.
 */
import type { Status } from './status.js'

export const BOARD_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/

export interface BoardKeys {
  /** `{kb:<board>}:` — prefix of every key, passed to each script as ARGV[1]. */
  prefix: string
  /** BullMQ's `prefix` option for this board's queues (same hash tag). */
  bullPrefix: string
  settings: string
  seq: string
  idem: string
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
  /** lane -> smallest worker concurrency announced in a 30 s window (lanecap.lua) */
  laneCap(window: number): string
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
    laneCap: (w) => `${p}lanecap:${w}`,
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
  }
}
