import { describe, expect, it } from 'vitest'
import { luaBoard, type LuaBoard } from '../helpers/lua.js'

/** a -> b -> c (parent -> child), all created through the script. */
async function chain(b: LuaBoard): Promise<[string, string, string]> {
  const r = await b.call('createTasks', {
    nodes: [
      { ref: 'a', title: 'a', priority: 0, parentIds: [], parentRefs: [] },
      { ref: 'b', title: 'b', priority: 0, parentIds: [], parentRefs: ['a'] },
      { ref: 'c', title: 'c', priority: 0, parentIds: [], parentRefs: ['b'] },
    ],
  })
  return [r.ids.a!, r.ids.b!, r.ids.c!]
}

describe('linkTasks.lua', () => {
  it('an unsatisfied parent demotes a ready child to todo and counts as pending', async () => {
    const b = await luaBoard('link')
    const parent = await b.create()
    const child = await b.create()
    expect(await b.call('linkTasks', { parent, child, maxVisit: 100 })).toEqual({ ok: true, linked: true, demoted: true })
    expect(await b.task(child)).toMatchObject({ status: 'todo', pending: '1' })
    expect(await b.indexes(child)).toEqual(['todo'])
    expect(await b.redis.smembers(b.keys.children(parent))).toEqual([child])
    expect(await b.redis.smembers(b.keys.parents(child))).toEqual([parent])
    expect(await b.lastEvent(child)).toMatchObject({ kind: 'linked', runId: null, payload: { parent, demoted: true } })
    // and completing the new parent releases it again
    expect(await b.call('completeTask', { id: parent })).toEqual({ ok: true, promoted: [child], jobs: [], rest: [] })
  })

  it('a satisfied parent links without demotion or pending', async () => {
    const b = await luaBoard('link')
    const parent = await b.create()
    await b.call('completeTask', { id: parent })
    const child = await b.create()
    expect(await b.call('linkTasks', { parent, child, maxVisit: 100 })).toEqual({ ok: true, linked: true, demoted: false })
    expect(await b.task(child)).toMatchObject({ status: 'ready', pending: '0' })
    expect((await b.lastEvent(child)).payload).toEqual({ parent, demoted: false })
  })

  it('a running child is not demoted but gains a pending parent', async () => {
    const b = await luaBoard('link')
    const child = await b.create()
    await b.claim(child)
    const parent = await b.create()
    expect(await b.call('linkTasks', { parent, child, maxVisit: 100 })).toEqual({ ok: true, linked: true, demoted: false })
    expect(await b.task(child)).toMatchObject({ status: 'running', pending: '1' })
  })

  it('an existing link is a no-op that writes nothing', async () => {
    const b = await luaBoard('link')
    const [a, bb] = await chain(b)
    const before = await b.dump()
    expect(await b.call('linkTasks', { parent: a, child: bb, maxVisit: 100 })).toEqual({ ok: true, linked: false, demoted: false })
    expect(await b.dump()).toEqual(before)
  })

  it('SELF_LINK, nothing written', async () => {
    const b = await luaBoard('link')
    const id = await b.create()
    const before = await b.dump()
    expect(await b.raw('linkTasks', { parent: id, child: id, maxVisit: 100 })).toEqual({ err: 'SELF_LINK', id })
    await expect(b.call('linkTasks', { parent: id, child: id, maxVisit: 100 })).rejects.toMatchObject({ code: 'SELF_LINK' })
    expect(await b.dump()).toEqual(before)
  })

  it('CYCLE names the path parent -> child -> ... -> parent, nothing written', async () => {
    const b = await luaBoard('link')
    const [a, bb, c] = await chain(b)
    const before = await b.dump()
    expect(await b.raw('linkTasks', { parent: c, child: a, maxVisit: 100 })).toEqual({ err: 'CYCLE', path: [c, a, bb, c] })
    await expect(b.call('linkTasks', { parent: c, child: a, maxVisit: 100 })).rejects.toMatchObject({
      code: 'CYCLE',
      message: expect.stringContaining(`${c} -> ${a} -> ${bb} -> ${c}`),
    })
    // the two-node cycle too
    expect(await b.raw('linkTasks', { parent: bb, child: a, maxVisit: 100 })).toEqual({ err: 'CYCLE', path: [bb, a, bb] })
    expect(await b.dump()).toEqual(before)
  })

  it('GRAPH_TOO_LARGE when the cycle check would visit more than maxVisit descendants, nothing written', async () => {
    const b = await luaBoard('link')
    const [a] = await chain(b)
    const outsider = await b.create()
    const before = await b.dump()
    expect(await b.raw('linkTasks', { parent: outsider, child: a, maxVisit: 1 })).toEqual({ err: 'GRAPH_TOO_LARGE', id: a, limit: 1 })
    await expect(b.call('linkTasks', { parent: outsider, child: a, maxVisit: 1 })).rejects.toMatchObject({ code: 'GRAPH_TOO_LARGE' })
    expect(await b.dump()).toEqual(before)
    // within the bound the same link is fine
    expect(await b.call('linkTasks', { parent: outsider, child: a, maxVisit: 2 })).toMatchObject({ linked: true })
  })

  it('TASK_NOT_FOUND names the missing side', async () => {
    const b = await luaBoard('link')
    const id = await b.create()
    expect(await b.raw('linkTasks', { parent: 't404', child: id, maxVisit: 100 })).toEqual({ err: 'TASK_NOT_FOUND', id: 't404' })
    expect(await b.raw('linkTasks', { parent: id, child: 't405', maxVisit: 100 })).toEqual({ err: 'TASK_NOT_FOUND', id: 't405' })
    await expect(b.call('linkTasks', { parent: id, child: 't405', maxVisit: 100 })).rejects.toMatchObject({
      code: 'TASK_NOT_FOUND',
      details: { id: 't405' },
    })
  })
})
