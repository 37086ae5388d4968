/**
 * deleteBoard.lua: one bounded part of deleting a board (src/boards.ts drives the calls).
 */
import { describe, expect, it } from 'vitest'
import { luaBoard, type LuaBoard } from '../helpers/lua.js'

/** Every key of the board (a test may SCAN; the script never does). */
async function keys(b: LuaBoard): Promise<string[]> {
  return Object.keys(await b.dump()).sort()
}

describe('deleteBoard.lua', () => {
  it('refuses while a task is running: RUNS_OPEN with the count and the first ids, nothing written', async () => {
    const b = await luaBoard('drop')
    const ids: string[] = []
    for (let i = 0; i < 12; i++) ids.push(await b.create())
    for (const id of ids) await b.claim(id)
    await b.create()
    const before = await b.dump()
    const r = await b.raw('deleteBoard', { count: 100 })
    expect(r).toMatchObject({ err: 'RUNS_OPEN', count: 12 })
    expect(r.ids).toHaveLength(10)
    await expect(b.call('deleteBoard', { count: 100 })).rejects.toMatchObject({ code: 'RUNS_OPEN', details: { count: 12 } })
    expect(await b.dump()).toEqual(before)
  })

  it('deletes at most count tasks per call, satisfied ones first, pausing dispatch; with force, running ones too', async () => {
    const b = await luaBoard('drop')
    const doneId = await b.create()
    await b.call('completeTask', { id: doneId })
    const todo = await b.create({ parentIds: [await b.create({ assignee: 'coder' })] })
    const running = await b.create({ assignee: 'runner' })
    await b.claim(running)
    const first = await b.call('deleteBoard', { count: 2, force: true })
    expect(first).toEqual({ deleted: 2, left: 2 })
    expect(await b.task(doneId)).toEqual({})
    expect(await b.task(running)).toMatchObject({ status: 'running' })
    expect(JSON.parse((await b.redis.hget(b.keys.paused, '*'))!)).toMatchObject({ by: 'deleteBoard' })
    expect(await b.call('deleteBoard', { count: 2, force: true })).toEqual({ deleted: 2, left: 0 })
    expect(await b.task(todo)).toEqual({})
    // the lanes of the tasks it deleted are kept for the BullMQ queues' removal
    expect((await b.redis.smembers(b.keys.lanes)).sort()).toEqual(['coder', 'runner'])
    expect(await b.call('deleteBoard', { count: 2 })).toEqual({ deleted: 0, left: 0 })
  })

  it('a chain deleted in one call leaves no event list of a child it promoted and then deleted', async () => {
    const b = await luaBoard('drop')
    let prev = await b.create()
    for (let i = 0; i < 5; i++) prev = await b.create({ parentIds: [prev] })
    expect(await b.call('deleteBoard', { count: 100 })).toEqual({ deleted: 6, left: 0 })
    expect((await keys(b)).filter((k) => k.includes(':t:'))).toEqual([])
    // the promotions happened, on the stream only
    const kinds = (await b.redis.xrange(b.keys.events, '-', '+')).map(([, f]) => JSON.parse(f[f.indexOf('e') + 1]!).kind as string)
    expect(kinds.filter((k) => k === 'promoted').length).toBeGreaterThan(0)
  })

  it('final: refused while a task is left; then removes every board-wide key', async () => {
    const b = await luaBoard('drop')
    await b.call('configure', { set: { failureLimit: 3 }, clear: [] })
    const id = await b.create({ assignee: 'coder', idempotencyKey: 'k' })
    await b.call('announceLanes', { lanes: ['coder'], concurrency: 4 })
    await b.call('pauseDispatch', { actor: 'me', lane: 'coder' })
    expect(await b.call('deleteBoard', { count: 0, final: true })).toEqual({ done: false })
    expect(await b.task(id)).toMatchObject({ status: 'ready' })
    await b.call('deleteBoard', { count: 10 })
    expect(await keys(b)).toEqual(expect.arrayContaining([b.keys.settings, b.keys.seq, b.keys.events, b.keys.lanes]))
    expect(await b.call('deleteBoard', { count: 0, final: true })).toEqual({ done: true })
    expect(await keys(b)).toEqual([])
  })
})
