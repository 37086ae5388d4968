/**
 * Liveness in Lua (docs/fleet.md#liveness): a worker's announcement (announceLanes.lua) kept
 * as its own expiring hash and in the `workers` index, pruned a page at a time; its goodbye;
 * and the dispatcher's last tick, recorded by acquireLeader.lua.
 */
import { describe, expect, it } from 'vitest'
import { expectNear, luaBoard, type LuaBoard } from '../helpers/lua.js'

const worker = (id: string) => ({ id, name: `name-${id}`, host: 'box', pid: 42 })
const announce = (b: LuaBoard, id: string, ttlMs: number, lanes = ['alpha'], concurrency = 4) =>
  b.call('announceLanes', { lanes, concurrency, worker: worker(id), ttlMs })

describe('announceLanes.lua: the live-worker registry', () => {
  it('keeps the announcement as the worker hash, expiring after ttlMs, and in the index by expiry', async () => {
    const b = await luaBoard('live')
    const before = await b.now()
    const r = await announce(b, 'w1', 30_000, ['alpha', 'beta'], 4)
    const after = await b.now()
    expect(r).toMatchObject({ ok: true })
    const h = await b.redis.hgetall(b.keys.worker('w1'))
    expect(h).toMatchObject({ id: 'w1', name: 'name-w1', host: 'box', pid: '42', lanes: 'alpha beta', concurrency: '4', ttlMs: '30000' })
    expectNear(h.lastSeen, before, after)
    expect(h.startedAt).toBe(h.lastSeen)
    const pttl = await b.redis.pttl(b.keys.worker('w1'))
    expect(pttl).toBeGreaterThan(25_000)
    expect(pttl).toBeLessThanOrEqual(30_000)
    expect(await b.redis.zscore(b.keys.workers, 'w1')).toBe(String(Number(h.lastSeen) + 30_000))
    // the lane sizing is unchanged by it
    expect(Object.values(await b.redis.hgetall(b.keys.laneCap(r.ok && 'window' in r ? r.window : 0)))).toEqual(['4', '4'])
    // a worker is not a task: no event
    expect(await b.redis.exists(b.keys.events)).toBe(0)
  })

  it('a later announcement moves lastSeen and the expiry, keeps startedAt, and takes the new lanes', async () => {
    const b = await luaBoard('live')
    await announce(b, 'w1', 30_000, ['alpha'], 2)
    const first = await b.redis.hgetall(b.keys.worker('w1'))
    await new Promise((r) => setTimeout(r, 5))
    await announce(b, 'w1', 30_000, ['beta'], 3)
    const h = await b.redis.hgetall(b.keys.worker('w1'))
    expect(h.startedAt).toBe(first.startedAt)
    expect(Number(h.lastSeen)).toBeGreaterThan(Number(first.lastSeen))
    expect(h).toMatchObject({ lanes: 'beta', concurrency: '3' })
    expect(await b.redis.zscore(b.keys.workers, 'w1')).toBe(String(Number(h.lastSeen) + 30_000))
    expect(await b.redis.zcard(b.keys.workers)).toBe(1)
  })

  it('drops expired entries from the index, at most 20 per call, so workers that come and go leave nothing', async () => {
    const b = await luaBoard('live')
    const now = await b.now()
    // 25 workers that stopped without a goodbye: their hashes expired, their index entries linger
    for (let i = 0; i < 25; i++) await b.redis.zadd(b.keys.workers, now - 1000 - i, `gone${i}`)
    await announce(b, 'w1', 30_000)
    expect(await b.redis.zcard(b.keys.workers)).toBe(1 + 5)
    await announce(b, 'w1', 30_000)
    expect(await b.redis.zrange(b.keys.workers, 0, -1)).toEqual(['w1'])
  })

  it('the index lives as long as its longest-lived entry', async () => {
    const b = await luaBoard('live')
    await announce(b, 'long', 60_000)
    await announce(b, 'short', 1_000)
    expect(await b.redis.pttl(b.keys.workers)).toBeGreaterThan(50_000)
    const other = await luaBoard('live')
    await announce(other, 'short', 1_000)
    const pttl = await other.redis.pttl(other.keys.workers)
    expect(pttl).toBeGreaterThan(0)
    expect(pttl).toBeLessThanOrEqual(1_000)
  })

  it('leave: the goodbye removes the worker at once; leaving twice is harmless', async () => {
    const b = await luaBoard('live')
    await announce(b, 'w1', 30_000)
    await announce(b, 'w2', 30_000)
    expect(await b.call('announceLanes', { leave: 'w1' })).toEqual({ ok: true, left: true })
    expect(await b.redis.exists(b.keys.worker('w1'))).toBe(0)
    expect(await b.redis.zrange(b.keys.workers, 0, -1)).toEqual(['w2'])
    expect(await b.call('announceLanes', { leave: 'w1' })).toEqual({ ok: true, left: false })
  })

  it('an announcement without a worker (an older worker) only sizes lanes', async () => {
    const b = await luaBoard('live')
    await b.call('announceLanes', { lanes: ['alpha'], concurrency: 2 })
    expect(await b.redis.exists(b.keys.workers)).toBe(0)
  })
})

describe('acquireLeader.lua: the last tick', () => {
  it('a granted lease records when and by whom; a refused one and a release change nothing', async () => {
    const b = await luaBoard('live')
    expect(await b.redis.exists(b.keys.lastTick)).toBe(0)
    const before = await b.now()
    const a = await b.call('acquireLeader', { holder: 'replica-a', ttlMs: 30_000 })
    const after = await b.now()
    if (!a.ok) throw new Error('refused')
    const tick = await b.redis.hgetall(b.keys.lastTick)
    expect(tick).toMatchObject({ holder: 'replica-a', fence: a.fence })
    expectNear(tick.at, before, after)
    await b.call('acquireLeader', { holder: 'replica-b', ttlMs: 30_000 })
    await b.call('acquireLeader', { release: true, fence: a.fence })
    expect(await b.redis.hgetall(b.keys.lastTick)).toEqual(tick)
    // the next tick, by another replica, overwrites it: one small hash
    const c = await b.call('acquireLeader', { holder: 'replica-b', ttlMs: 30_000 })
    if (!c.ok) throw new Error('refused')
    expect(await b.redis.hgetall(b.keys.lastTick)).toMatchObject({ holder: 'replica-b', fence: c.fence })
  })
})
