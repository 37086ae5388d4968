import { describe, expect, it } from 'vitest'
import { expectNear, luaBoard, type LuaBoard } from '../helpers/lua.js'

const inflight = (b: LuaBoard) => b.keys.inflight

describe('releaseTask.lua (a worker gives its task back, neutral)', () => {
  it('running -> ready: run closed reclaimed with the reason, counter and error unchanged, event released neutral', async () => {
    const b = await luaBoard('release')
    const id = await b.create({ assignee: 'lane', maxRetries: 3, maxRuntimeMs: 60_000 })
    await b.call('recordFailure', { id, runId: await b.claim(id), outcome: 'crashed', error: 'boom' })
    const runId = await b.claim(id, 'w2')
    expect(await b.redis.hget(inflight(b), 'lane')).toBe('1')

    const before = await b.now()
    expect(await b.call('releaseTask', { id, runId, reason: 'worker shutdown' })).toEqual({ ok: true, status: 'ready' })
    const after = await b.now()

    const t = await b.task(id)
    expect(t).toMatchObject({ status: 'ready', consecutiveFailures: '1', lastFailureError: 'boom', sticky: '0' })
    for (const gone of ['currentRunId', 'leaseExpiresAt', 'leaseTtlMs', 'lastHeartbeatAt', 'runFromReview', 'inflightLane', 'runIdx']) {
      expect(t[gone], gone).toBeUndefined()
    }
    expect(await b.indexes(id)).toEqual(['ready'])
    expect(await b.nsblocked()).toEqual([])
    for (const z of [b.keys.leases, b.keys.heartbeats, b.keys.deadlines]) expect(await b.zscore(z, id), z).toBeNull()
    expect(await b.zscore(b.keys.dispatchQueue, id)).toBe(Number(t.ord))
    expect(await b.redis.hexists(inflight(b), 'lane')).toBe(0)

    const run = await b.run(runId)
    expect(run).toMatchObject({ outcome: 'reclaimed', error: 'worker shutdown' })
    expectNear(run.endedAt, before, after)
    expect(await b.lastEvent(id)).toMatchObject({
      kind: 'released',
      runId,
      payload: { reason: 'worker shutdown', neutral: true },
    })
  })

  it('never trips the breaker, even with failures at the limit', async () => {
    const b = await luaBoard('release')
    const id = await b.create({ maxRetries: 2 })
    await b.call('recordFailure', { id, runId: await b.claim(id), outcome: 'crashed', error: 'boom' })
    await b.call('updateTask', { id, patch: { maxRetries: 1 } })
    const runId = await b.claim(id)
    expect(await b.call('releaseTask', { id, runId, reason: 'shutdown' })).toEqual({ ok: true, status: 'ready' })
    expect(await b.task(id)).toMatchObject({ status: 'ready', consecutiveFailures: '1' })
    expect(await b.kinds(id)).not.toContain('gave_up')
  })

  it('a run claimed from review goes back to review', async () => {
    const b = await luaBoard('release')
    const id = await b.create()
    await b.call('requestReview', { id, runId: await b.claim(id), reviewer: 'rev' })
    const runId = await b.claim(id, 'reviewer')
    expect(await b.call('releaseTask', { id, runId, reason: 'shutdown' })).toEqual({ ok: true, status: 'review' })
    const t = await b.task(id)
    expect(t).toMatchObject({ status: 'review', assignee: 'rev' })
    expect(t.runFromReview).toBeUndefined()
    expect(await b.indexes(id)).toEqual(['review'])
    expect(await b.zscore(b.keys.dispatchQueue, id)).toBe(Number(t.ord))
    expect(await b.run(runId)).toMatchObject({ outcome: 'reclaimed', fromReview: '1' })
  })

  it('a running task that gained an unsatisfied parent goes to todo, not dispatchable', async () => {
    const b = await luaBoard('release')
    const id = await b.create({ assignee: 'lane' })
    const runId = await b.claim(id)
    const parent = await b.create()
    // linking an unsatisfied parent leaves a running child running, with one pending parent
    expect(await b.call('linkTasks', { parent, child: id, maxVisit: 100 })).toEqual({ ok: true, linked: true, demoted: false })
    expect(await b.task(id)).toMatchObject({ status: 'running', pending: '1' })
    expect(await b.call('releaseTask', { id, runId, reason: 'shutdown' })).toEqual({ ok: true, status: 'todo' })
    expect(await b.indexes(id)).toEqual(['todo'])
    expect(await b.zscore(b.keys.dispatchQueue, id)).toBeNull()
    expect((await b.run(runId)).outcome).toBe('reclaimed')
  })

  it('a force-promoted task goes back to ready: the operator override survives a worker shutdown', async () => {
    const b = await luaBoard('release')
    const parent = await b.create()
    const id = await b.create({ assignee: 'lane', parentIds: [parent] })
    await b.call('promoteTask', { id, actor: 'op', force: true })
    const runId = await b.claim(id)
    // the task did not fail and was not rejected: it is handed back as it was before the claim
    expect(await b.call('releaseTask', { id, runId, reason: 'shutdown' })).toEqual({ ok: true, status: 'ready' })
    expect(await b.task(id)).toMatchObject({ status: 'ready', forced: '1', pending: '1' })
    expect(await b.zscore(b.keys.dispatchQueue, id)).not.toBeNull()
    // and the next claim takes it, as the forced promotion promised
    expect(await b.claim(id, 'w2')).toBe('r2')
  })

  it('refuses a stale run id and writes nothing (the fencing token)', async () => {
    const b = await luaBoard('release')
    const id = await b.create()
    const old = await b.claim(id)
    await b.call('reclaimTask', { id })
    await b.claim(id, 'w2')
    const before = await b.dump()
    expect(await b.call('releaseTask', { id, runId: old, reason: 'shutdown' })).toEqual({ ok: false, status: 'running', id })
    expect(await b.dump()).toEqual(before)
  })

  it.each(['ready', 'done'] as const)('refuses a %s task and writes nothing', async (status) => {
    const b = await luaBoard('release')
    const id = await b.create()
    const runId = await b.claim(id)
    if (status === 'ready') await b.call('reclaimTask', { id })
    else await b.call('completeTask', { id, runId })
    const before = await b.dump()
    expect(await b.call('releaseTask', { id, runId, reason: 'shutdown' })).toEqual({ ok: false, status, id })
    expect(await b.dump()).toEqual(before)
  })

  it('TASK_NOT_FOUND for an unknown id, nothing written', async () => {
    const b = await luaBoard('release')
    const before = await b.dump()
    expect(await b.raw('releaseTask', { id: 't404', runId: 'r1', reason: 'x' })).toEqual({ err: 'TASK_NOT_FOUND', id: 't404' })
    await expect(b.call('releaseTask', { id: 't404', runId: 'r1', reason: 'x' })).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' })
    expect(await b.dump()).toEqual(before)
  })
})
