/**
 * reindexTasks.lua: the backfill of the listing indexes on a board older than them — bounded
 * batches, a cursor kept in Redis, idempotent, and exact at the end even when the board
 * changes between batches.
 */
import { describe, expect, it } from 'vitest'
import { LuaBoard, luaBoard } from '../helpers/lua.js'
import { actualListing, expectedListing, forgetListing } from '../helpers/listing.js'

const LANES = ['coder', 'ops']
const TENANTS = ['acme', 'globex', 'initech']

/** 60 tasks over lanes, tenants and five statuses. */
async function seed(b: LuaBoard): Promise<string[]> {
  const r = await b.call('createTasks', {
    nodes: Array.from({ length: 60 }, (_, i) => ({
      ref: `n${i}`,
      title: `t${i}`,
      priority: i % 3,
      ...(i % 4 ? { assignee: LANES[i % 2]! } : {}),
      ...(i % 5 ? { tenant: TENANTS[i % 3]! } : {}),
      ...(i % 7 === 0 ? { triage: true } : {}),
    })),
  })
  const ids = Object.values(r.ids)
  for (const id of ids.filter((_, i) => i % 3 === 0)) await b.call('completeTask', { id })
  for (const id of ids.filter((_, i) => i % 3 === 1).slice(0, 8)) await b.claim(id)
  for (const id of ids.filter((_, i) => i % 11 === 2)) await b.call('archiveTask', { id })
  return ids
}

async function walk(b: LuaBoard, count: number, between?: (call: number) => Promise<void>): Promise<{ calls: number; indexed: number }> {
  let calls = 0
  let indexed = 0
  for (;;) {
    const r = await b.call('reindexTasks', { count })
    calls++
    indexed += r.indexed
    expect(r.indexed).toBeLessThanOrEqual(count)
    if (r.done) return { calls, indexed }
    await between?.(calls)
    if (calls > 1000) throw new Error('the walk never ends')
  }
}

describe('reindexTasks.lua', () => {
  it('files every task of an old board in batches of `count`, then says done', async () => {
    const b = await luaBoard('reindex')
    await seed(b)
    const want = await expectedListing(b.redis, b.keys)
    await forgetListing(b.redis, b.keys)
    expect((await actualListing(b.redis, b.keys)).lanes).toEqual([])

    const { calls, indexed } = await walk(b, 7)
    expect(indexed).toBe(60)
    expect(calls).toBeGreaterThanOrEqual(Math.ceil(60 / 7))
    expect(await actualListing(b.redis, b.keys)).toEqual(want)
    expect(await b.redis.hgetall(b.keys.reindex)).toEqual({ done: '1' })
    // done: later calls file nothing
    expect(await b.call('reindexTasks', { count: 7 })).toEqual({ done: true, indexed: 0 })
  })

  it('keeps its cursor in Redis: a walk resumes where the last call stopped', async () => {
    const b = await luaBoard('reindex')
    await seed(b)
    await forgetListing(b.redis, b.keys)
    expect(await b.call('reindexTasks', { count: 5 })).toEqual({ done: false, indexed: 5 })
    const cursor = await b.redis.hgetall(b.keys.reindex)
    expect(cursor).toMatchObject({ index: '1' })
    expect(Object.keys(cursor).sort()).toEqual(['id', 'index', 'score'])
    // another handle (another process) goes on from there and files the other 55
    const other = new LuaBoard(b.name)
    try {
      expect(await other.call('reindexTasks', { count: 1000 })).toEqual({ done: true, indexed: 55 })
    } finally {
      await other.redis.quit()
    }
  })

  it('is exact at the end when tasks move, change lane or tenant, appear and go between batches', async () => {
    const b = await luaBoard('reindex')
    const ids = await seed(b)
    await forgetListing(b.redis, b.keys)
    await walk(b, 6, async (call) => {
      const id = ids[(call * 7) % ids.length]!
      await b.call('assignTask', { id, assignee: LANES[call % 2]! }).catch(() => null)
      await b.call('updateTask', { id: ids[(call * 5) % ids.length]!, patch: { tenant: TENANTS[call % 3]!, priority: call % 4 } })
      await b.call('completeTask', { id: ids[(call * 3) % ids.length]! }).catch(() => null)
      if (call % 3 === 0) await b.call('deleteTask', { id: ids[(call * 13) % ids.length]! }).catch(() => null)
      await b.create({ assignee: 'ops', tenant: 'acme' })
    })
    expect(await actualListing(b.redis, b.keys)).toEqual(await expectedListing(b.redis, b.keys))
  })

  it('restart walks a done board again, changing nothing that was right', async () => {
    const b = await luaBoard('reindex')
    await seed(b)
    const before = await b.dump()
    expect((await b.call('reindexTasks', { count: 1000, restart: true })).indexed).toBe(60)
    // the mark and the indexes as they were (a ready task keeps its ready-since time)
    expect(await b.dump()).toEqual(before)
  })
})
