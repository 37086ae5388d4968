/**
 * Every key of a board and its content (DUMP), for "nothing was written": the property
 * tests compare it before and after a refused call.
 */
import { Redis } from 'ioredis'
import { afterAll } from 'vitest'
import type { Board } from '../../src/index.js'
import { redisUrl } from '../helpers/redis.js'

let conn: Redis | undefined
afterAll(() => conn?.disconnect())

export async function snapshot(board: Board | string): Promise<Record<string, string | null>> {
  conn ??= new Redis(redisUrl())
  const name = typeof board === 'string' ? board : board.name
  const keys: string[] = []
  let cursor = '0'
  do {
    const [next, batch] = await conn.scan(cursor, 'MATCH', `\\{kb:${name}\\}*`, 'COUNT', 1000)
    cursor = next
    keys.push(...batch)
  } while (cursor !== '0')
  const out: Record<string, string | null> = {}
  for (const k of keys.sort()) out[k] = (await conn.dumpBuffer(k))?.toString('base64') ?? null
  return out
}
