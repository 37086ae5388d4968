import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { expectNear, luaBoard, type LuaBoard } from '../helpers/lua.js'

/** Claims a task with a 7 s lease, then ages its lease and progress marks to 1 (stored state). */
async function agedRun(b: LuaBoard): Promise<{ id: string; runId: string }> {
  const id = await b.create()
  const runId = await b.claim(id, 'w', 7000)
  await b.redis.hset(b.keys.task(id), 'leaseExpiresAt', '1', 'lastHeartbeatAt', '1')
  await b.redis.zadd(b.keys.leases, 1, id)
  await b.redis.zadd(b.keys.heartbeats, 1, id)
  return { id, runId }
}

describe('heartbeat.lua leaseOnly (the worker automatic lease renewal)', () => {
  it('extends leaseExpiresAt and the leases score only: lastHeartbeatAt and hb untouched, no event', async () => {
    const b = await luaBoard('hblease')
    const { id, runId } = await agedRun(b)
    const events = await b.events(id)
    const stream = await b.redis.xlen(b.keys.events)

    const before = await b.now()
    const r = await b.call('heartbeat', { id, runId, leaseOnly: true })
    const after = await b.now()
    if (!r.ok) throw new Error('refused')
    expect(Object.keys(r).sort()).toEqual(['leaseExpiresAt', 'ok'])
    expectNear(r.leaseExpiresAt, before + 7000, after + 7000)

    const t = await b.task(id)
    expect(t.leaseExpiresAt).toBe(String(r.leaseExpiresAt))
    expect(await b.zscore(b.keys.leases, id)).toBe(r.leaseExpiresAt)
    expect(t.lastHeartbeatAt).toBe('1')
    expect(await b.zscore(b.keys.heartbeats, id)).toBe(1)
    expect(t.status).toBe('running')
    expect(await b.events(id)).toEqual(events)
    expect(await b.redis.xlen(b.keys.events)).toBe(stream)
  })

  it('a note with leaseOnly is not progress either: no heartbeat event', async () => {
    const b = await luaBoard('hblease')
    const { id, runId } = await agedRun(b)
    const events = await b.events(id)
    expect((await b.call('heartbeat', { id, runId, leaseOnly: true, note: 'ignored' })).ok).toBe(true)
    expect(await b.events(id)).toEqual(events)
    expect((await b.task(id)).lastHeartbeatAt).toBe('1')
  })

  it('a normal heartbeat moves both the lease and the progress marks', async () => {
    const b = await luaBoard('hblease')
    await b.call('configure', { set: { staleTimeoutMs: 60_000 }, clear: [] }) // hb is kept for the stale sweep
    const { id, runId } = await agedRun(b)
    const before = await b.now()
    const r = await b.call('heartbeat', { id, runId })
    const after = await b.now()
    if (!r.ok) throw new Error('refused')
    const t = await b.task(id)
    expect(await b.zscore(b.keys.leases, id)).toBe(r.leaseExpiresAt)
    expectNear(t.lastHeartbeatAt, before, after)
    expect(await b.zscore(b.keys.heartbeats, id)).toBe(Number(t.lastHeartbeatAt))
  })

  it('refuses a stale run id and writes nothing', async () => {
    const b = await luaBoard('hblease')
    const id = await b.create()
    const old = await b.claim(id)
    await b.call('reclaimTask', { id })
    await b.claim(id, 'w2')
    const before = await b.dump()
    expect(await b.call('heartbeat', { id, runId: old, leaseOnly: true })).toEqual({ ok: false, status: 'running', id })
    expect(await b.dump()).toEqual(before)
  })

  it('lease renewals keep a run from being reclaimed but not from going stale', async () => {
    const b = await luaBoard('hblease')
    await b.call('configure', { set: { staleTimeoutMs: 400 }, clear: [] })
    const idle = await b.create()
    const busy = await b.create()
    const idleRun = await b.claim(idle, 'w', 500)
    const busyRun = await b.claim(busy, 'w', 500)
    // both leases are renewed well past their 500 ms ttl; only `busy` reports progress
    for (let i = 0; i < 4; i++) {
      await sleep(150)
      expect((await b.call('heartbeat', { id: idle, runId: idleRun, leaseOnly: true })).ok).toBe(true)
      expect((await b.call('heartbeat', { id: busy, runId: busyRun })).ok).toBe(true)
    }
    expect(await b.call('expireRuns', { mode: 'lease', count: 10 })).toEqual({ ids: [], tripped: [] })
    expect(await b.call('expireRuns', { mode: 'stale', count: 10 })).toEqual({ ids: [idle], tripped: [] })
    expect((await b.run(idleRun)).outcome).toBe('stale')
    expect((await b.task(busy)).status).toBe('running')
  })
})
