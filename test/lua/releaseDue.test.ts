import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { luaBoard } from '../helpers/lua.js'

describe('releaseDue.lua (scheduled runAt passed; cooldowns over)', () => {
  it('releases due scheduled tasks to ready (todo with a pending parent); not-yet-due ones untouched', async () => {
    const b = await luaBoard('due')
    const parent = await b.create()
    const now = await b.now()
    const free = await b.create({ assignee: 'lane', runAt: now + 20 })
    const waiting = await b.create({ parentIds: [parent], runAt: now + 25 })
    const later = await b.create({ assignee: 'lane', runAt: now + 60_000 })
    expect([await b.indexes(free), await b.indexes(waiting), await b.indexes(later)]).toEqual([['scheduled'], ['scheduled'], ['scheduled']])
    await sleep(40)
    const laterBefore = await b.task(later)

    expect(await b.call('releaseDue', { count: 10 })).toEqual({ released: [free, waiting], cooled: [] })

    const f = await b.task(free)
    expect(f.status).toBe('ready')
    expect(f.runAt).toBeUndefined()
    expect(await b.indexes(free)).toEqual(['ready'])
    expect(await b.zscore(b.keys.scheduled, free)).toBeNull()
    // dispatchable again: filed in dq (it has an assignee)
    expect(await b.zscore(b.keys.dispatchQueue, free)).toBe(Number(f.ord))
    expect(await b.lastEvent(free)).toMatchObject({ kind: 'released', runId: null, payload: { runAt: now + 20, to: 'ready' } })

    const w = await b.task(waiting)
    expect(w.status).toBe('todo')
    expect(w.runAt).toBeUndefined()
    expect(await b.indexes(waiting)).toEqual(['todo'])
    expect(await b.zscore(b.keys.scheduled, waiting)).toBeNull()
    expect(await b.zscore(b.keys.dispatchUnassigned, waiting)).toBeNull()
    expect(await b.lastEvent(waiting)).toMatchObject({ kind: 'released', payload: { runAt: now + 25, to: 'todo' } })

    expect(await b.task(later)).toEqual(laterBefore)
    expect(await b.zscore(b.keys.scheduled, later)).toBe(now + 60_000)
    expect(await b.kinds(later)).toEqual(['created'])
  })

  it('nothing due: nothing written', async () => {
    const b = await luaBoard('due')
    await b.create({ runAt: (await b.now()) + 60_000 })
    const parked = await b.create()
    await b.call('scheduleTask', { id: parked }) // no runAt: waits for unblockTask, never in sched
    const before = await b.dump()
    expect(await b.call('releaseDue', { count: 10 })).toEqual({ released: [], cooled: [] })
    expect(await b.dump()).toEqual(before)
  })

  it('count bounds the batch, earliest runAt first', async () => {
    const b = await luaBoard('due')
    const now = await b.now()
    const ids = [await b.create(), await b.create(), await b.create()]
    // scheduleTask takes a runAt already in the past: due at the next release step
    await b.call('scheduleTask', { id: ids[0]!, runAt: now - 1000 })
    await b.call('scheduleTask', { id: ids[1]!, runAt: now - 3000 })
    await b.call('scheduleTask', { id: ids[2]!, runAt: now - 2000 })
    expect(await b.call('releaseDue', { count: 2 })).toEqual({ released: [ids[1], ids[2]], cooled: [] })
    expect((await b.task(ids[0]!)).status).toBe('scheduled')
    expect(await b.call('releaseDue', { count: 2 })).toEqual({ released: [ids[0]], cooled: [] })
    expect(await b.redis.zcard(b.keys.scheduled)).toBe(0)
  })

  it('drops sched entries whose task is no longer scheduled (or gone) without touching it', async () => {
    const b = await luaBoard('due')
    const ready = await b.create()
    // stored state no script leaves behind: a sched entry for a ready task and for a deleted id
    await b.redis.zadd(b.keys.scheduled, 1, ready, 2, 't404')
    const t = await b.task(ready)
    const events = await b.events(ready)
    expect(await b.call('releaseDue', { count: 10 })).toEqual({ released: [], cooled: [] })
    expect(await b.redis.zcard(b.keys.scheduled)).toBe(0)
    expect(await b.task(ready)).toEqual(t)
    expect(await b.events(ready)).toEqual(events)
    expect(await b.redis.exists(b.keys.task('t404'))).toBe(0)
  })

  it('an ended cooldown makes the ready task dispatchable again: back in dq, cooldownUntil cleared, no event', async () => {
    const b = await luaBoard('due')
    const cooled = await b.create({ assignee: 'lane' })
    const unassigned = await b.create()
    const hot = await b.create({ assignee: 'lane' })
    for (const [id, cooldownMs] of [
      [cooled, 20],
      [unassigned, 20],
      [hot, 60_000],
    ] as const) {
      await b.call('recordFailure', { id, runId: await b.claim(id), outcome: 'rate_limited', error: '429', cooldownMs })
      // while cooling down it waits in `cooldowns`, not in the dispatch queues
      expect(await b.zscore(b.keys.dispatchQueue, id)).toBeNull()
      expect(await b.zscore(b.keys.dispatchUnassigned, id)).toBeNull()
      expect(await b.zscore(b.keys.cooldowns, id)).not.toBeNull()
    }
    await sleep(40)
    const events = await b.events(cooled)
    const hotBefore = await b.task(hot)

    const r = await b.call('releaseDue', { count: 10 })
    expect(r.released).toEqual([])
    expect(r.cooled.sort()).toEqual([cooled, unassigned].sort())

    const t = await b.task(cooled)
    expect(t).toMatchObject({ status: 'ready', consecutiveFailures: '0' })
    expect(t.cooldownUntil).toBeUndefined()
    expect(await b.zscore(b.keys.cooldowns, cooled)).toBeNull()
    expect(await b.zscore(b.keys.dispatchQueue, cooled)).toBe(Number(t.ord))
    expect(await b.events(cooled)).toEqual(events)
    // an unassigned task goes back to the unassigned queue
    expect(await b.zscore(b.keys.dispatchUnassigned, unassigned)).toBe(Number((await b.task(unassigned)).ord))
    expect((await b.task(unassigned)).cooldownUntil).toBeUndefined()

    expect(await b.task(hot)).toEqual(hotBefore)
    expect(await b.zscore(b.keys.cooldowns, hot)).toBe(Number(hotBefore.cooldownUntil))
    expect(await b.zscore(b.keys.dispatchQueue, hot)).toBeNull()

    // and the dispatcher now hands it out
    const res = await b.call('reserveDispatch', { count: 10, scan: 10 })
    expect(res.jobs.map((j) => j.id)).toEqual([cooled])
    expect(res.skippedCooldown).toBe(1)
  })
})
