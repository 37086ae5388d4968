import { afterEach, describe, expect, it } from 'vitest'
import { LuaBoard, luaBoard } from '../helpers/lua.js'
import type { CreateNodeArg } from '../../src/scriptContract.js'

type Reply = { done: boolean; promoted: string[] }

/** Calls the script until `done`, as Board.recomputeReady does. */
async function drain(b: LuaBoard, count: number): Promise<{ calls: Reply[]; promoted: string[] }> {
  const calls: Reply[] = []
  do {
    calls.push(await b.call('recomputeReady', { count }))
    if (calls.length > 10_000) throw new Error('recompute never done')
  } while (!calls.at(-1)!.done)
  return { calls, promoted: calls.flatMap((c) => c.promoted).sort() }
}

/** `n` tasks created in one batch and parked by the breaker (2 counted failures, no run). */
async function parked(b: LuaBoard, n: number, node: Partial<CreateNodeArg> = {}): Promise<string[]> {
  const nodes = Array.from({ length: n }, (_, i) => ({ ref: `n${i}`, title: 'task', priority: 0, parentIds: [], parentRefs: [], ...node }))
  const r = await b.call('createTasks', { nodes })
  const ids = nodes.map((x) => r.ids[x.ref]!)
  await Promise.all(
    ids.map(async (id) => {
      for (let i = 0; i < 2; i++) await b.call('recordFailure', { id, outcome: 'crashed', error: `boom ${i}` })
    }),
  )
  for (const id of ids) expect((await b.task(id)).status).toBe('blocked')
  return ids
}

const sorted = (ids: Iterable<string>) => [...new Set(ids)].sort()

// second handles on a board (another "process"): their own connection, closed here
const handles: LuaBoard[] = []
afterEach(async () => {
  for (const h of handles.splice(0)) await h.redis.quit().catch(() => h.redis.disconnect())
})
function otherProcess(b: LuaBoard): LuaBoard {
  const h = new LuaBoard(b.name)
  handles.push(h)
  return h
}

