import { describe, expect, it } from 'vitest'
import { expectNear, luaBoard } from '../helpers/lua.js'

describe('heartbeat.lua', () => {
  it('extends the lease of the open run by its own ttl, on the server clock, without an event', async () => {
    const b = await luaBoard('hb')
    await b.call('configure', { set: { staleTimeoutMs: 60_000 }, clear: [] }) // hb is kept for the stale sweep
    const id = await b.create()
    const runId = await b.claim(id, 'w', 7000)
    // stored state: a lease about to expire, so the extension is visible
    await b.redis.hset(b.keys.task(id), 'leaseExpiresAt', '1', 'lastHeartbeatAt', '1')
    await b.redis.zadd(b.keys.leases, 1, id)
    await b.redis.zadd(b.keys.heartbeats, 1, id)
    const eventsBefore = await b.events(id)

    const before = await b.now()
    const r = await b.call('heartbeat', { id, runId })
    const after = await b.now()
    if (!r.ok) throw new Error('refused')
    expect(Object.keys(r).sort()).toEqual(['leaseExpiresAt', 'ok'])
    expectNear(r.leaseExpiresAt, before + 7000, after + 7000)
    const t = await b.task(id)
    expect(t.leaseExpiresAt).toBe(String(r.leaseExpiresAt))
    expectNear(t.lastHeartbeatAt, before, after)
    expect(await b.zscore(b.keys.leases, id)).toBe(r.leaseExpiresAt)
    expect(await b.zscore(b.keys.heartbeats, id)).toBe(Number(t.lastHeartbeatAt))
    expect(t.status).toBe('running')
    expect(await b.events(id)).toEqual(eventsBefore)
  })

  it('a run leaves hb and deadlines when it closes; one claimed before staleTimeoutMs was on enters hb at its next heartbeat', async () => {
    const b = await luaBoard('hb')
    const tracked = await b.create({ maxRuntimeMs: 60_000 })
    const late = await b.create()
    const runLate = await b.claim(late) // staleTimeoutMs off: not in hb
    await b.call('configure', { set: { staleTimeoutMs: 60_000 }, clear: [] })
    const runTracked = await b.claim(tracked)
    expect(await b.zscore(b.keys.heartbeats, tracked)).not.toBeNull()
    expect(await b.zscore(b.keys.deadlines, tracked)).not.toBeNull()
    expect(await b.zscore(b.keys.heartbeats, late)).toBeNull()

    expect((await b.call('heartbeat', { id: late, runId: runLate })).ok).toBe(true)
    expect(await b.zscore(b.keys.heartbeats, late)).not.toBeNull()
    expect((await b.call('heartbeat', { id: tracked, runId: runTracked })).ok).toBe(true)

    await b.call('completeBatch', {
      items: [
        { id: tracked, runId: runTracked },
        { id: late, runId: runLate },
      ],
    })
    for (const id of [tracked, late]) {
      for (const z of [b.keys.leases, b.keys.heartbeats, b.keys.deadlines]) expect(await b.zscore(z, id), `${id} ${z}`).toBeNull()
      expect((await b.task(id)).runIdx, id).toBeUndefined()
    }
  })

  it('a note records progress as a heartbeat event carrying the run id', async () => {
    const b = await luaBoard('hb')
    const id = await b.create()
    const runId = await b.claim(id)
    const r = await b.call('heartbeat', { id, runId, note: 'half way' })
    expect(r.ok).toBe(true)
    expect(await b.lastEvent(id)).toMatchObject({ kind: 'heartbeat', runId, payload: { note: 'half way' } })
  })

  it('refuses a stale run id and writes nothing (the fencing token)', async () => {
    const b = await luaBoard('hb')
    const id = await b.create()
    const old = await b.claim(id)
    await b.call('reclaimTask', { id })
    await b.claim(id, 'w2')
    const before = await b.dump()
    expect(await b.call('heartbeat', { id, runId: old, note: 'late' })).toEqual({ ok: false, status: 'running', id })
    expect(await b.dump()).toEqual(before)
  })

  it('refuses a task that is not running', async () => {
    const b = await luaBoard('hb')
    const id = await b.create()
    const runId = await b.claim(id)
    await b.call('completeTask', { id, runId })
    const before = await b.dump()
    expect(await b.call('heartbeat', { id, runId })).toEqual({ ok: false, status: 'done', id })
    expect(await b.dump()).toEqual(before)
  })

  it('TASK_NOT_FOUND for an unknown id', async () => {
    const b = await luaBoard('hb')
    expect(await b.raw('heartbeat', { id: 'nope', runId: 'r1' })).toEqual({ err: 'TASK_NOT_FOUND', id: 'nope' })
    await expect(b.call('heartbeat', { id: 'nope', runId: 'r1' })).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' })
  })
})
