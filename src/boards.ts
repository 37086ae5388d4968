/**
 * Boards as a whole (docs/api.md#boards): the registry that lists them, `listBoards`, and
 * `deleteBoard`. Functions of a connection, not of a Board handle: listing reads every
 * board, and deleting one must not go through a handle that would register it again.
 *
 * The registry is one set, `kb:boards` (keys.ts#BOARD_REGISTRY), outside every board's hash
 * tag: in a Redis Cluster it lives in a slot of its own, so it is written with a plain
 * command beside a board's scripts, never inside one (a script touching both would be a
 * cross-slot call). A Board handle adds its board at its first script call; deleteBoard
 * removes it last.
 */
import type { Cluster, Redis } from 'ioredis'
import { openRedis } from './redisTarget.js'
import { BOARD_REGISTRY, boardKeys } from './keys.js'
import { KanbanError, ValidationError, show } from './errors.js'
import { Scripts } from './scripts.js'
import { DISPATCH_QUEUE, laneQueueName } from './lanes.js'
import { parse } from './validate.js'
import * as S from './schemas.js'
import { STATUSES, type Status } from './status.js'
import type { BoardInfo } from './types.js'

type Conn = Redis | Cluster

/** Adds a board to the registry (a handle's first script call). */
export async function registerBoard(redis: Conn, board: string): Promise<void> {
  await redis.sadd(BOARD_REGISTRY, board)
}

/** A connection for the call: the caller's (kept open), or one made from a URL (closed after). */
async function withConnection<T>(op: string, redis: unknown, fn: (conn: Conn) => Promise<T>): Promise<T> {
  if (typeof redis === 'string') {
    const conn = openRedis(redis, { lazyConnect: true, maxRetriesPerRequest: 3 })
    await conn.connect()
    try {
      return await fn(conn)
    } finally {
      await conn.quit().catch(() => conn.disconnect())
    }
  }
  if (!redis || typeof redis !== 'object' || typeof (redis as Redis).sadd !== 'function') {
    throw new ValidationError('INVALID_INPUT', `${op}: redis: expected a Redis URL or an ioredis instance, got ${show(redis)}`, { field: 'redis' })
  }
  return fn(redis as Conn)
}

/** boards read at once: one pipeline each (a board's keys share a slot; boards do not) */
const LIST_CONCURRENCY = 50

/**
 * Every board in the registry, by name: its task count per status and the time of its
 * newest event. Reads only (the registry in pages, then one pipeline per board); never a
 * scan of the keyspace. A board whose keys are gone but whose entry is left (its keys
 * deleted by hand) shows with no task and no activity.
 */
export async function listBoards(opts: { redis: string | Conn }): Promise<BoardInfo[]> {
  return withConnection('listBoards', opts?.redis, async (redis) => {
    const names: string[] = []
    let cursor = '0'
    do {
      const [next, page] = await redis.sscan(BOARD_REGISTRY, cursor, 'COUNT', 500)
      cursor = next
      names.push(...page)
    } while (cursor !== '0')
    const unique = [...new Set(names)].sort()
    const out: BoardInfo[] = []
    for (let i = 0; i < unique.length; i += LIST_CONCURRENCY)
      out.push(...(await Promise.all(unique.slice(i, i + LIST_CONCURRENCY).map((n) => boardInfo(redis, n)))))
    return out
  })
}

/** One board's row of listBoards, read whether or not the registry has it (`kanban serve` lists the boards it serves). */
export async function boardInfo(redis: Conn, name: string): Promise<BoardInfo> {
  const keys = boardKeys(name)
  const p = redis.pipeline()
  for (const s of STATUSES) p.zcard(keys.status(s))
  p.xrevrange(keys.events, '+', '-', 'COUNT', 1)
  const r = (await p.exec()) ?? []
  const byStatus = Object.fromEntries(STATUSES.map((s, i) => [s, Number(r[i]?.[1] ?? 0)])) as Record<Status, number>
  const last = (r[STATUSES.length]?.[1] ?? []) as [string, string[]][]
  return { name, total: Object.values(byStatus).reduce((a, b) => a + b, 0), byStatus, lastActivityAt: lastEventAt(last[0]) }
}

