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
})
