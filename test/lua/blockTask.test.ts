import { describe, expect, it } from 'vitest'
import { expectNear, luaBoard } from '../helpers/lua.js'

describe('blockTask.lua', () => {
  it('running -> blocked, sticky: closes the run blocked, drops the lease, never enters nsblocked', async () => {
    const b = await luaBoard('block')
    const id = await b.create()
    const runId = await b.claim(id)
    const before = await b.now()
    const r = await b.call('blockTask', { id, runId, reason: 'review-required: ACL change', kind: 'needs_input' })
    const after = await b.now()
    expect(r).toEqual({ ok: true, status: 'blocked' })
    const t = await b.task(id)
    expect(t).toMatchObject({
      status: 'blocked',
      sticky: '1',
      blockKind: 'needs_input',
      blockRecurrences: '0',
      blockReason: 'review-required: ACL change',
    })
    expect(t.currentRunId).toBeUndefined()
    expect(await b.indexes(id)).toEqual(['blocked'])
    expect(await b.nsblocked()).toEqual([])
    expect(await b.zscore(b.keys.leases, id)).toBeNull()
    const run = await b.run(runId)
    expect(run).toMatchObject({ outcome: 'blocked', summary: 'review-required: ACL change' })
    expectNear(run.endedAt, before, after)
    expect(await b.lastEvent(id)).toMatchObject({
      kind: 'blocked',
      runId,
      payload: { reason: 'review-required: ACL change', kind: 'needs_input', sticky: true },
    })
  })

  it('ready -> blocked without a kind: sticky, no block kind, no run', async () => {
    const b = await luaBoard('block')
    const id = await b.create()
    expect(await b.call('blockTask', { id, reason: 'wait' })).toEqual({ ok: true, status: 'blocked' })
    const t = await b.task(id)
    expect(t).toMatchObject({ status: 'blocked', sticky: '1' })
    expect(t.blockKind).toBeUndefined()
    expect(await b.lastEvent(id)).toMatchObject({ kind: 'blocked', runId: null, payload: { reason: 'wait', kind: null, sticky: true } })
  })

  it('dependency with an unsatisfied parent -> todo, not sticky, dependency_wait; the run is closed blocked', async () => {
    const b = await luaBoard('block')
    const id = await b.create()
    const runId = await b.claim(id)
    // the worker discovers a prerequisite: an open parent linked while it runs
    const parent = await b.create()
    await b.call('linkTasks', { parent, child: id, maxVisit: 100 })
    const r = await b.call('blockTask', { id, runId, reason: 'needs parent output', kind: 'dependency' })
    expect(r).toEqual({ ok: true, status: 'todo' })
    expect(await b.task(id)).toMatchObject({ status: 'todo', sticky: '0', pending: '1' })
    expect(await b.indexes(id)).toEqual(['todo'])
    expect(await b.nsblocked()).toEqual([])
    expect((await b.run(runId)).outcome).toBe('blocked')
    expect(await b.lastEvent(id)).toMatchObject({ kind: 'dependency_wait', runId, payload: { reason: 'needs parent output' } })
    // and the parent's completion releases it (event-driven)
    expect(await b.call('completeTask', { id: parent })).toEqual({ ok: true, promoted: [id], jobs: [], rest: [] })
  })

  it('dependency with every parent satisfied is re-kinded needs_input and sticky', async () => {
    const b = await luaBoard('block')
    const parent = await b.create()
    const id = await b.create({ parentIds: [parent] })
    await b.call('completeTask', { id: parent })
    const runId = await b.claim(id)
    expect(await b.call('blockTask', { id, runId, reason: 'deps?', kind: 'dependency' })).toEqual({ ok: true, status: 'blocked' })
    expect(await b.task(id)).toMatchObject({ status: 'blocked', sticky: '1', blockKind: 'needs_input' })
    expect((await b.lastEvent(id)).payload).toEqual({ reason: 'deps?', kind: 'needs_input', sticky: true })
  })

  it('the same kind again after unblock counts recurrences; the second recurrence goes to triage', async () => {
    const b = await luaBoard('block')
    const id = await b.create()
    const block = async () => b.call('blockTask', { id, runId: await b.claim(id), reason: 'no GPU', kind: 'capability' })
    expect(await block()).toEqual({ ok: true, status: 'blocked' })
    expect((await b.task(id)).blockRecurrences).toBe('0')
    await b.call('unblockTask', { id })
    expect(await block()).toEqual({ ok: true, status: 'blocked' })
    expect((await b.task(id)).blockRecurrences).toBe('1')
    await b.call('unblockTask', { id })
    expect(await block()).toEqual({ ok: true, status: 'triage' })
    expect(await b.task(id)).toMatchObject({ status: 'triage', sticky: '0', blockRecurrences: '2', blockKind: 'capability' })
    expect(await b.indexes(id)).toEqual(['triage'])
    expect(await b.lastEvent(id)).toMatchObject({
      kind: 'block_loop_detected',
      payload: { reason: 'no GPU', kind: 'capability', recurrences: 2 },
    })
  })

  it('a different kind restarts the recurrence count', async () => {
    const b = await luaBoard('block')
    const id = await b.create()
    await b.call('blockTask', { id, reason: 'a', kind: 'capability' })
    await b.call('unblockTask', { id })
    await b.call('blockTask', { id, reason: 'b', kind: 'capability' })
    await b.call('unblockTask', { id })
    expect(await b.call('blockTask', { id, reason: 'c', kind: 'transient' })).toEqual({ ok: true, status: 'blocked' })
    expect(await b.task(id)).toMatchObject({ blockKind: 'transient', blockRecurrences: '0' })
  })

  it('refuses a stale run id and writes nothing', async () => {
    const b = await luaBoard('block')
    const id = await b.create()
    const old = await b.claim(id)
    await b.call('reclaimTask', { id })
    await b.claim(id)
    const before = await b.dump()
    expect(await b.call('blockTask', { id, runId: old, reason: 'late' })).toEqual({ ok: false, status: 'running', id })
    expect(await b.dump()).toEqual(before)
  })

  it.each(['todo', 'blocked', 'triage', 'done'] as const)('refuses a %s task', async (status) => {
    const b = await luaBoard('block')
    const id =
      status === 'todo' ? await b.create({ parentIds: [await b.create()] }) : await b.create({ blocked: status === 'blocked', triage: status === 'triage' })
    if (status === 'done') await b.call('completeTask', { id })
    const before = await b.dump()
    expect(await b.call('blockTask', { id, reason: 'x' })).toEqual({ ok: false, status, id })
    expect(await b.dump()).toEqual(before)
  })

  it('TASK_NOT_FOUND for an unknown id', async () => {
    const b = await luaBoard('block')
    expect(await b.raw('blockTask', { id: 't1', reason: 'x' })).toEqual({ err: 'TASK_NOT_FOUND', id: 't1' })
    await expect(b.call('blockTask', { id: 't1', reason: 'x' })).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' })
  })
})
