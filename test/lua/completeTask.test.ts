import { describe, expect, it } from 'vitest'
import { expectNear, luaBoard } from '../helpers/lua.js'

describe('completeTask.lua', () => {
  it('running -> done: closes the run completed, resets counters, drops the lease, event with the first summary line', async () => {
    const b = await luaBoard('complete')
    const id = await b.create()
    const r1 = await b.claim(id)
    await b.call('recordFailure', { id, runId: r1, outcome: 'crashed', error: 'first try' })
    const runId = await b.claim(id)
    const before = await b.now()
    const r = await b.call('completeTask', { id, runId, result: 'the answer', summary: 'did it\nwith details', metadata: '{"n":1}' })
    const after = await b.now()
    expect(r).toEqual({ ok: true, promoted: [], jobs: [], rest: [] })

    const t = await b.task(id)
    expect(t).toMatchObject({ status: 'done', result: 'the answer', consecutiveFailures: '0', blockRecurrences: '0', sticky: '0' })
    expectNear(t.completedAt, before, after)
    for (const gone of ['currentRunId', 'leaseExpiresAt', 'lastFailureError', 'runFromReview']) expect(t[gone]).toBeUndefined()
    expect(await b.indexes(id)).toEqual(['done'])
    expect(await b.zscore(b.keys.leases, id)).toBeNull()
    expect(await b.zscore(b.keys.heartbeats, id)).toBeNull()

    const run = await b.run(runId)
    expect(run).toMatchObject({ outcome: 'completed', summary: 'did it\nwith details', metadata: '{"n":1}' })
    expectNear(run.endedAt, before, after)
    expect(await b.lastEvent(id)).toMatchObject({ kind: 'completed', runId, payload: { summary: 'did it' } })
  })

  it('promotes in the same step exactly the children whose parents are now all satisfied', async () => {
    const b = await luaBoard('complete')
    const p = await b.create({ title: 'p' })
    const q = await b.create({ title: 'q' })
    const only = await b.create({ parentIds: [p] })
    const both = await b.create({ parentIds: [p, q] })
    const r = await b.call('completeTask', { id: p })
    expect(r).toEqual({ ok: true, promoted: [only], jobs: [], rest: [] })
    expect(await b.task(only)).toMatchObject({ status: 'ready', pending: '0' })
    expect(await b.indexes(only)).toEqual(['ready'])
    expect(await b.lastEvent(only)).toMatchObject({ kind: 'promoted', runId: null, payload: { from: 'todo', reason: 'parents_satisfied' } })
    expect(await b.task(both)).toMatchObject({ status: 'todo', pending: '1' })
    expect(await b.call('completeTask', { id: q })).toEqual({ ok: true, promoted: [both], jobs: [], rest: [] })
  })

  it('a breaker-blocked child is released only when below its effective limit', async () => {
    const b = await luaBoard('complete')
    const p = await b.create()
    const atLimit = await b.create({ parentIds: [p] })
    const raised = await b.create({ parentIds: [p] })
    // A task can fail while its parent is open: forced to ready, a worker could not start it.
    for (const id of [atLimit, raised]) {
      await b.call('promoteTask', { id, actor: 'op', force: true })
      await b.call('recordFailure', { id, outcome: 'crashed', error: 'x' })
      const r = await b.call('recordFailure', { id, outcome: 'crashed', error: 'x' })
      expect(r).toMatchObject({ tripped: true, status: 'blocked' })
    }
    await b.call('updateTask', { id: raised, patch: { maxRetries: 5 } })
    const r = await b.call('completeTask', { id: p })
    expect(r).toEqual({ ok: true, promoted: [raised], jobs: [], rest: [] })
    // recovery keeps the counter (docs/blocks-and-breaker.md#recovery)
    expect(await b.task(raised)).toMatchObject({ status: 'ready', consecutiveFailures: '2' })
    expect(await b.lastEvent(raised)).toMatchObject({ kind: 'promoted', payload: { from: 'blocked', reason: 'parents_satisfied' } })
    expect(await b.task(atLimit)).toMatchObject({ status: 'blocked', pending: '0' })
    expect(await b.nsblocked()).toEqual([atLimit])
  })

  it('ready with a result and no run records a zero-length run', async () => {
    const b = await luaBoard('complete')
    const id = await b.create()
    expect(await b.call('completeTask', { id, result: 'r' })).toEqual({ ok: true, promoted: [], jobs: [], rest: [] })
    expect(await b.redis.hget(b.keys.task(id), 'runIds')).toBe('r1')
    const run = await b.run('r1')
    expect(run).toMatchObject({ claimer: 'direct', outcome: 'completed' })
    expect(run.endedAt).toBe(run.startedAt)
    const t = await b.task(id)
    expect(t.currentRunId).toBeUndefined()
    expect(await b.zscore(b.keys.leases, id)).toBeNull()
    expect(await b.lastEvent(id)).toMatchObject({ kind: 'completed', runId: 'r1', payload: { summary: null } })
  })

  it('ready without a result records no run', async () => {
    const b = await luaBoard('complete')
    const id = await b.create()
    await b.call('completeTask', { id })
    expect(await b.redis.hexists(b.keys.task(id), 'runIds')).toBe(0)
    expect(await b.lastEvent(id)).toMatchObject({ kind: 'completed', runId: null })
  })

  it('blocked -> done clears stickiness, block kind and the nsblocked membership', async () => {
    const b = await luaBoard('complete')
    const sticky = await b.create()
    await b.call('blockTask', { id: sticky, reason: 'ask a human', kind: 'needs_input' })
    const breaker = await b.create()
    await b.breakerBlock(breaker)
    expect(await b.nsblocked()).toEqual([breaker])
    for (const id of [sticky, breaker]) expect(await b.call('completeTask', { id })).toEqual({ ok: true, promoted: [], jobs: [], rest: [] })
    expect(await b.task(sticky)).toMatchObject({ status: 'done', sticky: '0', blockRecurrences: '0' })
    expect((await b.task(sticky)).blockKind).toBeUndefined()
    expect((await b.task(sticky)).blockReason).toBeUndefined()
    expect(await b.task(breaker)).toMatchObject({ status: 'done', consecutiveFailures: '0' })
    expect((await b.task(breaker)).lastFailureError).toBeUndefined()
    expect(await b.nsblocked()).toEqual([])
  })

  it('refuses a stale run id and writes nothing', async () => {
    const b = await luaBoard('complete')
    const id = await b.create()
    const old = await b.claim(id)
    await b.call('reclaimTask', { id })
    await b.claim(id)
    const before = await b.dump()
    expect(await b.call('completeTask', { id, runId: old, result: 'late' })).toEqual({ ok: false, status: 'running', id })
    expect(await b.dump()).toEqual(before)
  })

  it.each(['todo', 'triage', 'review', 'done'] as const)('refuses a %s task', async (status) => {
    const b = await luaBoard('complete')
    const id = status === 'todo' ? await b.create({ parentIds: [await b.create()] }) : await b.create({ triage: status === 'triage' })
    if (status === 'review') await b.call('requestReview', { id, runId: await b.claim(id) })
    if (status === 'done') await b.call('completeTask', { id })
    const before = await b.dump()
    expect(await b.call('completeTask', { id, result: 'x' })).toEqual({ ok: false, status, id })
    expect(await b.dump()).toEqual(before)
  })

  it('TASK_NOT_FOUND for an unknown id', async () => {
    const b = await luaBoard('complete')
    expect(await b.raw('completeTask', { id: 't9' })).toEqual({ err: 'TASK_NOT_FOUND', id: 't9' })
    await expect(b.call('completeTask', { id: 't9' })).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' })
  })
})
