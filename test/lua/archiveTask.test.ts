import { describe, expect, it } from 'vitest'
import { luaBoard } from '../helpers/lua.js'

describe('archiveTask.lua', () => {
  it('running -> archived: closes the run reclaimed, frees the idempotency key, releases children', async () => {
    const b = await luaBoard('archive')
    const id = await b.create({ idempotencyKey: 'job' })
    const child = await b.create({ parentIds: [id] })
    const runId = await b.claim(id)
    expect(await b.call('archiveTask', { id })).toEqual({ ok: true, promoted: [child] })
    const t = await b.task(id)
    expect(t).toMatchObject({ status: 'archived', sticky: '0' })
    expect(t.currentRunId).toBeUndefined()
    expect(await b.indexes(id)).toEqual(['archived'])
    expect(await b.zscore(b.keys.leases, id)).toBeNull()
    expect(await b.run(runId)).toMatchObject({ outcome: 'reclaimed', error: 'archived' })
    expect(await b.redis.hexists(b.keys.idem, 'job')).toBe(0)
    expect(await b.lastEvent(id)).toMatchObject({ kind: 'archived', runId, payload: { from: 'running' } })
    expect(await b.task(child)).toMatchObject({ status: 'ready', pending: '0' })
    expect((await b.lastEvent(child)).payload).toEqual({ from: 'todo', reason: 'parents_satisfied' })
  })

  it('archiving a done parent does not release its children a second time', async () => {
    const b = await luaBoard('archive')
    const done = await b.create()
    const open = await b.create()
    const child = await b.create({ parentIds: [done, open] })
    await b.call('completeTask', { id: done })
    expect((await b.task(child)).pending).toBe('1')
    expect(await b.call('archiveTask', { id: done })).toEqual({ ok: true, promoted: [] })
    expect(await b.task(child)).toMatchObject({ status: 'todo', pending: '1' })
    expect((await b.lastEvent(done)).payload).toEqual({ from: 'done' })
  })

  it('sticky and breaker-blocked tasks leave stickiness and nsblocked behind; schedules and cooldowns are dropped', async () => {
    const b = await luaBoard('archive')
    const sticky = await b.create({ blocked: true })
    const breaker = await b.create()
    await b.breakerBlock(breaker)
    const sched = await b.create({ runAt: (await b.now()) + 60_000 })
    const cooling = await b.create()
    await b.call('recordFailure', { id: cooling, runId: await b.claim(cooling), outcome: 'rate_limited', error: '429' })
    for (const id of [sticky, breaker, sched, cooling]) expect((await b.call('archiveTask', { id })).ok).toBe(true)
    expect((await b.task(sticky)).sticky).toBe('0')
    expect(await b.nsblocked()).toEqual([])
    expect(await b.zscore(b.keys.scheduled, sched)).toBeNull()
    expect(await b.zscore(b.keys.cooldowns, cooling)).toBeNull()
    expect(await b.redis.zrange(b.keys.status('archived'), 0, -1)).toEqual([sticky, breaker, sched, cooling])
  })

  it('refuses an archived task and writes nothing', async () => {
    const b = await luaBoard('archive')
    const id = await b.create()
    await b.call('archiveTask', { id })
    const before = await b.dump()
    expect(await b.call('archiveTask', { id })).toEqual({ ok: false, status: 'archived', id })
    expect(await b.dump()).toEqual(before)
  })

  it('TASK_NOT_FOUND for an unknown id', async () => {
    const b = await luaBoard('archive')
    expect(await b.raw('archiveTask', { id: 't1' })).toEqual({ err: 'TASK_NOT_FOUND', id: 't1' })
    await expect(b.call('archiveTask', { id: 't1' })).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' })
  })
})
