import { describe, expect, it } from 'vitest'
import { luaBoard } from '../helpers/lua.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('previewDispatch.lua (a dry run of a tick: reads only)', () => {
  it('lists expired, stale and timed-out runs once each, due schedules and the reservation, and writes no key', async () => {
    const b = await luaBoard('preview')
    await b.call('configure', { set: { staleTimeoutMs: 500, defaultAssignee: 'def', maxInProgress: 10 }, clear: [] })
    const expired = await b.create({ assignee: 'w' })
    await b.claim(expired, 'w1', 1000) // lease, heartbeat and (no maxRuntimeMs) no deadline
    const slow = await b.create({ assignee: 'w', maxRuntimeMs: 800 })
    await b.claim(slow, 'w1', 60_000) // stale, and past its maxRuntimeMs
    const late = await b.create({ assignee: 'w', priority: 5 })
    const runAt = (await b.now()) + 300
    const sched = await b.create({ assignee: 'w', runAt })
    const unassigned = await b.create({ priority: 9 })
    const cool = await b.create({ assignee: 'w' })
    await b.redis.hset(b.keys.task(cool), 'cooldownUntil', String((await b.now()) + 60_000))
    await sleep(1100)

    const before = await b.dump()
    const r = await b.call('previewDispatch', { count: 10 })
    expect(await b.dump()).toEqual(before)
    expect(r).toEqual({
      reclaimed: [expired],
      stale: [slow],
      timedOut: [], // slow is past its maxRuntimeMs too, but listed once, under the earlier step
      released: [sched],
      // dispatch order over dq and dqu (the default lane): priority 9, then 5
      enqueued: [unassigned, late],
      skippedCapped: 0,
      skippedUnassigned: 0,
      skippedCooldown: 1,
      skippedPaused: 0,
    })
  })

  it('caps as reserve does, counting what it would reserve itself', async () => {
    const b = await luaBoard('preview')
    await b.call('configure', { set: { maxInProgressPerAssignee: 2 }, clear: [] })
    const [x, y] = [await b.create({ assignee: 'a' }), await b.create({ assignee: 'a' })]
    await b.create({ assignee: 'a' })
    const z = await b.create({ assignee: 'b' })
    const r = await b.call('previewDispatch', { count: 10 })
    expect(r).toMatchObject({ enqueued: [x, y, z], skippedCapped: 1, skippedUnassigned: 0 })
    // the real reservation agrees
    expect((await b.call('reserveDispatch', { count: 10, scan: 20 })).jobs.map((j) => j.id)).toEqual([x, y, z])
  })
})
