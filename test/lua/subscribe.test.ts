/**
 * Durable subscribers' scripts (docs/events.md#subscriptions): subscribe creates one at a
 * cursor or changes its kinds, ackSubscriber moves the cursor only forward and only to an
 * event the board has written, deleteSubscriber forgets it. None writes an event.
 */
import { describe, expect, it } from 'vitest'
import { luaBoard } from '../helpers/lua.js'
import { dumpBoardKeys } from '../helpers/redis.js'

const stored = async (b: Awaited<ReturnType<typeof luaBoard>>, name: string) =>
  JSON.parse((await b.redis.hget(b.keys.subscribers, name))!) as Record<string, unknown>

describe('subscribe.lua', () => {
  it('a new subscriber starts after the last event (latest), at 0 (earliest) or after an id', async () => {
    const b = await luaBoard('subs')
    await b.create()
    await b.create() // events 1 and 2
    const before = await b.now()
    expect(await b.call('subscribe', { name: 'a', max: 10 })).toEqual({ ok: true, created: true, cursor: 2 })
    expect(await b.call('subscribe', { name: 'b', from: 'earliest', kinds: ['created', 'completed'], max: 10 })).toEqual({
      ok: true,
      created: true,
      cursor: 0,
      kinds: ['created', 'completed'],
    })
    expect(await b.call('subscribe', { name: 'c', from: 1, max: 10 })).toMatchObject({ cursor: 1 })
    const a = await stored(b, 'a')
    expect(a).toMatchObject({ cursor: 2 })
    expect(a.createdAt).toBeGreaterThanOrEqual(before)
    expect(await b.redis.xlen(b.keys.events)).toBe(2) // no event of its own
  })

  it('an existing subscriber keeps its cursor; kinds replace its filter, null clears it', async () => {
    const b = await luaBoard('subs')
    await b.create()
    await b.call('subscribe', { name: 'a', from: 'earliest', kinds: ['created'], max: 10 })
    expect(await b.call('subscribe', { name: 'a', from: 'latest', max: 10 })).toEqual({ ok: true, created: false, cursor: 0, kinds: ['created'] })
    expect(await b.call('subscribe', { name: 'a', kinds: ['completed'], max: 10 })).toMatchObject({ kinds: ['completed'] })
    expect(await b.call('subscribe', { name: 'a', kinds: null, max: 10 })).toEqual({ ok: true, created: false, cursor: 0 })
    expect(await stored(b, 'a')).not.toHaveProperty('kinds')
  })

  it('refuses an event not yet written, and a new subscriber past max; nothing written', async () => {
    const b = await luaBoard('subs')
    await b.create()
    await b.call('subscribe', { name: 'a', max: 1 })
    const before = await dumpBoardKeys(b.redis, b.name)
    expect(await b.raw('subscribe', { name: 'b', from: 5, max: 10 })).toMatchObject({ err: 'INVALID_INPUT', field: 'from', got: 5 })
    expect(await b.raw('subscribe', { name: 'b', max: 1 })).toMatchObject({ err: 'INVALID_INPUT', field: 'name', got: 'b' })
    expect(await dumpBoardKeys(b.redis, b.name)).toEqual(before)
  })
})

describe('ackSubscriber.lua', () => {
  it('moves the cursor forward, never back, and notes when', async () => {
    const b = await luaBoard('subs')
    for (let i = 0; i < 3; i++) await b.create()
    await b.call('subscribe', { name: 'a', from: 'earliest', max: 10 })
    expect(await b.call('ackSubscriber', { name: 'a', eventId: 2 })).toEqual({ ok: true, changed: true, cursor: 2 })
    expect(await b.call('ackSubscriber', { name: 'a', eventId: 1 })).toEqual({ ok: true, changed: false, cursor: 2 })
    expect(await b.call('ackSubscriber', { name: 'a', eventId: 2 })).toEqual({ ok: true, changed: false, cursor: 2 })
    expect(await stored(b, 'a')).toMatchObject({ cursor: 2, ackedAt: expect.any(Number) })
    expect(await b.redis.xlen(b.keys.events)).toBe(3)
  })

  it('refuses an unknown subscriber and an event not yet written', async () => {
    const b = await luaBoard('subs')
    await b.create()
    await b.call('subscribe', { name: 'a', max: 10 })
    const before = await dumpBoardKeys(b.redis, b.name)
    expect(await b.raw('ackSubscriber', { name: 'x', eventId: 1 })).toEqual({ err: 'SUBSCRIBER_NOT_FOUND', name: 'x' })
    expect(await b.raw('ackSubscriber', { name: 'a', eventId: 2 })).toMatchObject({ err: 'INVALID_INPUT', field: 'eventId', got: 2 })
    expect(await dumpBoardKeys(b.redis, b.name)).toEqual(before)
  })
})

describe('deleteSubscriber.lua', () => {
  it('forgets the subscriber; false when there was none', async () => {
    const b = await luaBoard('subs')
    await b.call('subscribe', { name: 'a', max: 10 })
    expect(await b.call('deleteSubscriber', { name: 'a' })).toEqual({ ok: true, deleted: true })
    expect(await b.call('deleteSubscriber', { name: 'a' })).toEqual({ ok: true, deleted: false })
    expect(await b.redis.exists(b.keys.subscribers)).toBe(0)
  })
})
