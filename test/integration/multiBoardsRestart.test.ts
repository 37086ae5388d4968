/**
 * A multi-board dispatcher and worker through a Redis crash (docs/fleet.md#many-boards): the
 * Redis process is SIGKILLed while boards have work, and restarted on its port from its
 * append-only file (fsync always: nothing acknowledged is lost). While it is gone the
 * processes report errors and stop nowhere; once it is back every task is done, each with
 * one completed run.
 */
import { rm } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { Board, MultiDispatcher, MultiWorker } from '../../src/index.js'
import { findFreePort, startRedisServer, type RedisServerHandle } from '../../src/testing/index.js'

let port: number
let dir: string
let server: RedisServerHandle
const aof = () => ['--appendfsync', 'always']

beforeAll(async () => {
  port = await findFreePort()
  server = await startRedisServer({ port, appendonly: true, extraArgs: aof() })
  dir = server.dir
}, 60_000)

afterAll(async () => {
  await server?.stop()
  // the restarted server was given the first one's directory, so it leaves it behind
  if (dir) await rm(dir, { recursive: true, force: true })
})

const until = async (fn: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000) => {
  const end = Date.now() + timeoutMs
  while (
    !(await Promise.resolve()
      .then(fn)
      .catch(() => false))
  ) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('many boards through a Redis crash', () => {
  it('every task done once after Redis comes back', { timeout: 120_000 }, async () => {
    const url = server.url
    const conn = new Redis(url, { maxRetriesPerRequest: null }).on('error', () => undefined)
    const boards = await Promise.all([0, 1, 2].map((i) => Board.open({ redis: conn, board: `crash-${i}` })))
    const ids = new Map<Board, string[]>()
    for (const b of boards) ids.set(b, [await b.createTask({ title: 'before', assignee: 'alpha' })])

    const errors: string[] = []
    const d = await new MultiDispatcher({
      redis: url,
      boards: 'crash-*',
      intervalMs: 100,
      discoverEveryMs: 300,
      leaseTtlMs: 2000,
      onError: (e) => errors.push(String(e)),
    }).start()
    // a slow handler, so that work is in flight when Redis dies
    const workerConn = new Redis(url, { maxRetriesPerRequest: null }).on('error', () => undefined)
    const w = await new MultiWorker({
      redis: workerConn,
      boards: 'crash-*',
      lanes: ['alpha'],
      concurrency: 2,
      discoverEveryMs: 300,
      handler: async (_t, ctx) => {
        await new Promise((r) => setTimeout(r, 300))
        await ctx.complete({})
      },
      onError: (e) => errors.push(String(e)),
    }).start()
    try {
      for (const b of boards) ids.get(b)!.push(...(await Promise.all([1, 2, 3].map((k) => b.createTask({ title: `more ${k}`, assignee: 'alpha' })))))
      await new Promise((r) => setTimeout(r, 200))

      await server.kill()
      await new Promise((r) => setTimeout(r, 1500))
      // errors, not a stop: both processes still serve their boards
      expect(errors.length).toBeGreaterThan(0)
      expect(d.boards).toEqual(['crash-0', 'crash-1', 'crash-2'])
      server = await startRedisServer({ port, dir, appendonly: true, extraArgs: aof() })

      const allDone = async () => {
        for (const [b, list] of ids) for (const id of list) if ((await b.getTask(id))?.status !== 'done') return false
        return true
      }
      // a run cut by the crash keeps its lease until it expires (2 s here), then is reclaimed and dispatched again
      await until(allDone, 'every task done after the restart', 90_000)
      for (const [b, list] of ids) {
        for (const id of list) {
          const outcomes = (await b.runs(id)).map((r) => r.outcome)
          expect(
            outcomes.filter((o) => o === 'completed'),
            `${b.name} ${id}: ${outcomes.join(',')}`,
          ).toHaveLength(1)
        }
      }
    } finally {
      await w.close()
      await d.close()
      await Promise.all(boards.map((b) => b.close()))
      for (const c of [conn, workerConn]) await c.quit().catch(() => c.disconnect())
    }
  })
})