/** The `at` of a stream entry (includes/events.lua: field `e` is the event's JSON). */
function lastEventAt(entry: [string, string[]] | undefined): number | null {
  if (!entry) return null
  const fields = entry[1]
  const e = fields[fields.indexOf('e') + 1]
  try {
    const at = (JSON.parse(e ?? 'null') as { at?: number } | null)?.at
    return typeof at === 'number' ? at : null
  } catch {
    return null
  }
}

export interface DeleteBoardOptions {
  redis: string | Conn
  board: string
  /** delete it even while tasks are running (their workers' later writes are refused: the tasks are gone) */
  force?: boolean
  /** stop after deleting about this many tasks; call again to go on (default: the whole board) */
  maxTasks?: number
}

export interface DeleteBoardResult {
  /** false: stopped at maxTasks with tasks left; call again */
  done: boolean
  deletedTasks: number
  /** BullMQ queues removed (the board's lane queues and its dispatch queue) */
  queuesRemoved: number
}

/** tasks per deleteBoard script call: about as long as a tick's batch */
const DELETE_BATCH = 100

/**
 * Deletes a board: its tasks (each through removeTask, in calls of DELETE_BATCH), its
 * board-wide keys, its BullMQ queues and its registry entry — many calls, each bounded, and
 * resumable: a deletion cut short (maxTasks, a crash) goes on at the next call. Refused with
 * RUNS_OPEN while a task is running unless `force`; BOARD_NOT_FOUND for a board with no keys
 * and no registry entry. Stop the board's dispatchers, workers and producers first: the
 * first call pauses dispatch, but a process still writing to the board makes it again.
 */
export async function deleteBoard(opts: DeleteBoardOptions): Promise<DeleteBoardResult> {
  const { redis: conn, ...rest } = opts ?? ({} as DeleteBoardOptions)
  const v = parse('deleteBoard', S.DeleteBoardInput, rest)
  return withConnection('deleteBoard', conn, async (redis) => {
    const keys = boardKeys(v.board)
    const op = `deleteBoard ${v.board}`
    const [listed, present] = await Promise.all([
      redis.sismember(BOARD_REGISTRY, v.board),
      redis.exists(keys.seq, keys.settings, keys.events, keys.lanes, ...STATUSES.map((s) => keys.status(s))),
    ])
    if (!listed && !present) {
      throw new KanbanError('BOARD_NOT_FOUND', `${op}: board: expected an existing board, got ${show(v.board)} (no keys, not in the registry)`, {
        board: v.board,
      })
    }
    const scripts = new Scripts(redis, keys)
    const max = v.maxTasks ?? Infinity
    let deletedTasks = 0
    let queuesRemoved = 0
    for (;;) {
      for (;;) {
        const r = await scripts.call('deleteBoard', { count: Math.min(DELETE_BATCH, max - deletedTasks), ...(v.force ? { force: true } : {}) }, op)
        if (!('left' in r)) throw new Error(`${op}: unexpected reply`)
        deletedTasks += r.deleted
        if (r.left === 0) break
        if (deletedTasks >= max) return { done: false, deletedTasks, queuesRemoved }
      }
      queuesRemoved += await removeQueues(redis, keys)
      const f = await scripts.call('deleteBoard', { count: 0, final: true }, op)
      if ('done' in f && f.done) break
      // a task was created meanwhile: delete it too
    }
    await redis.srem(BOARD_REGISTRY, v.board)
    return { done: true, deletedTasks, queuesRemoved }
  })
}

/**
 * The board's BullMQ queues — its dispatch queue and a queue per lane it ever had a job or
 * a worker in (`lanes`, and the lanes in flight) — obliterated with BullMQ's own bounded,
 * looping script. Returns how many queues it removed.
 */
async function removeQueues(redis: Conn, keys: ReturnType<typeof boardKeys>): Promise<number> {
  const [lanes, inflight] = await Promise.all([redis.smembers(keys.lanes), redis.hkeys(keys.inflight)])
  const names = [DISPATCH_QUEUE, ...new Set([...lanes, ...inflight].filter(Boolean).map(laneQueueName))]
  const { Queue } = await import('bullmq')
  for (const name of names) {
    const q = new Queue(name, { connection: redis, prefix: keys.bullPrefix, skipMetasUpdate: true })
    try {
      await q.obliterate({ force: true, count: 1000 })
    } finally {
      await q.close()
    }
  }
  return names.length
}
