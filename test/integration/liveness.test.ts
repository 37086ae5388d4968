/**
 * Liveness on a live board (docs/fleet.md#liveness): in-process Workers announce themselves
 * and are listed per lane; a closed one leaves at once; explain says when no live worker
 * serves a runnable task's lane; stats gives the dispatcher's last tick and leader.
 */
import { hostname } from 'node:os'
import { afterEach, describe, expect, it } from 'vitest'
import { Dispatcher, Worker, type Board } from '../../src/index.js'
import { openBoard } from '../helpers/board.js'

const started: { close(): Promise<void> }[] = []
afterEach(async () => {
  for (const s of started.splice(0).reverse()) await s.close()
})

const noop = async () => undefined

async function worker(board: Board, lanes: string[], concurrency: number, name: string, announceEveryMs?: number): Promise<Worker> {
  const w = await new Worker({ board, lanes, concurrency, name, handler: noop, ...(announceEveryMs ? { announceEveryMs } : {}) }).start()
  started.push(w)
  return w
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const v = await fn()
    if (ok(v)) return v
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe('board.workers()', () => {
  it('lists live workers with lanes, concurrency and times, and per lane; a closed worker leaves at once', async () => {
    const board = await openBoard('live')
    expect(await board.workers()).toEqual({ at: expect.any(Number), workers: [], lanes: [] })
    const before = await board.now()
    const a = await worker(board, ['alpha', 'beta'], 3, 'wa')
    const b = await worker(board, ['alpha'], 2, 'wb', 500)
    const after = await board.now()
    const v = await board.workers()
    expect(v.workers.map((w) => [w.name, w.id, w.lanes, w.concurrency, w.host, w.pid])).toEqual([
      ['wa', a.id, ['alpha', 'beta'], 3, hostname(), process.pid],
      ['wb', b.id, ['alpha'], 2, hostname(), process.pid],
    ])
    for (const w of v.workers) {
      expect(w.lastSeen).toBeGreaterThanOrEqual(before)
      expect(w.lastSeen).toBeLessThanOrEqual(after)
      expect(w.startedAt).toBe(w.lastSeen)
    }
    // live for three announcements: 3 x 10 s by default, 3 x announceEveryMs
    expect(v.workers.map((w) => w.expiresAt - w.lastSeen)).toEqual([30_000, 1_500])
    expect(v.lanes).toEqual([
      { lane: 'alpha', workers: 2, concurrency: 5, lastSeen: Math.max(...v.workers.map((w) => w.lastSeen)) },
      { lane: 'beta', workers: 1, concurrency: 3, lastSeen: v.workers[0]!.lastSeen },
    ])

    // b announces again: lastSeen moves on, startedAt stays
    const seen = v.workers[1]!.lastSeen
    const later = await until(
      () => board.workers(),
      (x) => (x.workers.find((w) => w.id === b.id)?.lastSeen ?? 0) > seen,
      'a second announcement',
    )
    expect(later.workers.find((w) => w.id === b.id)).toMatchObject({ startedAt: seen })

    await a.close()
    const left = await board.workers()
    expect(left.workers.map((w) => w.id)).toEqual([b.id])
    expect(left.lanes.map((l) => l.lane)).toEqual(['alpha'])
    expect(await board.redis.exists(board.keys.worker(a.id))).toBe(0)
  })

  it('workers that come and go leave nothing behind', async () => {
    const board = await openBoard('live')
    for (let i = 0; i < 10; i++) await (await worker(board, ['alpha'], 1, `w${i}`)).close()
    const keep = await worker(board, ['alpha'], 1, 'keep')
    expect(await board.redis.zrange(board.keys.workers, 0, -1)).toEqual([keep.id])
  })

  it('announceEveryMs: a coded error naming it', () => {
    return openBoard('live').then((board) => {
      for (const bad of [50, 1.5, 'often']) {
        expect(() => new Worker({ board, lanes: ['a'], handler: noop, announceEveryMs: bad as number })).toThrow(
          expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/^Worker: announceEveryMs: expected/) }),
        )
      }
    })
  })
})

describe('explain: no live worker', () => {
  it("says so for a runnable task whose lane no live worker serves, the board's default lane included", async () => {
    const board = await openBoard('live')
    await worker(board, ['served'], 1, 'w')
    const lonely = await board.createTask({ title: 'lonely', assignee: 'nobody' })
    const served = await board.createTask({ title: 'served', assignee: 'served' })
    const x = await board.explain(lonely)
    expect(x.runnable).toBe(true)
    expect(x.reasons.map((r) => r.code)).toEqual(['runnable', 'no_live_worker'])
    expect(x.reasons[1]).toEqual({
      code: 'no_live_worker',
      message: 'no live worker serves lane nobody (kanban workers): it waits in BullMQ until one starts (kanban worker --lane nobody)',
      data: { lane: 'nobody' },
    })
    expect(x.text).toContain('no live worker serves lane nobody')
    expect((await board.explain(served)).reasons.map((r) => r.code)).toEqual(['runnable'])

    // an unassigned task goes to the default lane
    const unassigned = await board.createTask({ title: 'default lane' })
    await board.configure({ defaultAssignee: 'nobody' })
    expect((await board.explain(unassigned)).reasons.map((r) => [r.code, r.data.lane])).toEqual([
      ['runnable', undefined],
      ['no_live_worker', 'nobody'],
    ])
    await board.configure({ defaultAssignee: 'served' })
    expect((await board.explain(unassigned)).reasons.map((r) => r.code)).toEqual(['runnable'])

    // handed to BullMQ: still waiting for a worker of that lane
    expect(await board.enqueue([lonely])).toBe(1)
    expect((await board.explain(lonely)).reasons.map((r) => r.code)).toEqual(['queued', 'no_live_worker'])
    // what holds it back on the board comes first, and alone: a paused lane
    const paused = await board.createTask({ title: 'paused', assignee: 'nobody' })
    await board.pause({ lane: 'nobody', actor: 'ops' })
    expect((await board.explain(paused)).reasons.map((r) => r.code)).toEqual(['paused'])
  })
})

describe('stats: the dispatcher', () => {
  it('no tick yet; then the last tick of a Dispatcher, by its holder; a dry run records nothing', async () => {
    const board = await openBoard('live')
    expect((await board.stats()).dispatcher).toEqual({ lastTickAt: null, lastTickBy: null, leader: null })
    await board.dispatchOnce({ dryRun: true })
    expect((await board.stats()).dispatcher.lastTickAt).toBeNull()

    const before = await board.now()
    const d = await new Dispatcher({ board, intervalMs: 100, holder: 'disp-1' }).start()
    started.push(d)
    await until(
      async () => d.tickCount,
      (n) => n >= 1,
      'a tick',
    )
    const s = (await board.stats()).dispatcher
    expect(s.lastTickBy).toBe('disp-1')
    expect(s.lastTickAt).toBeGreaterThanOrEqual(before)
    expect(s.lastTickAt).toBeLessThanOrEqual(await board.now())
    // the lease is held only while a tick runs
    if (s.leader) expect(s.leader.holder).toBe('disp-1')
    await d.close()
    started.pop()

    await board.dispatchOnce({ holder: 'by-hand' })
    const after = (await board.stats()).dispatcher
    expect(after).toEqual({ lastTickAt: expect.any(Number), lastTickBy: 'by-hand', leader: null })
    expect(after.lastTickAt).toBeGreaterThanOrEqual(s.lastTickAt!)
  })
})
