/**
 * stats by lane and by tenant (docs/api.md#stats): counts per status read from the listing
 * indexes, the oldest ready task per lane; and a board older than the indexes
 * (docs/api.md#migrating-a-board): listings stay right before the backfill, which a
 * dispatcher tick or Board.reindex runs, after which stats are complete.
 */
import { describe, expect, it } from 'vitest'
import { STATUSES, type Board, type Status } from '../../src/index.js'
import { openBoard, reopen } from '../helpers/board.js'
import { actualListing, expectedListing, forgetListing } from '../helpers/listing.js'

const counts = (c: Partial<Record<Status, number>>) => ({ ...Object.fromEntries(STATUSES.map((s) => [s, 0])), ...c })

async function seed(board: Board) {
  const a = await board.createTask({ title: 'a', assignee: 'coder', tenant: 'acme' })
  const b = await board.createTask({ title: 'b', assignee: 'coder', tenant: 'globex' })
  const c = await board.createTask({ title: 'c', assignee: 'ops', tenant: 'acme' })
  const d = await board.createTask({ title: 'd', tenant: 'acme' })
  const e = await board.createTask({ title: 'e', assignee: 'ops' })
  const f = await board.createTask({ title: 'f', triage: true })
  await board.claimTask(b, { claimer: 'w' })
  await board.completeTask(c)
  await board.archiveTask(e)
  return { a, b, c, d, e, f }
}

describe('stats by lane and by tenant', () => {
  it('counts each lane and tenant per status, with the unassigned and tenant-less rest last', async () => {
    const board = await openBoard('stats-lanes')
    await seed(board)
    const s = await board.stats()
    expect(s.indexed).toBe(true)
    expect(s.notListed).toEqual({ lanes: 0, tenants: 0 })
    expect(s.byLane.map((l) => [l.lane, l.total, l.byStatus])).toEqual([
      ['coder', 2, counts({ ready: 1, running: 1 })],
      ['ops', 2, counts({ done: 1, archived: 1 })],
      [null, 2, counts({ ready: 1, triage: 1 })],
    ])
    expect(s.byTenant.map((t) => [t.tenant, t.total, t.byStatus])).toEqual([
      ['acme', 3, counts({ ready: 2, done: 1 })],
      ['globex', 1, counts({ running: 1 })],
      [null, 2, counts({ triage: 1, archived: 1 })],
    ])
    // the rows add up to the board's counts
    for (const st of STATUSES) {
      expect(s.byLane.reduce((n, l) => n + l.byStatus[st], 0)).toBe(s.byStatus[st])
      expect(s.byTenant.reduce((n, t) => n + t.byStatus[st], 0)).toBe(s.byStatus[st])
    }
  })

  it('gives per lane when its longest-waiting ready task became ready, and its age', async () => {
    const board = await openBoard('stats-age')
    const t0 = await board.now()
    const first = await board.createTask({ title: 'first', assignee: 'coder' })
    await new Promise((r) => setTimeout(r, 30))
    const t1 = await board.now()
    await board.createTask({ title: 'second', assignee: 'coder', priority: 9 })
    await board.createTask({ title: 'loose' })
    const s = await board.stats()
    const coder = s.byLane.find((l) => l.lane === 'coder')!
    // the oldest by when it became ready, not the first in dispatch order (priority 9)
    expect(coder.oldestReadyAt).toBeGreaterThanOrEqual(t0)
    expect(coder.oldestReadyAt).toBeLessThan(t1)
    expect((await board.now()) - coder.oldestReadyAt!).toBeGreaterThanOrEqual(30)
    expect(s.byLane.find((l) => l.lane === null)!.oldestReadyAt).toBeGreaterThanOrEqual(t1)
    // claimed: no longer waiting; the lane's oldest is the next one
    await board.claimTask(first, { claimer: 'w' })
    const after = (await board.stats()).byLane.find((l) => l.lane === 'coder')!
    expect(after.oldestReadyAt).toBeGreaterThanOrEqual(t1)
    await board.completeTask(first)
    for (const t of await board.listTasks({ assignee: 'coder', status: 'ready' })) await board.completeTask(t.id)
    const none = (await board.stats()).byLane.find((l) => l.lane === 'coder')!
    expect(none.oldestReadyAt).toBeNull()
  })

  it('a lane or tenant with no task left is no longer listed', async () => {
    const board = await openBoard('stats-gone')
    const id = await board.createTask({ title: 'x', assignee: 'coder', tenant: 'acme' })
    await board.deleteTask(id)
    const s = await board.stats()
    expect([s.byLane, s.byTenant]).toEqual([[], []])
  })
})

describe('a board older than the listing indexes', () => {
  it('lists right before the backfill, and a dispatcher tick backfills it', async () => {
    const board = await openBoard('stats-old')
    const ids = await seed(board)
    const full = await board.stats()
    await forgetListing(board.redis, board.keys)
    // a new handle (another process), which has not seen the board indexed yet
    const old = await reopen(board)
    expect((await old.stats()).indexed).toBe(false)
    expect((await old.listTasks({ tenant: 'acme' })).map((t) => t.id)).toEqual([ids.a, ids.c, ids.d])
    expect((await old.listTasksPage({ tenant: 'acme', assignee: 'coder' })).tasks.map((t) => t.id)).toEqual([ids.a])
    // a change of an unfiled task files it; the walk files the rest
    await old.assignTask(ids.d, 'review')
    await old.dispatchOnce()
    expect(await actualListing(board.redis, board.keys)).toEqual(await expectedListing(board.redis, board.keys))
    const s = await old.stats()
    expect(s.indexed).toBe(true)
    expect(s.byTenant).toEqual(full.byTenant)
    expect(s.byLane.map((l) => [l.lane, l.byStatus])).toEqual([
      ['coder', counts({ ready: 1, running: 1 })],
      ['ops', counts({ done: 1, archived: 1 })],
      ['review', counts({ ready: 1 })],
      [null, counts({ triage: 1 })],
    ])
  })

  it('Board.reindex runs the backfill to its end and says how many tasks it filed', async () => {
    const board = await openBoard('stats-reindex')
    await board.createTasks(Array.from({ length: 450 }, (_, i) => ({ ref: `n${i}`, title: `t${i}`, assignee: i % 2 ? 'coder' : 'ops', tenant: `c${i % 9}` })))
    await forgetListing(board.redis, board.keys)
    expect(await board.reindex({ batch: 100 })).toBe(450)
    expect(await actualListing(board.redis, board.keys)).toEqual(await expectedListing(board.redis, board.keys))
    expect(await board.reindex()).toBe(0)
    expect(await board.reindex({ restart: true })).toBe(450)
    await expect(board.reindex({ batch: 0 })).rejects.toMatchObject({ code: 'INVALID_INPUT', details: { field: 'batch' } })
  })
})
