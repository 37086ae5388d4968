import { describe, expect, it } from 'vitest'
import { luaBoard } from '../helpers/lua.js'

describe('assignTask.lua', () => {
  it('a change of assignee resets the failure counter and writes assigned', async () => {
    const b = await luaBoard('assign')
    const id = await b.create()
    await b.call('recordFailure', { id, runId: await b.claim(id), outcome: 'crashed', error: 'e' })
    expect(await b.call('assignTask', { id, assignee: 'coder' })).toEqual({ ok: true, changed: true })
    const t = await b.task(id)
    expect(t).toMatchObject({ assignee: 'coder', consecutiveFailures: '0', status: 'ready' })
    expect(t.lastFailureError).toBeUndefined()
    expect(await b.lastEvent(id)).toMatchObject({ kind: 'assigned', runId: null, payload: { from: null, to: 'coder' } })
  })

  it('null unassigns', async () => {
    const b = await luaBoard('assign')
    const id = await b.create({ assignee: 'coder' })
    expect(await b.call('assignTask', { id, assignee: null })).toEqual({ ok: true, changed: true })
    expect((await b.task(id)).assignee).toBeUndefined()
    expect((await b.lastEvent(id)).payload).toEqual({ from: 'coder', to: null })
  })

  it('the same assignee changes nothing: no counter reset, no event', async () => {
    const b = await luaBoard('assign')
    const id = await b.create({ assignee: 'coder' })
    await b.call('recordFailure', { id, runId: await b.claim(id), outcome: 'crashed', error: 'e' })
    const before = await b.dump()
    expect(await b.call('assignTask', { id, assignee: 'coder' })).toEqual({ ok: true, changed: false })
    expect(await b.dump()).toEqual(before)
  })

  it('a breaker-blocked task reassigned keeps its status but gets a fresh budget', async () => {
    const b = await luaBoard('assign')
    const id = await b.create({ assignee: 'a' })
    await b.breakerBlock(id)
    expect(await b.call('assignTask', { id, assignee: 'b' })).toEqual({ ok: true, changed: true })
    expect(await b.task(id)).toMatchObject({ status: 'blocked', consecutiveFailures: '0' })
    // still in nsblocked: the next sweep sees 0 < limit and releases it
    expect(await b.nsblocked()).toEqual([id])
  })

  it('refuses while running and writes nothing', async () => {
    const b = await luaBoard('assign')
    const id = await b.create()
    await b.claim(id)
    const before = await b.dump()
    expect(await b.call('assignTask', { id, assignee: 'other' })).toEqual({ ok: false, status: 'running', id })
    expect(await b.dump()).toEqual(before)
  })

  it('TASK_NOT_FOUND for an unknown id', async () => {
    const b = await luaBoard('assign')
    expect(await b.raw('assignTask', { id: 't1', assignee: 'x' })).toEqual({ err: 'TASK_NOT_FOUND', id: 't1' })
    await expect(b.call('assignTask', { id: 't1', assignee: 'x' })).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' })
  })
})
