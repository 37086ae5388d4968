import { describe, expect, it } from 'vitest'
import { expectNear, luaBoard, type LuaBoard } from '../helpers/lua.js'

const inflight = (b: LuaBoard) => b.keys.inflight

/** Three assigned ready tasks reserved for BullMQ (dq -> queued), in id order. */
async function reserved(b: LuaBoard): Promise<string[]> {
  const ids = [await b.create({ assignee: 'lane' }), await b.create({ assignee: 'lane' }), await b.create({ assignee: 'lane' })]
  const r = await b.call('reserveDispatch', { count: 10, scan: 10 })
  expect(r.jobs.map((j) => j.id)).toEqual(ids)
  expect(await b.redis.hget(inflight(b), 'lane')).toBe('3')
  return ids
}

describe('requeueLost.lua (queued tasks whose BullMQ job is gone)', () => {
  it('lost -> back in dq and out of the in-flight count; alive -> a fresh timestamp; others untouched', async () => {
    const b = await luaBoard('lost')
    const [lost, alive, other] = await reserved(b)
    // stored state: reservations made long ago (the tick only asks BullMQ about old ones)
    await b.redis.zadd(b.keys.queued, 1, lost!, 1, alive!, 1, other!)
    const events = await b.redis.xlen(b.keys.events)

    const before = await b.now()
    expect(await b.call('requeueLost', { lost: [lost!], alive: [alive!] })).toEqual({ requeued: [lost] })
    const after = await b.now()

    const t = await b.task(lost!)
    expect(await b.zscore(b.keys.queued, lost!)).toBeNull()
    expect(await b.zscore(b.keys.dispatchQueue, lost!)).toBe(Number(t.ord))
    expect(t.status).toBe('ready')
    expect(t.inflightLane).toBeUndefined()
    // the reservation's token stays: the next reserve issues a new one, so the lost job's id is dead
    expect(t.queueToken).toBe('1')
    expect(await b.redis.hget(inflight(b), 'lane')).toBe('2')

    expectNear((await b.zscore(b.keys.queued, alive!)) ?? undefined, before, after)
    expect(await b.zscore(b.keys.dispatchQueue, alive!)).toBeNull()
    expect((await b.task(alive!)).inflightLane).toBe('lane')
    expect(await b.zscore(b.keys.queued, other!)).toBe(1)
    // no event: nothing happened to the task itself
    expect(await b.redis.xlen(b.keys.events)).toBe(events)

    const again = await b.call('reserveDispatch', { count: 10, scan: 10 })
    expect(again.jobs).toEqual([{ id: lost, lane: 'lane', jobId: 'j4' }])
    expect(await b.redis.hget(inflight(b), 'lane')).toBe('3')
  })

  it('with a token (a worker giving back the unclaimed tasks of its job), only tasks still holding that token go back', async () => {
    const b = await luaBoard('lost')
    const [mine, newer] = await reserved(b)
    const token = (await b.task(mine!)).queueToken
    // `newer` was given back and reserved again meanwhile: it holds a newer job's token
    await b.call('requeueLost', { lost: [newer!], alive: [] })
    await b.call('reserveDispatch', { count: 10, scan: 10 })
    const snapNewer = await b.task(newer!)
    const queuedAt = await b.zscore(b.keys.queued, newer!)
    expect(await b.call('requeueLost', { lost: [mine!, newer!], alive: [], token })).toEqual({ requeued: [mine] })
    expect(await b.zscore(b.keys.dispatchQueue, mine!)).not.toBeNull()
    expect(await b.zscore(b.keys.queued, newer!)).toBe(queuedAt)
    expect(await b.task(newer!)).toEqual(snapNewer)
  })

  it('ids that are not queued are ignored: not added to queued, not requeued, nothing written', async () => {
    const b = await luaBoard('lost')
    const [, , queued] = await reserved(b)
    const ready = await b.create({ assignee: 'lane' })
    const running = await b.create({ assignee: 'lane' })
    await b.claim(running)
    const before = await b.dump()
    // `alive` entries are refreshed only if still queued (ZADD XX); use ids that are not
    expect(await b.call('requeueLost', { lost: [ready, running, 't404'], alive: [ready, 't404'] })).toEqual({ requeued: [] })
    expect(await b.dump()).toEqual(before)
    expect(await b.zscore(b.keys.queued, queued!)).not.toBeNull()
  })

  it('a task claimed since the tick looked is no longer queued: its in-flight count stays', async () => {
    const b = await luaBoard('lost')
    const [claimed] = await reserved(b)
    const r = await b.call('claimTask', { id: claimed!, claimer: 'w', queueToken: '1' })
    expect(r.ok).toBe(true)
    expect(await b.zscore(b.keys.queued, claimed!)).toBeNull()
    expect(await b.call('requeueLost', { lost: [claimed!], alive: [] })).toEqual({ requeued: [] })
    expect((await b.task(claimed!)).status).toBe('running')
    expect(await b.zscore(b.keys.dispatchQueue, claimed!)).toBeNull()
    expect(await b.redis.hget(inflight(b), 'lane')).toBe('3')
  })

  it('the last lost task of a lane removes the lane from the in-flight hash', async () => {
    const b = await luaBoard('lost')
    const ids = await reserved(b)
    expect(await b.call('requeueLost', { lost: ids, alive: [] })).toEqual({ requeued: ids })
    expect(await b.redis.exists(inflight(b))).toBe(0)
    expect(await b.redis.zcard(b.keys.queued)).toBe(0)
    expect(await b.redis.zrange(b.keys.dispatchQueue, 0, -1)).toEqual(ids)
  })
})
