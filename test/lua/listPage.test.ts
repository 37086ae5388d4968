import { describe, expect, it } from 'vitest'
import { luaBoard, type LuaBoard } from '../helpers/lua.js'
import { scriptSource } from '../../src/scriptLoader.js'

/** A page as listPage.lua replies it, with each task hash made an object. */
async function page(b: LuaBoard, args: Parameters<LuaBoard['call']>[1] & object) {
  const r = await b.call('listPage', args as never)
  return { ...r, tasks: r.tasks.map((flat) => Object.fromEntries(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]]))) }
}

describe('listPage.lua (a page of a listing: reads only)', () => {
  it('merges the wanted statuses of a filter in dispatch order, from an exclusive cursor, with exact `more`', async () => {
    const b = await luaBoard('listpage')
    // priorities decide the dispatch order (higher first); statuses ready and blocked
    const ids: string[] = []
    for (let i = 0; i < 7; i++) ids.push(await b.create({ assignee: 'a', tenant: i % 2 ? 'odd' : 'even', priority: 7 - i, ...(i % 3 === 0 ? { blocked: true } : {}) }))
    const other = await b.create({ assignee: 'b', tenant: 'even', priority: 100 })

    const all = await page(b, { statuses: ['ready', 'blocked'], lane: 'a', limit: 3 })
    expect(all.tasks.map((t) => t.id)).toEqual(ids.slice(0, 3))
    expect(all.more).toBe(true)
    expect(all.lastId).toBe(ids[2])
    expect(Number(all.lastScore)).toBe(await b.zscore(b.keys.statusLane(all.tasks[2]!.status as never, 'a'), ids[2]!))

    const rest = await page(b, { statuses: ['ready', 'blocked'], lane: 'a', limit: 4, afterScore: all.lastScore!, afterId: all.lastId! })
    expect(rest.tasks.map((t) => t.id)).toEqual(ids.slice(3))
    expect(rest.more).toBe(false) // exactly the 4 left: nothing follows

    const even = await page(b, { statuses: ['ready', 'blocked'], tenant: 'even', limit: 10 })
    expect(even.tasks.map((t) => t.id)).toEqual([other, ids[0], ids[2], ids[4], ids[6]])
    const evenA = await page(b, { statuses: ['blocked'], lane: 'a', tenant: 'even', limit: 10 })
    expect(evenA.tasks.map((t) => t.id)).toEqual([ids[0], ids[6]])
    const none = await page(b, { statuses: ['done'], limit: 10 })
    expect(none).toEqual({ tasks: [], parents: {}, more: false })
  })

  it('gives the parents of the tasks that have any, and the whole hash of each task', async () => {
    const b = await luaBoard('listpage')
    const p1 = await b.create({ title: 'p1' })
    const p2 = await b.create({ title: 'p2' })
    const child = await b.create({ title: 'child', parentIds: [p1, p2] })
    const r = await page(b, { statuses: ['todo'], limit: 10 })
    expect(r.tasks).toEqual([await b.hash(child)])
    expect(r.parents[child]?.sort()).toEqual([p1, p2].sort())
    const ready = await page(b, { statuses: ['ready'], limit: 10 })
    expect(ready.parents).toEqual({})
  })

  it('writes nothing, and is a no-writes script in both forms (it runs while Redis refuses writes)', async () => {
    const b = await luaBoard('listpage')
    await b.create({ assignee: 'a' })
    const before = await b.dump()
    await page(b, { statuses: ['ready'], lane: 'a', limit: 5 })
    expect(await b.dump()).toEqual(before)
    expect(scriptSource('listPage').split('\n')[0]).toBe('#!lua flags=no-writes')
    const libs = (await b.redis.call('FUNCTION', 'LIST', 'WITHCODE')) as unknown[][]
    const flags = (lib: unknown[]) => {
      const fns = lib[lib.indexOf('functions') + 1] as unknown[][]
      return Object.fromEntries(fns.map((f) => [String(f[f.indexOf('name') + 1]).replace(/^kb_\w+?_/, ''), f[f.indexOf('flags') + 1]]))
    }
    const ours = libs.map(flags).find((f) => 'listPage' in f)!
    expect(ours.listPage).toEqual(['no-writes'])
    expect(ours.previewDispatch).toEqual(['no-writes'])
    expect(ours.completeTask).toEqual([])
  })
})
