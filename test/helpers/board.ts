/**
 * Board fixture: a fresh board per test on the run's Redis, closed and its keys removed
 * afterwards. `openBoard()` inside a test (or `beforeEach`) gives the board; every extra
 * connection opened through `extraConnection()` is closed too, so no test leaks one.
 */
import { afterEach } from 'vitest'
import { Redis } from 'ioredis'
import { Board } from '../../src/index.js'
import { deleteBoardKeys, redisUrl, uniqueBoardName } from './redis.js'

const opened: { board: Board; name: string }[] = []
const conns: Redis[] = []

afterEach(async () => {
  const url = redisUrl()
  for (const { board, name } of opened.splice(0)) {
    await board.close()
    await deleteBoardKeys(url, name)
  }
  for (const c of conns.splice(0)) await c.quit().catch(() => c.disconnect())
})

export async function openBoard(prefix = 't', opts: { recomputeBatch?: number } = {}): Promise<Board> {
  const name = uniqueBoardName(prefix)
  const board = await Board.open({ redis: redisUrl(), board: name, ...opts })
  opened.push({ board, name })
  return board
}

/** Another Board handle on the same board over its own connection (a second process). */
export async function reopen(board: Board): Promise<Board> {
  const other = await Board.open({ redis: redisUrl(), board: board.name })
  opened.push({ board: other, name: board.name })
  return other
}

export function extraConnection(): Redis {
  const c = new Redis(redisUrl())
  conns.push(c)
  return c
}

/** Every key of the board with its type and content, to assert that nothing was written. */
export async function snapshot(board: Board): Promise<Record<string, unknown>> {
  const r = extraConnection()
  const out: Record<string, unknown> = {}
  let cursor = '0'
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `\\{kb:${board.name}\\}*`, 'COUNT', 500)
    cursor = next
    for (const k of keys) {
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
