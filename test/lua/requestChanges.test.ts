import { describe, expect, it } from 'vitest'
import { luaBoard } from '../helpers/lua.js'

describe('requestChanges.lua', () => {
  it('review -> ready: gives the task back to the author lane', async () => {
    const b = await luaBoard('changes')
    const id = await b.create({ assignee: 'coder' })
    await b.call('requestReview', { id, runId: await b.claim(id), reviewer: 'reviewer' })
    expect(await b.call('requestChanges', { id, reason: 'tests missing' })).toEqual({ ok: true, status: 'ready' })
    const t = await b.task(id)
    expect(t).toMatchObject({ status: 'ready', assignee: 'coder' })
    expect(t.authorAssignee).toBeUndefined()
    expect(await b.indexes(id)).toEqual(['ready'])
    expect(await b.lastEvent(id)).toMatchObject({ kind: 'changes_requested', runId: null, payload: { reason: 'tests missing' } })
  })

  it('a claimed review: closes the reviewer run completed with the reason as summary', async () => {
    const b = await luaBoard('changes')
    const id = await b.create({ assignee: 'coder' })
    await b.call('requestReview', { id, runId: await b.claim(id), reviewer: 'reviewer' })
    const runId = await b.claim(id, 'reviewer-1')
    expect(await b.call('requestChanges', { id, runId, reason: 'rename it' })).toEqual({ ok: true, status: 'ready' })
    expect(await b.run(runId)).toMatchObject({ outcome: 'completed', summary: 'rename it' })
    const t = await b.task(id)
    expect(t).toMatchObject({ status: 'ready', assignee: 'coder' })
    expect(t.currentRunId).toBeUndefined()
    expect(t.runFromReview).toBeUndefined()
    expect(await b.zscore(b.keys.leases, id)).toBeNull()
    expect((await b.lastEvent(id)).runId).toBe(runId)
  })

  it('an unassigned author gets an unassigned task back', async () => {
    const b = await luaBoard('changes')
    const id = await b.create()
    await b.call('requestReview', { id, runId: await b.claim(id), reviewer: 'reviewer' })
    expect((await b.task(id)).authorAssignee).toBe('')
    await b.call('requestChanges', { id, reason: 'no' })
    expect((await b.task(id)).assignee).toBeUndefined()
  })

  it('-> todo when a parent became unsatisfied', async () => {
    const b = await luaBoard('changes')
    const id = await b.create()
    await b.call('requestReview', { id, runId: await b.claim(id) })
    await b.call('linkTasks', { parent: await b.create(), child: id, maxVisit: 100 })
    expect(await b.call('requestChanges', { id, reason: 'wait for it' })).toEqual({ ok: true, status: 'todo' })
    expect(await b.indexes(id)).toEqual(['todo'])
  })

  it('refuses a running task that did not come from review, and a stale run id; nothing written', async () => {
    const b = await luaBoard('changes')
    const plain = await b.create()
    await b.claim(plain)
    const reviewed = await b.create()
    await b.call('requestReview', { id: reviewed, runId: await b.claim(reviewed) })
    await b.claim(reviewed, 'reviewer')
    const before = await b.dump()
    expect(await b.call('requestChanges', { id: plain, reason: 'x' })).toEqual({ ok: false, status: 'running', id: plain })
    expect(await b.call('requestChanges', { id: reviewed, runId: 'r999', reason: 'x' })).toEqual({
      ok: false,
      status: 'running',
      id: reviewed,
    })
    expect(await b.dump()).toEqual(before)
  })

  it.each(['ready', 'blocked', 'done'] as const)('refuses a %s task', async (status) => {
    const b = await luaBoard('changes')
    const id = await b.create({ blocked: status === 'blocked' })
    if (status === 'done') await b.call('completeTask', { id })
    expect(await b.call('requestChanges', { id, reason: 'x' })).toEqual({ ok: false, status, id })
  })

  it('TASK_NOT_FOUND for an unknown id', async () => {
    const b = await luaBoard('changes')
    expect(await b.raw('requestChanges', { id: 't1', reason: 'x' })).toEqual({ err: 'TASK_NOT_FOUND', id: 't1' })
    await expect(b.call('requestChanges', { id: 't1', reason: 'x' })).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' })
  })
})
