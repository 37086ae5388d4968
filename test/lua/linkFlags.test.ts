import { describe, expect, it } from 'vitest'
import { luaBoard } from '../helpers/lua.js'

/**
 * hasParents / hasChildren: a task's :p / :c set is read on the hot paths (a worker's claim
 * returns the parents, a completion releases the children) only when the flag says it may
 * have members. Every way a link is made must set them, or children would never be released.
 */
describe('link flags (hasParents / hasChildren)', () => {
  it('createTasks: parents in the batch and existing parents are flagged, as are their children; a lone task is not', async () => {
    const b = await luaBoard('flags')
    const old = await b.create({})
    const r = await b.call('createTasks', {
      nodes: [
        { ref: 'a', title: 'a' },
        { ref: 'b', title: 'b', parentRefs: ['a'], parentIds: [old] },
        { ref: 'lone', title: 'lone' },
      ],
    })
    const { a, b: kid, lone } = r.ids as Record<string, string>
    expect(await b.hash(a!)).toMatchObject({ hasChildren: '1' })
    expect(await b.hash(old)).toMatchObject({ hasChildren: '1' })
    expect(await b.hash(kid!)).toMatchObject({ hasParents: '1' })
    expect((await b.hash(a!)).hasParents).toBeUndefined()
    for (const f of ['hasParents', 'hasChildren']) expect((await b.hash(lone!))[f], f).toBeUndefined()
    // completing both parents releases the child
    await b.call('completeBatch', { items: [{ id: a! }, { id: old }] })
    expect((await b.task(kid!)).status).toBe('ready')
  })

  it('linkTasks flags both ends: completing a parent linked later releases its child, and a claim returns the parent', async () => {
    const b = await luaBoard('flags')
    const parent = await b.create({ assignee: 'lane' })
    const child = await b.create({ assignee: 'lane' })
    await b.call('linkTasks', { parent, child, maxVisit: 1000 })
    expect(await b.hash(parent)).toMatchObject({ hasChildren: '1' })
    expect(await b.hash(child)).toMatchObject({ hasParents: '1' })
    const out = await b.call('completeBatch', { items: [{ id: parent }] })
    expect(out.results[0]).toEqual({ ok: true, promoted: [child] })
    await b.call('reserveDispatch', { count: 10, scan: 10 })
    const c = (await b.call('claimBatch', { ids: [child], tokens: [(await b.hash(child)).queueToken!], claimer: 'w' })).results[0]!
    expect(c).toMatchObject({ ok: true, parents: [parent] })
  })
})
