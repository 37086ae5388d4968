/**
 * Board fixture: a fresh board per test on the run's Redis, closed and its keys removed
 * afterwards. `openBoard()` inside a test (or `beforeEach`) gives the board; every extra
 * connection opened through `extraConnection()` is closed too, so no test leaks one.
 */
import { afterEach } from 'vitest'
import { Redis } from 'ioredis'
import { Board } from '../../src/index.js'
import { deleteBoardKeys, dumpBoardKeys, redisUrl, uniqueBoardName } from './redis.js'

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

export async function openBoard(prefix = 't', opts: { recomputeBatch?: number; autoEnqueue?: boolean } = {}): Promise<Board> {
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
  return dumpBoardKeys(extraConnection(), board.name)
}