describe('recomputeReady.lua', () => {
  it('promotes a breaker-blocked task once its limit is raised; the counter is kept', async () => {
    const b = await luaBoard('recompute')
    const id = await b.create()
    await b.breakerBlock(id)
    // at the limit: parked
    expect(await b.call('recomputeReady', { count: 100 })).toEqual({ done: true, promoted: [] })
    expect((await b.task(id)).status).toBe('blocked')
    await b.call('updateTask', { id, patch: { maxRetries: 3 } })
    expect(await b.call('recomputeReady', { count: 100 })).toEqual({ done: true, promoted: [id] })
    expect(await b.task(id)).toMatchObject({ status: 'ready', consecutiveFailures: '2', sticky: '0' })
    expect(await b.indexes(id)).toEqual(['ready'])
    expect(await b.nsblocked()).toEqual([])
    expect(await b.lastEvent(id)).toMatchObject({ kind: 'promoted', runId: null, payload: { from: 'blocked', reason: 'recompute' } })
  })

  it('uses the same resolver as the breaker: a raised board failureLimit frees, a lowered one never does', async () => {
    const b = await luaBoard('recompute')
    await b.call('configure', { set: { failureLimit: 3 }, clear: [] })
    const id = await b.create()
    await b.breakerBlock(id)
    expect((await b.task(id)).consecutiveFailures).toBe('3')
    // same limit as the trip: stays (docs/blocks-and-breaker.md — recovery never uses a higher limit than the trip)
    expect((await drain(b, 10)).promoted).toEqual([])
    await b.call('configure', { set: { failureLimit: 4 }, clear: [] })
    expect((await drain(b, 10)).promoted).toEqual([id])

    const low = await b.create()
    await b.breakerBlock(low) // trips at 4
    await b.call('configure', { set: {}, clear: ['failureLimit'] }) // default 2 < 4 failures
    expect((await drain(b, 10)).promoted).toEqual([])
    expect(await b.nsblocked()).toEqual([low])
  })

  it('never promotes a sticky block, and a task maxRetries beats the board setting', async () => {
    const b = await luaBoard('recompute')
    const sticky = await b.create()
    await b.call('blockTask', { id: sticky, runId: await b.claim(sticky), reason: 'review-required' })
    const own = await b.create({ maxRetries: 1 })
    await b.breakerBlock(own)
    // a sticky task is never queued for a re-check, whatever changes on it
    await b.call('updateTask', { id: sticky, patch: { maxRetries: 9 } })
    await b.call('assignTask', { id: sticky, assignee: 'other' })
    expect(await b.redis.exists(b.keys.recheck)).toBe(0)
    await b.call('configure', { set: { failureLimit: 10 }, clear: [] })
    for (let i = 0; i < 3; i++) expect((await drain(b, 10)).promoted).toEqual([])
    expect((await b.task(sticky)).status).toBe('blocked')
    expect((await b.task(own)).status).toBe('blocked')
    expect(await b.nsblocked()).toEqual([own])
  })

  it('a non-sticky blocked task with an unsatisfied parent stays blocked', async () => {
    const b = await luaBoard('recompute')
    const parent = await b.create()
    const id = await b.create({ parentIds: [parent], maxRetries: 1 })
    await b.call('promoteTask', { id, actor: 'op', force: true })
    await b.call('recordFailure', { id, outcome: 'crashed', error: 'x' })
    await b.call('updateTask', { id, patch: { maxRetries: 5 } })
    expect(await b.redis.smembers(b.keys.recheck)).toEqual([id])
    expect(await b.call('recomputeReady', { count: 10 })).toEqual({ done: true, promoted: [] })
    expect((await b.task(id)).status).toBe('blocked')
    expect(await b.nsblocked()).toEqual([id])
    expect(await b.redis.exists(b.keys.recheck)).toBe(0)
  })

  it('removes stale nsblocked / recheck members (gone, no longer blocked, sticky) without events', async () => {
    const b = await luaBoard('recompute')
    const ready = await b.create()
    const sticky = await b.create({ blocked: true })
    const evReady = await b.events(ready)
    const evSticky = await b.events(sticky)
    // stored state no script leaves behind: members that should not be in the sets
    await b.redis.sadd(b.keys.nsblocked, ready, sticky, 't999')
    await b.redis.sadd(b.keys.recheck, ready, 't998')
    await b.redis.set(b.keys.recheckAll, '1')
    expect(await b.call('recomputeReady', { count: 100 })).toEqual({ done: true, promoted: [] })
    expect(await b.nsblocked()).toEqual([])
    expect(await b.redis.exists(b.keys.recheck, b.keys.recheckAll, b.keys.sweep)).toBe(0)
    expect((await b.task(ready)).status).toBe('ready')
    expect((await b.task(sticky)).status).toBe('blocked')
    expect(await b.events(ready)).toEqual(evReady)
    expect(await b.events(sticky)).toEqual(evSticky)
    expect(await b.redis.exists(b.keys.task('t999'), b.keys.task('t998'))).toBe(0)
  })

  it('an idle board: one call, done, nothing written', async () => {
    const b = await luaBoard('recompute')
    for (let i = 0; i < 60; i++) await b.call('completeTask', { id: await b.create() })
    const breaker = await parked(b, 5)
    expect(await b.nsblocked()).toEqual(sorted(breaker))
    const before = await b.dump()
    expect(await b.call('recomputeReady', { count: 2 })).toEqual({ done: true, promoted: [] })
    expect(await b.dump()).toEqual(before)
  })

  it('updateTask maxRetries queues only that task; the next call handles it alone', async () => {
    const b = await luaBoard('recompute')
    const [a, other, c, d] = await parked(b, 4)
    // stored state no script writes: a raised limit without a re-check queued. Promotable if
    // visited, so it staying parked shows the call did not look at it.
    await b.redis.hset(b.keys.task(other!), 'maxRetries', '9')
    const otherBefore = await b.task(other!)
    const otherEvents = await b.events(other!)
    await b.call('updateTask', { id: a!, patch: { maxRetries: 5 } })
    expect(await b.redis.smembers(b.keys.recheck)).toEqual([a])
    expect(await b.call('recomputeReady', { count: 100 })).toEqual({ done: true, promoted: [a] })
    expect((await b.task(a!)).status).toBe('ready')
    expect(await b.task(other!)).toEqual(otherBefore)
    expect(await b.events(other!)).toEqual(otherEvents)
    expect(await b.nsblocked()).toEqual(sorted([other!, c!, d!]))
    expect(await b.redis.exists(b.keys.recheck, b.keys.sweep, b.keys.recheckAll)).toBe(0)

    // `count` bounds the re-checks too; clearing maxRetries (task limit 1 -> default 2) is a change
    const one = await b.create({ maxRetries: 1 })
    await b.breakerBlock(one)
    await b.call('updateTask', { id: c!, patch: { maxRetries: 3 } })
    await b.call('updateTask', { id: one, patch: { maxRetries: null } })
    const first = await b.call('recomputeReady', { count: 1 })
    expect(first.done).toBe(false)
    expect(first.promoted).toHaveLength(1)
    const second = await b.call('recomputeReady', { count: 1 })
    expect(second.done).toBe(true)
    expect(sorted([...first.promoted, ...second.promoted])).toEqual(sorted([c!, one]))
    expect((await b.task(other!)).status).toBe('blocked')
  })

  it('assignTask of a parked task resets its counter and makes it eligible at the next call', async () => {
    const b = await luaBoard('recompute')
    const [id, stays] = await parked(b, 2)
    expect(await b.call('assignTask', { id: id!, assignee: 'coder' })).toEqual({ ok: true, changed: true })
    expect(await b.redis.smembers(b.keys.recheck)).toEqual([id])
    expect(await b.call('recomputeReady', { count: 10 })).toEqual({ done: true, promoted: [id] })
    expect(await b.task(id!)).toMatchObject({ status: 'ready', assignee: 'coder', consecutiveFailures: '0' })
    expect(await b.lastEvent(id!)).toMatchObject({ kind: 'promoted', payload: { from: 'blocked', reason: 'recompute' } })
    expect(await b.nsblocked()).toEqual([stays])
  })

  it('configure sets recheckAll only when failureLimit is set or cleared', async () => {
    const b = await luaBoard('recompute')
    await b.call('configure', { set: { maxInProgress: 3 }, clear: ['defaultAssignee'] })
    expect(await b.redis.exists(b.keys.recheckAll)).toBe(0)
    await b.call('configure', { set: { failureLimit: 5 }, clear: [] })
    expect(await b.redis.get(b.keys.recheckAll)).toBe('1')
    expect(await b.call('recomputeReady', { count: 10 })).toEqual({ done: true, promoted: [] })
    expect(await b.redis.exists(b.keys.recheckAll, b.keys.sweep)).toBe(0)
    await b.call('configure', { set: {}, clear: ['failureLimit'] })
    expect(await b.redis.get(b.keys.recheckAll)).toBe('1')
  })

  it('a full sweep visits only nsblocked: done tasks and a todo task with satisfied parents are not touched', async () => {
    const b = await luaBoard('recompute')
    const done: string[] = []
    for (let i = 0; i < 60; i++) {
      const id = await b.create()
      await b.call('completeTask', { id })
      done.push(id)
    }
    const breaker = await parked(b, 3)
    const parent = await b.create()
    const todo = await b.create({ parentIds: [parent] })
    // stored state: parent done without releasing the child, so only a full scan could find
    // the child. The sweep must not look for it: promotion of todo tasks is event-driven.
    await b.forceStatus(parent, 'done')
    await b.redis.hset(b.keys.task(todo), 'pending', '0')
    const doneBefore = await Promise.all(done.map((id) => b.task(id)))
    const todoBefore = await b.task(todo)

    await b.call('configure', { set: { failureLimit: 9 }, clear: [] })
    expect((await drain(b, 2)).promoted).toEqual(sorted(breaker))
    expect(await b.task(todo)).toEqual(todoBefore)
    expect(await b.indexes(todo)).toEqual(['todo'])
    expect(await Promise.all(done.map((id) => b.task(id)))).toEqual(doneBefore)
    expect(await b.call('recomputeReady', { count: 2 })).toEqual({ done: true, promoted: [] })
  })

  it('a sweep pages nsblocked across calls with its cursor in `sweep`, resumable from another process', async () => {
    const b = await luaBoard('recompute')
    // 600 members make nsblocked a real hash table, so SSCAN pages it. Half keep their own
    // limit (maxRetries 2 beats the board) and stay: a sweep that restarted from cursor 0 at
    // each call would find only those and never reach the end.
    const free = await parked(b, 300)
    const stay = await parked(b, 300, { maxRetries: 2 })
    await b.call('configure', { set: { failureLimit: 3 }, clear: [] })
    const b2 = otherProcess(b)
    const count = 20
    const freeSet = new Set(free)
    const promoted: string[] = []
    let calls = 0
    for (;;) {
      // the page the next call must handle: SSCAN from the stored cursor (0 to start one).
      // Read-only, so the script sees the same table and gets the same page.
      const stored = await b.redis.get(b.keys.sweep)
      expect(stored === null).toBe(calls === 0)
      if (calls === 0) expect(await b.redis.get(b.keys.recheckAll)).toBe('1')
      const [next, page] = await b.redis.sscan(b.keys.nsblocked, stored ?? '0', 'COUNT', count)
      // calls alternate between two connections: the sweep lives in Redis, not in a process
      const r = await (calls % 2 === 0 ? b : b2).call('recomputeReady', { count })
      calls++
      expect(r.promoted.length).toBeLessThanOrEqual(count * 2)
      expect(sorted(r.promoted)).toEqual(sorted(page.filter((id) => freeSet.has(id))))
      promoted.push(...r.promoted)
      expect(await b.redis.exists(b.keys.recheckAll)).toBe(0)
      if (next === '0') {
        expect(r.done).toBe(true)
        expect(await b.redis.exists(b.keys.sweep)).toBe(0)
        break
      }
      expect(r.done).toBe(false)
      expect(await b.redis.get(b.keys.sweep)).toBe(next)
      if (calls > 1000) throw new Error('sweep never ended')
    }
    expect(calls).toBeGreaterThanOrEqual(600 / (count * 2))
    expect(promoted.sort()).toEqual(sorted(free))
    expect(await b.nsblocked()).toEqual(sorted(stay))
    for (const id of free) expect(await b.task(id)).toMatchObject({ status: 'ready', consecutiveFailures: '2' })
    // the sweep is over: the next call is idle
    expect(await b2.call('recomputeReady', { count })).toEqual({ done: true, promoted: [] })
  })

  it('a configure during a sweep makes another full sweep happen before done', async () => {
    const b = await luaBoard('recompute')
    const ids = await parked(b, 300)
    // same as the default limit: the first sweep frees nothing
    await b.call('configure', { set: { failureLimit: 2 }, clear: [] })
    const [, firstPage] = await b.redis.sscan(b.keys.nsblocked, '0', 'COUNT', 20)
    expect(await b.call('recomputeReady', { count: 20 })).toEqual({ done: false, promoted: [] })
    expect(await b.redis.exists(b.keys.sweep)).toBe(1)
    // the first page was visited under limit 2; the new limit frees every task, so only a
    // new sweep (started after this one ends) can free the tasks of that page
    await b.call('configure', { set: { failureLimit: 3 }, clear: [] })
    expect(await b.redis.get(b.keys.recheckAll)).toBe('1')
    const { calls, promoted } = await drain(b, 20)
    expect(calls.slice(0, -1).every((c) => !c.done)).toBe(true)
    expect(firstPage.filter((id) => !promoted.includes(id))).toEqual([])
    expect(promoted).toEqual(sorted(ids))
    expect(await b.nsblocked()).toEqual([])
    expect(await b.redis.exists(b.keys.recheckAll, b.keys.sweep)).toBe(0)
  })

  it('a dispatcher tick passes its fence: a stale one is refused with STALE_LEADER and nothing is written', async () => {
    const b = await luaBoard('recompute')
    const id = await b.create()
    await b.breakerBlock(id)
    await b.call('updateTask', { id, patch: { maxRetries: 5 } })
    await b.call('configure', { set: { failureLimit: 4 }, clear: [] })
    const lease = await b.call('acquireLeader', { holder: 'replica-a', ttlMs: 30_000 })
    if (!lease.ok) throw new Error('no lease')
    const before = await b.dump()
    const stale = String(Number(lease.fence) + 1)
    expect(await b.raw('recomputeReady', { count: 10, fence: stale })).toEqual({
      err: 'STALE_LEADER',
      fence: stale,
      current: lease.fence,
    })
    await expect(b.call('recomputeReady', { count: 10, fence: stale })).rejects.toMatchObject({ code: 'STALE_LEADER' })
    // recheck and recheckAll are still there: the refused call consumed nothing
    expect(await b.dump()).toEqual(before)
    expect(await b.call('recomputeReady', { count: 10, fence: lease.fence })).toEqual({ done: true, promoted: [id] })
  })
})
