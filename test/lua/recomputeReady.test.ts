import { describe, expect, it } from 'vitest'
import { luaBoard, type LuaBoard } from '../helpers/lua.js'

/** Calls the script with the returned cursor until it is "0", as Board.recomputeReady does. */
async function sweep(b: LuaBoard, count: number): Promise<{ calls: { cursor: string; promoted: string[] }[]; promoted: string[] }> {
  const calls: { cursor: string; promoted: string[] }[] = []
  let cursor = '0'
  do {
    const r = await b.call('recomputeReady', { cursor, count })
    calls.push(r)
    cursor = r.cursor
    if (calls.length > 10_000) throw new Error('sweep never ended')
  } while (cursor !== '0')
  return { calls, promoted: calls.flatMap((c) => c.promoted).sort() }
}

describe('recomputeReady.lua', () => {
  it('promotes a breaker-blocked task once its limit is raised; the counter is kept', async () => {
    const b = await luaBoard('recompute')
    const id = await b.create()
    await b.breakerBlock(id)
    // at the limit: parked
    expect(await b.call('recomputeReady', { cursor: '0', count: 100 })).toEqual({ cursor: '0', promoted: [] })
    expect((await b.task(id)).status).toBe('blocked')
    await b.call('updateTask', { id, patch: { maxRetries: 3 } })
    expect(await b.call('recomputeReady', { cursor: '0', count: 100 })).toEqual({ cursor: '0', promoted: [id] })
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
    // same limit as the trip: stays (SPEC §9.3 — recovery never uses a higher limit than the trip)
    expect((await sweep(b, 10)).promoted).toEqual([])
    await b.call('configure', { set: { failureLimit: 4 }, clear: [] })
    expect((await sweep(b, 10)).promoted).toEqual([id])

    const low = await b.create()
    await b.breakerBlock(low) // trips at 4
    await b.call('configure', { set: {}, clear: ['failureLimit'] }) // default 2 < 4 failures
    expect((await sweep(b, 10)).promoted).toEqual([])
    expect(await b.nsblocked()).toEqual([low])
  })

  it('never promotes a sticky block, and a task maxRetries beats the board setting', async () => {
    const b = await luaBoard('recompute')
    const sticky = await b.create()
    await b.call('blockTask', { id: sticky, runId: await b.claim(sticky), reason: 'review-required' })
    const own = await b.create({ maxRetries: 1 })
    await b.breakerBlock(own)
    await b.call('configure', { set: { failureLimit: 10 }, clear: [] })
    for (let i = 0; i < 3; i++) expect((await sweep(b, 10)).promoted).toEqual([])
    expect((await b.task(sticky)).status).toBe('blocked')
    expect((await b.task(own)).status).toBe('blocked')
  })

  it('a non-sticky blocked task with an unsatisfied parent stays blocked', async () => {
    const b = await luaBoard('recompute')
    const parent = await b.create()
    const id = await b.create({ parentIds: [parent], maxRetries: 1 })
    await b.call('promoteTask', { id, actor: 'op', force: true })
    await b.call('recordFailure', { id, outcome: 'crashed', error: 'x' })
    await b.call('updateTask', { id, patch: { maxRetries: 5 } })
    expect((await sweep(b, 10)).promoted).toEqual([])
    expect(await b.nsblocked()).toEqual([id])
  })

  it('removes stale nsblocked members (gone, no longer blocked, sticky) without events', async () => {
    const b = await luaBoard('recompute')
    const ready = await b.create()
    const sticky = await b.create({ blocked: true })
    const evReady = await b.events(ready)
    const evSticky = await b.events(sticky)
    // stored state no script leaves behind: members that should not be in the set
    await b.redis.sadd(b.keys.nsblocked, ready, sticky, 't999')
    expect(await b.call('recomputeReady', { cursor: '0', count: 100 })).toEqual({ cursor: '0', promoted: [] })
    expect(await b.nsblocked()).toEqual([])
    expect((await b.task(ready)).status).toBe('ready')
    expect((await b.task(sticky)).status).toBe('blocked')
    expect(await b.events(ready)).toEqual(evReady)
    expect(await b.events(sticky)).toEqual(evSticky)
    expect(await b.redis.exists(b.keys.task('t999'))).toBe(0)
  })

  it('visits only nsblocked: many done tasks and a todo task with satisfied parents are not touched', async () => {
    const b = await luaBoard('recompute')
    const done: string[] = []
    for (let i = 0; i < 60; i++) {
      const id = await b.create()
      await b.call('completeTask', { id })
      done.push(id)
    }
    const breaker: string[] = []
    for (let i = 0; i < 3; i++) {
      const id = await b.create()
      await b.breakerBlock(id)
      await b.call('updateTask', { id, patch: { maxRetries: 9 } })
      breaker.push(id)
    }
    const parent = await b.create()
    const todo = await b.create({ parentIds: [parent] })
    // stored state: parent done without releasing the child, so only a full scan could find
    // the child. The sweep must not look for it: promotion of todo tasks is event-driven.
    await b.forceStatus(parent, 'done')
    await b.redis.hset(b.keys.task(todo), 'pending', '0')
    const doneBefore = await Promise.all(done.map((id) => b.task(id)))
    const todoBefore = await b.task(todo)

    const { calls, promoted } = await sweep(b, 2)
    expect(promoted).toEqual([...breaker].sort())
    expect(calls.at(-1)!.cursor).toBe('0')
    expect(await b.task(todo)).toEqual(todoBefore)
    expect(await b.indexes(todo)).toEqual(['todo'])
    expect(await Promise.all(done.map((id) => b.task(id)))).toEqual(doneBefore)
    // a second sweep finds nothing left to do
    expect((await sweep(b, 2)).promoted).toEqual([])
  })

  it('works in bounded batches: each call handles a slice of nsblocked; looping to cursor "0" covers all', async () => {
    const b = await luaBoard('recompute')
    const breaker: string[] = []
    for (let i = 0; i < 3; i++) {
      const id = await b.create()
      await b.breakerBlock(id)
      await b.call('updateTask', { id, patch: { maxRetries: 9 } })
      breaker.push(id)
    }
    // stored state: 600 dead members make nsblocked a real hash table, so SSCAN pages it
    // (a small set is a listpack that SSCAN returns whole, whatever COUNT says)
    const dead = Array.from({ length: 600 }, (_, i) => `gone${i}`)
    await b.redis.sadd(b.keys.nsblocked, ...dead)
    const count = 20
    const sizes: number[] = [await b.redis.scard(b.keys.nsblocked)]
    const calls: { cursor: string; promoted: string[] }[] = []
    let cursor = '0'
    do {
      const r = await b.call('recomputeReady', { cursor, count })
      calls.push(r)
      sizes.push(await b.redis.scard(b.keys.nsblocked))
      cursor = r.cursor
    } while (cursor !== '0' && calls.length < 10_000)
    expect(cursor).toBe('0')
    // many calls, each removing a bounded slice (SSCAN COUNT is a hint: a bucket chain can add a few)
    expect(calls.length).toBeGreaterThanOrEqual(600 / (count * 2))
    for (let i = 1; i < sizes.length; i++) expect(sizes[i - 1]! - sizes[i]!).toBeLessThanOrEqual(count * 2)
    expect(calls.flatMap((c) => c.promoted).sort()).toEqual([...breaker].sort())
    expect(await b.nsblocked()).toEqual([])
    for (const id of breaker) expect((await b.task(id)).status).toBe('ready')
  })

  it('a dispatcher tick passes its fence: a stale one is refused with STALE_LEADER and nothing is written', async () => {
    const b = await luaBoard('recompute')
    const id = await b.create()
    await b.breakerBlock(id)
    await b.call('updateTask', { id, patch: { maxRetries: 5 } })
    const lease = await b.call('acquireLeader', { holder: 'replica-a', ttlMs: 30_000 })
    if (!lease.ok) throw new Error('no lease')
    const before = await b.dump()
    const stale = String(Number(lease.fence) + 1)
    expect(await b.raw('recomputeReady', { cursor: '0', count: 10, fence: stale })).toEqual({
      err: 'STALE_LEADER',
      fence: stale,
      current: lease.fence,
    })
    await expect(b.call('recomputeReady', { cursor: '0', count: 10, fence: stale })).rejects.toMatchObject({ code: 'STALE_LEADER' })
    expect(await b.dump()).toEqual(before)
    expect(await b.call('recomputeReady', { cursor: '0', count: 10, fence: lease.fence })).toEqual({ cursor: '0', promoted: [id] })
  })
})
