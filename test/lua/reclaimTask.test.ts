import { describe, expect, it } from 'vitest'
import { luaBoard } from '../helpers/lua.js'

describe('reclaimTask.lua', () => {
  it('running -> ready: closes the run reclaimed, resets the counter, drops the lease', async () => {
    const b = await luaBoard('reclaim')
    const id = await b.create()
    await b.call('recordFailure', { id, runId: await b.claim(id), outcome: 'crashed', error: 'e1' })
    const runId = await b.claim(id)
    const r = await b.call('reclaimTask', { id, reason: 'operator took it back' })
    expect(r).toEqual({ ok: true, status: 'ready', runId })
    const t = await b.task(id)
    expect(t).toMatchObject({ status: 'ready', consecutiveFailures: '0' })
    for (const gone of ['currentRunId', 'leaseExpiresAt', 'lastFailureError', 'runFromReview']) expect(t[gone]).toBeUndefined()
    expect(await b.indexes(id)).toEqual(['ready'])
    expect(await b.zscore(b.keys.leases, id)).toBeNull()
    expect(await b.zscore(b.keys.heartbeats, id)).toBeNull()
    expect(await b.run(runId)).toMatchObject({ outcome: 'reclaimed', error: 'operator took it back' })
    expect(await b.lastEvent(id)).toMatchObject({
      kind: 'reclaimed',
      runId,
      payload: { reason: 'operator took it back', manual: true },
    })
  })

  it("the old worker's later writes are refused by the fencing token", async () => {
    const b = await luaBoard('reclaim')
    const id = await b.create()
    const old = await b.claim(id)
    await b.call('reclaimTask', { id })
    const fresh = await b.claim(id, 'w2')
    const before = await b.dump()
    expect(await b.call('heartbeat', { id, runId: old })).toMatchObject({ ok: false })
    expect(await b.call('completeTask', { id, runId: old, result: 'late' })).toMatchObject({ ok: false })
    expect(await b.call('blockTask', { id, runId: old, reason: 'late' })).toMatchObject({ ok: false })
    expect(await b.call('requestReview', { id, runId: old })).toMatchObject({ ok: false })
    expect(await b.raw('recordFailure', { id, runId: old, outcome: 'crashed', error: 'late' })).toEqual({
      err: 'STALE_RUN',
      id,
      runId: old,
      openRunId: fresh,
    })
    expect(await b.dump()).toEqual(before)
  })

  it('a force-promoted task goes back to ready: the override survives the reclaim', async () => {
    const b = await luaBoard('reclaim')
    const parent = await b.create()
    const id = await b.create({ parentIds: [parent] })
    await b.call('promoteTask', { id, actor: 'op', force: true })
    await b.claim(id)
    expect(await b.call('reclaimTask', { id })).toMatchObject({ ok: true, status: 'ready' })
    expect((await b.task(id)).forced).toBe('1')
    expect(await b.indexes(id)).toEqual(['ready'])
  })

  it('-> todo when a parent became unsatisfied while it ran', async () => {
    const b = await luaBoard('reclaim')
    const id = await b.create()
    const runId = await b.claim(id)
    await b.call('linkTasks', { parent: await b.create(), child: id, maxVisit: 100 })
    expect(await b.call('reclaimTask', { id })).toEqual({ ok: true, status: 'todo', runId })
    expect(await b.indexes(id)).toEqual(['todo'])
    expect((await b.lastEvent(id)).payload).toEqual({ reason: null, manual: true })
  })

  it('a reclaimed review run goes back to ready, not review', async () => {
    const b = await luaBoard('reclaim')
    const id = await b.create()
    await b.call('requestReview', { id, runId: await b.claim(id) })
    const runId = await b.claim(id, 'reviewer')
    expect(await b.call('reclaimTask', { id })).toEqual({ ok: true, status: 'ready', runId })
    expect((await b.task(id)).runFromReview).toBeUndefined()
  })

  it.each(['ready', 'blocked', 'review', 'done'] as const)('refuses a %s task and writes nothing', async (status) => {
    const b = await luaBoard('reclaim')
    const id = await b.create({ blocked: status === 'blocked' })
    if (status === 'review') await b.call('requestReview', { id, runId: await b.claim(id) })
    if (status === 'done') await b.call('completeTask', { id })
    const before = await b.dump()
    expect(await b.call('reclaimTask', { id })).toEqual({ ok: false, status, id })
    expect(await b.dump()).toEqual(before)
  })

  it('TASK_NOT_FOUND for an unknown id', async () => {
    const b = await luaBoard('reclaim')
    expect(await b.raw('reclaimTask', { id: 't2' })).toEqual({ err: 'TASK_NOT_FOUND', id: 't2' })
    await expect(b.call('reclaimTask', { id: 't2' })).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' })
  })
})
