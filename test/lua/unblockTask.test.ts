import { describe, expect, it } from 'vitest'
import { luaBoard } from '../helpers/lua.js'

describe('unblockTask.lua', () => {
  it('a force-promoted task keeps its override: unblocked to ready despite its pending parent', async () => {
    const b = await luaBoard('unblock')
    const parent = await b.create()
    const id = await b.create({ parentIds: [parent] })
    await b.call('promoteTask', { id, actor: 'op', force: true })
    const runId = await b.claim(id)
    await b.call('blockTask', { id, runId, reason: 'needs a human' })
    expect(await b.call('unblockTask', { id })).toEqual({ ok: true, status: 'ready' })
    expect(await b.indexes(id)).toEqual(['ready'])
  })

  it('sticky blocked -> ready: clears stickiness, counter, last error and reason; keeps block kind and recurrences', async () => {
    const b = await luaBoard('unblock')
    // a limit of 3 keeps the 2nd block of the kind in `blocked` (at the default 2 it is triage)
    await b.call('configure', { set: { blockRecurrenceLimit: 3 }, clear: [] })
    const id = await b.create()
    await b.call('blockTask', { id, runId: await b.claim(id), reason: 'ask', kind: 'capability' })
    await b.call('unblockTask', { id })
    await b.call('recordFailure', { id, runId: await b.claim(id), outcome: 'crashed', error: 'oops' })
    await b.call('blockTask', { id, reason: 'ask again', kind: 'capability' })
    expect(await b.task(id)).toMatchObject({ sticky: '1', consecutiveFailures: '1', blockRecurrences: '2' })

    expect(await b.call('unblockTask', { id, actor: 'alice' })).toEqual({ ok: true, status: 'ready' })
    const t = await b.task(id)
    expect(t).toMatchObject({ status: 'ready', sticky: '0', consecutiveFailures: '0', blockRecurrences: '2', blockKind: 'capability' })
    expect(t.lastFailureError).toBeUndefined()
    expect(t.blockReason).toBeUndefined()
    expect(await b.indexes(id)).toEqual(['ready'])
    expect(await b.lastEvent(id)).toMatchObject({ kind: 'unblocked', runId: null, payload: { from: 'blocked', to: 'ready', actor: 'alice' } })
  })

  it('breaker-blocked -> ready: leaves nsblocked, counter reset', async () => {
    const b = await luaBoard('unblock')
    const id = await b.create()
    await b.breakerBlock(id)
    expect(await b.nsblocked()).toEqual([id])
    expect(await b.call('unblockTask', { id })).toEqual({ ok: true, status: 'ready' })
    expect(await b.nsblocked()).toEqual([])
    expect(await b.task(id)).toMatchObject({ status: 'ready', consecutiveFailures: '0', sticky: '0' })
    expect((await b.lastEvent(id)).payload).toEqual({ from: 'blocked', to: 'ready', actor: null })
  })

  it('-> todo when a parent is unsatisfied', async () => {
    const b = await luaBoard('unblock')
    const parent = await b.create()
    const id = await b.create({ parentIds: [parent], blocked: true })
    expect(await b.call('unblockTask', { id })).toEqual({ ok: true, status: 'todo' })
    expect(await b.indexes(id)).toEqual(['todo'])
    expect((await b.task(id)).sticky).toBe('0')
  })

  it('scheduled -> ready: drops runAt and the sched entry', async () => {
    const b = await luaBoard('unblock')
    const id = await b.create({ runAt: (await b.now()) + 3_600_000 })
    expect(await b.zscore(b.keys.scheduled, id)).not.toBeNull()
    expect(await b.call('unblockTask', { id })).toEqual({ ok: true, status: 'ready' })
    expect((await b.task(id)).runAt).toBeUndefined()
    expect(await b.zscore(b.keys.scheduled, id)).toBeNull()
    expect((await b.lastEvent(id)).payload).toMatchObject({ from: 'scheduled', to: 'ready' })
  })

  it('closes a dangling open run as reclaimed', async () => {
    const b = await luaBoard('unblock')
    const id = await b.create()
    const runId = await b.claim(id)
    // stored state no script produces: blocked with an open run and a live lease
    await b.forceStatus(id, 'blocked')
    expect(await b.call('unblockTask', { id })).toEqual({ ok: true, status: 'ready' })
    expect(await b.run(runId)).toMatchObject({ outcome: 'reclaimed', error: 'closed by unblock' })
    expect((await b.task(id)).currentRunId).toBeUndefined()
    expect(await b.zscore(b.keys.leases, id)).toBeNull()
  })

  it.each(['ready', 'todo', 'triage', 'done'] as const)('refuses a %s task and writes nothing', async (status) => {
    const b = await luaBoard('unblock')
    const id = status === 'todo' ? await b.create({ parentIds: [await b.create()] }) : await b.create({ triage: status === 'triage' })
    if (status === 'done') await b.call('completeTask', { id })
    const before = await b.dump()
    expect(await b.call('unblockTask', { id })).toEqual({ ok: false, status, id })
    expect(await b.dump()).toEqual(before)
  })

  it('TASK_NOT_FOUND for an unknown id', async () => {
    const b = await luaBoard('unblock')
    expect(await b.raw('unblockTask', { id: 't5' })).toEqual({ err: 'TASK_NOT_FOUND', id: 't5' })
    await expect(b.call('unblockTask', { id: 't5' })).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' })
  })
})
