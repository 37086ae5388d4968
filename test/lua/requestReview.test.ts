import { describe, expect, it } from 'vitest'
import { luaBoard } from '../helpers/lua.js'

describe('requestReview.lua', () => {
  it('running -> review: closes the run review_requested and moves to the reviewer lane, remembering the author lane', async () => {
    const b = await luaBoard('review')
    const id = await b.create({ assignee: 'coder' })
    const runId = await b.claim(id)
    expect(await b.call('requestReview', { id, runId, reviewer: 'reviewer', summary: 'please check' })).toEqual({ ok: true })
    const t = await b.task(id)
    expect(t).toMatchObject({ status: 'review', assignee: 'reviewer', authorAssignee: 'coder' })
    for (const gone of ['currentRunId', 'leaseExpiresAt', 'runFromReview']) expect(t[gone]).toBeUndefined()
    expect(await b.indexes(id)).toEqual(['review'])
    expect(await b.zscore(b.keys.leases, id)).toBeNull()
    expect(await b.run(runId)).toMatchObject({ outcome: 'review_requested', summary: 'please check' })
    expect(await b.lastEvent(id)).toMatchObject({
      kind: 'review_requested',
      runId,
      payload: { reviewer: 'reviewer', summary: 'please check' },
    })
  })

  it('without a reviewer the lane stays as it is', async () => {
    const b = await luaBoard('review')
    const id = await b.create({ assignee: 'coder' })
    await b.call('requestReview', { id, runId: await b.claim(id) })
    const t = await b.task(id)
    expect(t).toMatchObject({ status: 'review', assignee: 'coder' })
    expect(t.authorAssignee).toBeUndefined()
    expect((await b.lastEvent(id)).payload).toEqual({ reviewer: null, summary: null })
  })

  it('refuses a stale run id and writes nothing', async () => {
    const b = await luaBoard('review')
    const id = await b.create()
    const old = await b.claim(id)
    await b.call('reclaimTask', { id })
    await b.claim(id)
    const before = await b.dump()
    expect(await b.call('requestReview', { id, runId: old })).toEqual({ ok: false, status: 'running', id })
    expect(await b.dump()).toEqual(before)
  })

  it.each(['ready', 'review', 'done'] as const)('refuses a %s task', async (status) => {
    const b = await luaBoard('review')
    const id = await b.create()
    if (status === 'review') await b.call('requestReview', { id, runId: await b.claim(id) })
    if (status === 'done') await b.call('completeTask', { id })
    const before = await b.dump()
    expect(await b.call('requestReview', { id })).toEqual({ ok: false, status, id })
    expect(await b.dump()).toEqual(before)
  })

  it('TASK_NOT_FOUND for an unknown id', async () => {
    const b = await luaBoard('review')
    expect(await b.raw('requestReview', { id: 't1' })).toEqual({ err: 'TASK_NOT_FOUND', id: 't1' })
    await expect(b.call('requestReview', { id: 't1' })).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' })
  })
})
