import { describe, expect, it } from 'vitest'
import { luaBoard } from '../helpers/lua.js'

describe('completeBatch.lua (several completions in one call)', () => {
  it('applies each completion as completeTask does, in order; refusals and unknown ids stay per item', async () => {
    const b = await luaBoard('completeb')
    const parent = await b.create({ assignee: 'lane' })
    const child = await b.create({ assignee: 'lane', parentIds: [parent] })
    const other = await b.create({ assignee: 'lane' })
    const done = await b.create({ assignee: 'lane' })
    await b.call('completeTask', { id: done })
    const runP = await b.claim(parent)
    const runO = await b.claim(other)

    const out = await b.call('completeBatch', {
      items: [
        { id: parent, runId: runP, summary: 'built\nmore', result: 'ok' },
        { id: other, runId: 'r999' },
        { id: done },
        { id: 't404' },
        { id: other, runId: runO, metadata: '{"k":1}' },
      ],
    })
    expect(out.results).toEqual([
      { ok: true, promoted: [child] },
      { ok: false, status: 'running', id: other },
      { ok: false, status: 'done', id: done },
      { err: 'TASK_NOT_FOUND', id: 't404' },
      { ok: true, promoted: {} }, // cjson: an empty Lua table; Board reads it as []
    ])
    expect(await b.task(parent)).toMatchObject({ status: 'done', result: 'ok', sticky: '0', consecutiveFailures: '0' })
    expect(await b.lastEvent(parent)).toMatchObject({ kind: 'completed', runId: runP, payload: { summary: 'built' } })
    expect(await b.run(runP)).toMatchObject({ outcome: 'completed', summary: 'built\nmore' })
    expect((await b.task(child)).status).toBe('ready')
    expect(await b.lastEvent(child)).toMatchObject({ kind: 'promoted', payload: { from: 'todo', reason: 'parents_satisfied' } })
    expect(await b.run(runO)).toMatchObject({ outcome: 'completed', metadata: '{"k":1}' })
    expect(await b.indexes(other)).toEqual(['done'])
    expect(await b.redis.exists(b.keys.inflight)).toBe(0)
  })

  it('with enqueue, the children the batch promoted are reserved in the same call (default lane and caps as reserveDispatch)', async () => {
    const b = await luaBoard('completeb')
    await b.call('configure', { set: { defaultAssignee: 'general', maxInProgressPerAssignee: 1 }, clear: [] })
    const [p1, p2, p3] = [await b.create({ assignee: 'lane' }), await b.create({ assignee: 'lane' }), await b.create({ assignee: 'lane' })]
    const c1 = await b.create({ assignee: 'kids', parentIds: [p1] })
    const c2 = await b.create({ assignee: 'kids', parentIds: [p2] })
    const loose = await b.create({ parentIds: [p3] })
    const out = await b.call('completeBatch', { items: [{ id: p1 }, { id: p2 }, { id: p3 }], enqueue: true })
    expect(out.results.map((r) => ('promoted' in r ? r.promoted : null))).toEqual([[c1], [c2], [loose]])
    // lane `kids` is capped at 1 in flight: c1 goes, c2 waits in dq; the unassigned one takes the default lane
    expect(out.jobs).toEqual([
      { id: c1, lane: 'kids', jobId: 'j1' },
      { id: loose, lane: 'general', jobId: 'j2' },
    ])
    expect(out.rest).toEqual([])
    for (const id of [c1, loose]) expect(await b.zscore(b.keys.queued, id)).not.toBeNull()
    expect(await b.zscore(b.keys.dispatchQueue, c2)).not.toBeNull()
    expect((await b.task(loose)).assignee).toBe('general')
    expect(await b.lastEvent(loose)).toMatchObject({ kind: 'assigned', payload: { to: 'general', by: 'dispatcher' } })
    // without enqueue nothing is reserved
    const q = await b.create({ assignee: 'lane' })
    const child = await b.create({ assignee: 'other', parentIds: [q] })
    expect(await b.call('completeTask', { id: q })).toEqual({ ok: true, promoted: [child], jobs: [], rest: [] })
    expect(await b.zscore(b.keys.dispatchQueue, child)).not.toBeNull()
  })
})
