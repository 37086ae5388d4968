/**
 * MultiDispatcher and MultiWorker in one process against a real Redis
 * (docs/fleet.md#many-boards): a deleted board is let go and not written again; a board named
 * explicitly is served before the registry has it; a board's Worker is closed when its board
 * leaves the registry, giving back nothing lost.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { Board, MultiDispatcher, MultiWorker, deleteBoard } from '../../src/index.js'
import { BOARD_REGISTRY } from '../../src/keys.js'
import { deleteBoardKeys, redisUrl } from '../helpers/redis.js'

const closers: (() => Promise<void>)[] = []
const names: string[] = []
let conn: Redis

afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
  for (const n of names) await deleteBoardKeys(redisUrl(), n)
  if (names.length) await conn.srem(BOARD_REGISTRY, ...names.splice(0))
  await conn?.quit()
})

async function boardsNamed(prefix: string, n: number): Promise<Board[]> {
  conn = new Redis(redisUrl())
  const out = await Promise.all(Array.from({ length: n }, (_, i) => Board.open({ redis: conn, board: `${prefix}-${i}` })))
  names.push(...out.map((b) => b.name))
  closers.push(async () => void (await Promise.all(out.map((b) => b.close()))))
  return out
}

const until = async (fn: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) => {
  const end = Date.now() + timeoutMs
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** the board's own keys (`{kb:<board>}*`), found with a SCAN bounded to its tag */
async function keysOf(board: string): Promise<string[]> {
  const out: string[] = []
  let cursor = '0'
  do {
    const [next, page] = await conn.scan(cursor, 'MATCH', `{kb:${board}}*`, 'COUNT', 1000)
    cursor = next
    out.push(...page)
  } while (cursor !== '0')
  return out
}

describe('MultiDispatcher', () => {
  it('lets a deleted board go and writes nothing to it again; keeps ticking the others', { timeout: 60_000 }, async () => {
    const prefix = `md${randomBytes(4).toString('hex')}`
    const [a, b, c] = await boardsNamed(prefix, 3)
    for (const x of [a!, b!, c!]) await x.createTask({ title: 't', assignee: 'nobody' })
    const d = await new MultiDispatcher({ redis: conn, boards: `${prefix}-*`, intervalMs: 100, discoverEveryMs: 300 }).start()
    closers.push(() => d.close())
    expect(d.boards).toEqual([a!.name, b!.name, c!.name])
    await until(async () => (await Promise.all([a!, b!, c!].map((x) => conn.hget(x.keys.lastTick, 'fence')))).every(Boolean), 'every board ticked')

    const r = await deleteBoard({ redis: conn, board: b!.name, force: true })
    expect(r.done).toBe(true)
    await until(() => !d.boards.includes(b!.name), 'the deleted board let go')
    const fenceOfA = await conn.hget(a!.keys.lastTick, 'fence')
    // several rounds and discoveries later: nothing of the deleted board came back
    await new Promise((res) => setTimeout(res, 1000))
    expect(await keysOf(b!.name)).toEqual([])
    expect(await conn.sismember(BOARD_REGISTRY, b!.name)).toBe(0)
    expect(d.boards).toEqual([a!.name, c!.name])
    expect(Number(await conn.hget(a!.keys.lastTick, 'fence'))).toBeGreaterThan(Number(fenceOfA))
  })

  it('serves a board named explicitly before the registry has it, and finds a new board by pattern', { timeout: 60_000 }, async () => {
    const prefix = `me${randomBytes(4).toString('hex')}`
    conn = new Redis(redisUrl())
    const named = `${prefix}-named`
    names.push(named, `${prefix}-late`)
    const changes: { added: string[]; removed: string[] }[] = []
    const d = await new MultiDispatcher({
      redis: conn,
      boards: [named, `${prefix}-l*`],
      intervalMs: 100,
      discoverEveryMs: 200,
      onBoards: (ch) => changes.push(ch),
    }).start()
    closers.push(() => d.close())
    expect(d.boards).toEqual([named])
    // its tick makes the board, as a single-board dispatcher's would
    await until(async () => (await conn.hget(`{kb:${named}}:tick`, 'holder')) === d.holder, 'the named board ticked')

    const late = await Board.open({ redis: conn, board: `${prefix}-late` })
    closers.unshift(() => late.close())
    const id = await late.createTask({ title: 'late', assignee: 'alpha' })
    await until(() => d.boards.includes(late.name), 'the late board found')
    // the tick dispatched it: reserved for BullMQ (the queued index), its lane job added
    await until(async () => (await conn.zscore(late.keys.queued, id)) !== null, 'the late task dispatched')
    expect(changes.some((ch) => ch.added.includes(late.name))).toBe(true)
  })
})

describe('MultiWorker', () => {
  it('serves each board with its own Worker; a board gone from the registry has its Worker closed', { timeout: 60_000 }, async () => {
    const prefix = `mw${randomBytes(4).toString('hex')}`
    const [a, b] = await boardsNamed(prefix, 2)
    const seen: string[] = []
    const w = await new MultiWorker({
      redis: conn,
      boards: `${prefix}-*`,
      lanes: ['alpha'],
      discoverEveryMs: 200,
      handler: async (task, ctx) => {
        seen.push(`${ctx.board.name}/${task.id}`)
        await ctx.complete({ result: ctx.board.name })
      },
    })
    // the boards join the registry at their first write
    const ids = await Promise.all([a!, b!].map((x) => x.createTask({ title: 't', assignee: 'alpha' })))
    await w.start()
    closers.push(() => w.close())
    expect(w.boards).toEqual([a!.name, b!.name])
    await Promise.all([a!, b!].map((x, i) => x.enqueue([ids[i]!])))
    await until(async () => (await a!.getTask(ids[0]!))!.status === 'done' && (await b!.getTask(ids[1]!))!.status === 'done', 'both tasks done')
    expect((await a!.getTask(ids[0]!))!.result).toBe(a!.name)
    expect((await b!.getTask(ids[1]!))!.result).toBe(b!.name)
    expect(seen.sort()).toEqual([`${a!.name}/${ids[0]}`, `${b!.name}/${ids[1]}`].sort())
    expect((await b!.workers()).workers.length).toBe(1)

    // b leaves the registry (the end of a deleteBoard): its Worker closes and leaves the board's live workers
    await conn.srem(BOARD_REGISTRY, b!.name)
    await until(() => !w.boards.includes(b!.name), 'b let go')
    expect(w.workerOf(b!.name)).toBeUndefined()
    expect((await b!.workers()).workers).toEqual([])
    expect((await a!.workers()).workers.length).toBe(1)
  })
})
