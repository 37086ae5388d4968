import { describe, expect, it } from 'vitest'
import { luaBoard } from '../helpers/lua.js'

describe('specifyTask.lua', () => {
  it('triage -> ready: patches the given fields, ends the block, keeps the loop count (only completion resets it)', async () => {
    const b = await luaBoard('specify')
    const id = await b.create({ title: 'vague' })
    // a block loop is the automatic way into triage: the 2nd block of one kind
    await b.call('blockTask', { id, reason: 'no creds', kind: 'needs_input' })
    await b.call('unblockTask', { id })
    expect(await b.call('blockTask', { id, reason: 'no creds', kind: 'needs_input' })).toEqual({ ok: true, status: 'triage' })
    expect(await b.task(id)).toMatchObject({ status: 'triage', blockRecurrences: '2', blockKind: 'needs_input' })

    const r = await b.call('specifyTask', { id, title: 'precise', assignee: 'ops', author: 'alice' })
    expect(r).toEqual({ ok: true, status: 'ready' })
    const t = await b.task(id)
    expect(t).toMatchObject({ status: 'ready', title: 'precise', assignee: 'ops', blockRecurrences: '2', blockKind: 'needs_input', sticky: '0' })
    expect(t.blockReason).toBeUndefined()
    expect(t.body).toBeUndefined()
    expect(await b.indexes(id)).toEqual(['ready'])
    expect(await b.lastEvent(id)).toMatchObject({
      kind: 'specified',
      payload: { fields: ['title', 'assignee'], author: 'alice', to: 'ready' },
    })
  })

  it('-> todo when a parent is unsatisfied', async () => {
    const b = await luaBoard('specify')
    const id = await b.create({ triage: true, parentIds: [await b.create()] })
    expect(await b.call('specifyTask', { id, body: 'details' })).toEqual({ ok: true, status: 'todo' })
    expect(await b.task(id)).toMatchObject({ status: 'todo', body: 'details' })
    expect(await b.indexes(id)).toEqual(['todo'])
  })

  it.each(['ready', 'blocked'] as const)('refuses a %s task and writes nothing', async (status) => {
    const b = await luaBoard('specify')
    const id = await b.create({ blocked: status === 'blocked' })
    const before = await b.dump()
    expect(await b.call('specifyTask', { id, title: 'x' })).toEqual({ ok: false, status, id })
    expect(await b.dump()).toEqual(before)
  })

  it('TASK_NOT_FOUND for an unknown id', async () => {
    const b = await luaBoard('specify')
    expect(await b.raw('specifyTask', { id: 't3' })).toEqual({ err: 'TASK_NOT_FOUND', id: 't3' })
    await expect(b.call('specifyTask', { id: 't3' })).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' })
  })
})
