import { describe, expect, it } from 'vitest'
import { luaBoard } from '../helpers/lua.js'

describe('scheduleTask.lua', () => {
  it('running -> scheduled with runAt: closes the run scheduled, indexes the release time', async () => {
    const b = await luaBoard('sched')
    const id = await b.create()
    const runId = await b.claim(id)
    const runAt = (await b.now()) + 60_000
    expect(await b.call('scheduleTask', { id, runId, runAt, reason: 'after the deploy' })).toEqual({ ok: true })
    const t = await b.task(id)
    expect(t).toMatchObject({ status: 'scheduled', runAt: String(runAt), sticky: '0' })
    expect(t.currentRunId).toBeUndefined()
    expect(await b.indexes(id)).toEqual(['scheduled'])
    expect(await b.zscore(b.keys.scheduled, id)).toBe(runAt)
    expect(await b.zscore(b.keys.leases, id)).toBeNull()
    expect(await b.run(runId)).toMatchObject({ outcome: 'scheduled', summary: 'after the deploy' })
    expect(await b.lastEvent(id)).toMatchObject({ kind: 'scheduled', runId, payload: { reason: 'after the deploy', runAt } })
  })

  it('without runAt: parked until unblock, any earlier runAt dropped', async () => {
    const b = await luaBoard('sched')
    const id = await b.create({ runAt: (await b.now()) + 60_000 })
    await b.call('unblockTask', { id })
    await b.call('scheduleTask', { id, runAt: (await b.now()) + 60_000 })
    await b.call('unblockTask', { id })
    expect(await b.call('scheduleTask', { id })).toEqual({ ok: true })
    expect((await b.task(id)).runAt).toBeUndefined()
    expect(await b.zscore(b.keys.scheduled, id)).toBeNull()
    expect((await b.lastEvent(id)).payload).toEqual({ reason: null, runAt: null })
  })

  it('sticky blocked and breaker-blocked -> scheduled: not sticky, out of nsblocked, counter kept', async () => {
    const b = await luaBoard('sched')
    const sticky = await b.create({ blocked: true })
    const breaker = await b.create()
    await b.breakerBlock(breaker)
    for (const id of [sticky, breaker]) expect(await b.call('scheduleTask', { id })).toEqual({ ok: true })
    expect(await b.task(sticky)).toMatchObject({ status: 'scheduled', sticky: '0' })
    expect(await b.task(breaker)).toMatchObject({ status: 'scheduled', consecutiveFailures: '2' })
    expect(await b.nsblocked()).toEqual([])
  })

  it('todo -> scheduled', async () => {
    const b = await luaBoard('sched')
    const id = await b.create({ parentIds: [await b.create()] })
    expect(await b.call('scheduleTask', { id })).toEqual({ ok: true })
    expect(await b.indexes(id)).toEqual(['scheduled'])
  })

  it('refuses a stale run id and writes nothing', async () => {
    const b = await luaBoard('sched')
    const id = await b.create()
    const old = await b.claim(id)
    await b.call('reclaimTask', { id })
    await b.claim(id)
    const before = await b.dump()
    expect(await b.call('scheduleTask', { id, runId: old })).toEqual({ ok: false, status: 'running', id })
    expect(await b.dump()).toEqual(before)
  })

  it.each(['triage', 'review', 'done', 'scheduled'] as const)('refuses a %s task', async (status) => {
    const b = await luaBoard('sched')
    const id = await b.create({ triage: status === 'triage', runAt: status === 'scheduled' ? (await b.now()) + 60_000 : undefined })
    if (status === 'review') await b.call('requestReview', { id, runId: await b.claim(id) })
    if (status === 'done') await b.call('completeTask', { id })
    const before = await b.dump()
    expect(await b.call('scheduleTask', { id })).toEqual({ ok: false, status, id })
    expect(await b.dump()).toEqual(before)
  })

  it('TASK_NOT_FOUND for an unknown id', async () => {
    const b = await luaBoard('sched')
    expect(await b.raw('scheduleTask', { id: 'gone' })).toEqual({ err: 'TASK_NOT_FOUND', id: 'gone' })
    await expect(b.call('scheduleTask', { id: 'gone' })).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' })
  })
})
