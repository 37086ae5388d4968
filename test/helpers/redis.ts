/**
 * Test helpers for talking to the Redis chosen by test/setup/global.ts.
 *
 * Tests share ONE Redis across parallel files, so they must never FLUSHDB:
 * give each test its own board (`uniqueBoardName()`) and clean up with
 * `deleteBoardKeys(url, board)`, which removes exactly the `{kb:<board>}*` keys.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { inject } from 'vitest'
import { findFreePort, startRedisServer, type RedisServerHandle, type StartRedisServerOptions } from '../../src/testing/index.js'

/** URL of the Redis chosen for this test run (provided by the globalSetup). */
export function redisUrl(): string {
  const url = inject('redisUrl') ?? process.env.KANBAN_TEST_REDIS_URL ?? process.env.REDIS_URL
  if (!url) {
    throw new Error('no Redis URL: run the tests through vitest (its globalSetup test/setup/global.ts provides one) or set REDIS_URL')
  }
  return url
}

export const BOARD_NAME_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/

let boardCounter = 0

/**
 * A board name that is unique across parallel test files and processes:
 * `<prefix>-<pid36>-<counter36>-<random>`, always matching BOARD_NAME_RE.
 */
export function uniqueBoardName(prefix = 't'): string {
  let p = prefix.toLowerCase().replace(/[^a-z0-9_-]+/g, '-')
  if (!/^[a-z0-9]/.test(p)) p = `t${p}`
  const suffix = `-${process.pid.toString(36)}-${(boardCounter++).toString(36)}-${randomBytes(4).toString('hex')}`
  p = p.slice(0, 64 - suffix.length)
  const name = `${p}${suffix}`
  if (!BOARD_NAME_RE.test(name)) throw new Error(`uniqueBoardName produced an invalid name: ${name}`)
  return name
}

/** Escape Redis glob metacharacters (`* ? [ ] \ { }` are escaped; braces are literal in Redis globs but harmless to escape). */
function globEscape(s: string): string {
  return s.replace(/[*?[\]\\{}^]/g, (c) => `\\${c}`)
}

/**
 * Delete every key of a board (`{kb:<board>}*`) with SCAN + UNLINK in batches, and its
 * registry entry.
 * Returns the number of keys removed. Never touches other keys.
 */
export async function deleteBoardKeys(redisUrl: string, board: string): Promise<number> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true })
  await redis.connect()
  try {
    const match = `${globEscape(`{kb:${board}}`)}*`
    let cursor = '0'
    let removed = 0
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000)
      cursor = next
      for (let i = 0; i < keys.length; i += 500) {
        removed += await redis.unlink(...keys.slice(i, i + 500))
      }
    } while (cursor !== '0')
    // and its entry in the board registry (src/boards.ts), so listBoards stays short
    await redis.srem('kb:boards', board)
    return removed
  } finally {
    redis.disconnect()
  }
}

/** A private redis-server that can be stopped, crashed and restarted on the same port and dir. */
export interface OwnRedis {
  /** Stays the same across restarts. */
  readonly url: string
  readonly port: number
  /** Data dir (AOF lives here); kept across restarts, removed at the end of withOwnRedis. */
  readonly dir: string
  /** pid of the current process (changes on restart). */
  readonly pid: number
  /** Whether the server is currently running. */
  readonly running: boolean
  /** Graceful stop (SHUTDOWN NOSAVE). No-op if not running. */
  stop(): Promise<void>
  /** SIGKILL (crash). No-op if not running. */
  kill(): Promise<void>
  /** Start again on the same port/dir/options. No-op if running. */
  start(): Promise<void>
  /** stop() (or kill() with `{ crash: true }`) then start(). */
  restart(opts?: { crash?: boolean }): Promise<void>
  /** Tail of the current process's log. */
  logTail(): string
}

export type OwnRedisOptions = Omit<StartRedisServerOptions, 'port' | 'dir'>

/**
 * Run `fn` with a private redis-server (a fresh temp dir and port), for tests
 * that restart or crash Redis. The server is stopped and its dir removed
 * afterwards, even if `fn` throws. Pass `{ appendonly: true }` for durability tests.
 */
export async function withOwnRedis<T>(fn: (srv: OwnRedis) => Promise<T>, opts: OwnRedisOptions = {}): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kanban-own-redis-'))
  const port = await findFreePort()
  let current: RedisServerHandle | undefined
  const start = async () => {
    if (current) return
    current = await startRedisServer({ ...opts, port, dir })
  }
  const srv: OwnRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    get pid() {
      return current?.pid ?? -1
    },
    get running() {
      return current !== undefined
    },
    async stop() {
      const c = current
      current = undefined
      await c?.stop()
    },
    async kill() {
      const c = current
      current = undefined
      await c?.kill()
    },
    start,
    async restart(o = {}) {
      await (o.crash ? srv.kill() : srv.stop())
      await start()
    },
    logTail() {
      return current?.logTail() ?? ''
    },
  }
  try {
    await start()
    return await fn(srv)
  } finally {
    await srv.stop().catch(() => {})
    await rm(dir, { recursive: true, force: true }).catch(() => {})
  }
}

/**
 * Every key of a board with its content (`skip` leaves keys out): equal dumps before and
 * after an operation = it wrote nothing.
 */
export async function dumpBoardKeys(r: Redis, board: string, skip: (key: string) => boolean = () => false): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {}
  let cursor = '0'
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `\\{kb:${board}\\}*`, 'COUNT', 1000)
    cursor = next
    for (const k of keys) {
      if (skip(k)) continue
      const type = await r.type(k)
      if (type === 'hash') out[k] = await r.hgetall(k)
      else if (type === 'set') out[k] = (await r.smembers(k)).sort()
      else if (type === 'zset') out[k] = await r.zrange(k, 0, -1, 'WITHSCORES')
      else if (type === 'list') out[k] = await r.lrange(k, 0, -1)
      else if (type === 'stream') out[k] = await r.xrange(k, '-', '+')
      else out[k] = await r.get(k)
    }
  } while (cursor !== '0')
  return out
}
