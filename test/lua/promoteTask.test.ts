import { describe, expect, it } from 'vitest'
import { luaBoard } from '../helpers/lua.js'

describe('promoteTask.lua', () => {
  it('sticky blocked -> ready: clears stickiness and reason, keeps the failure counter', async () => {
    const b = await luaBoard('promote')
    const id = await b.create()
    await b.call('recordFailure', { id, runId: await b.claim(id), outcome: 'crashed', error: 'e' })
    await b.call('blockTask', { id, reason: 'human please' })
    const r = await b.call('promoteTask', { id, actor: 'op', reason: 'looked at it' })
    expect(r).toEqual({ ok: true })
    const t = await b.task(id)
    expect(t).toMatchObject({ status: 'ready', sticky: '0', consecutiveFailures: '1', lastFailureError: 'e' })
    expect(t.blockReason).toBeUndefined()
    expect(await b.indexes(id)).toEqual(['ready'])
    expect(await b.lastEvent(id)).toMatchObject({
      kind: 'promoted_manual',
      runId: null,
      payload: { actor: 'op', reason: 'looked at it', force: false, from: 'blocked' },
    })
  })

  it('breaker-blocked -> ready: leaves nsblocked, counter kept', async () => {
    const b = await luaBoard('promote')
    const id = await b.create()
    await b.breakerBlock(id)
    expect(await b.call('promoteTask', { id, actor: 'op' })).toEqual({ ok: true })
    expect(await b.nsblocked()).toEqual([])
    expect(await b.task(id)).toMatchObject({ status: 'ready', consecutiveFailures: '2' })
  })

  it('refuses unsatisfied parents without force and writes nothing; force promotes', async () => {
    const b = await luaBoard('promote')
    const parent = await b.create()
    const id = await b.create({ parentIds: [parent] })
    const before = await b.dump()
    expect(await b.call('promoteTask', { id, actor: 'op' })).toEqual({ ok: false, status: 'todo', reason: 'parents' })
    expect(await b.dump()).toEqual(before)
    expect(await b.call('promoteTask', { id, actor: 'op', force: true })).toEqual({ ok: true })
    expect(await b.task(id)).toMatchObject({ status: 'ready', pending: '1' })
    expect((await b.lastEvent(id)).payload).toEqual({ actor: 'op', reason: null, force: true, from: 'todo' })
  })

  it.each(['ready', 'triage', 'scheduled', 'done'] as const)('refuses a %s task and writes nothing', async (status) => {
    const b = await luaBoard('promote')
    const id = await b.create({ triage: status === 'triage', runAt: status === 'scheduled' ? (await b.now()) + 60_000 : undefined })
    if (status === 'done') await b.call('completeTask', { id })
    const before = await b.dump()
    expect(await b.call('promoteTask', { id, actor: 'op', force: true })).toEqual({ ok: false, status, id })
    expect(await b.dump()).toEqual(before)
  })

  it('TASK_NOT_FOUND for an unknown id', async () => {
    const b = await luaBoard('promote')
    expect(await b.raw('promoteTask', { id: 't1', actor: 'op' })).toEqual({ err: 'TASK_NOT_FOUND', id: 't1' })
    await expect(b.call('promoteTask', { id: 't1', actor: 'op' })).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' })
  })
})
