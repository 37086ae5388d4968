/**
 * Opening a command's board on Redis: the one CLI module that loads ioredis and the library
 * (Board, its zod schemas). main.ts imports it dynamically, once a command has parsed its
 * flags, so `--help`, usage errors and a handler channel never pay for it (docs/cli.md).
 */
import type { Redis } from 'ioredis'
import { openRedis } from '../redisTarget.js'
import { Board } from '../board.js'
import { ConnectError, type Opened } from './context.js'

const redact = (url: string) => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')

/**
 * One connection that fails fast: a short connect timeout, no reconnect loop, one retry
 * per command — a CLI must say "Redis unreachable" instead of hanging.
 */
export async function connect(url: string): Promise<Redis> {
  let last: Error | undefined
  const conn = openRedis(url, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  })
  conn.on('error', (e: Error) => {
    last = e
  })
  try {
    await conn.connect()
    await conn.ping()
  } catch (e) {
    conn.disconnect()
    const why = (last ?? (e as Error)).message || String(e)
    throw new ConnectError(`cannot reach Redis at ${redact(url)}: ${why}`)
  }
  return conn
}

/**
 * The board with autoEnqueue (tasks a command makes ready are in BullMQ when it returns).
 * `keep` false (dispatcher, worker: they open their own connections, with reconnects):
 * only proves that the board name is valid and Redis answers, then lets both go.
 */
export async function openRedisBoard(redisUrl: string, boardName: string, keep: boolean): Promise<Opened> {
  const conn = await connect(redisUrl)
  let board: Board | undefined
  try {
    board = await Board.open({ redis: conn, board: boardName, autoEnqueue: true })
  } catch (e) {
    conn.disconnect()
    throw e
  }
  if (!keep) {
    await board.close()
    conn.disconnect()
    return { board: undefined, close: async () => undefined }
  }
  return {
    board,
    async close() {
      await board.close().catch(() => undefined)
      await conn.quit().catch(() => conn.disconnect())
    },
  }
}
