import { describe, expect, it } from 'vitest'
import { luaBoard } from '../helpers/lua.js'

describe('unlinkTasks.lua', () => {
  it('removing the last unsatisfied parent promotes the child in the same step', async () => {
    const b = await luaBoard('unlink')
    const parent = await b.create()
    const child = await b.create({ parentIds: [parent] })
    expect(await b.call('unlinkTasks', { parent, child })).toEqual({ ok: true, unlinked: true, promoted: [child] })
    expect(await b.task(child)).toMatchObject({ status: 'ready', pending: '0' })
    expect(await b.indexes(child)).toEqual(['ready'])
    expect(await b.redis.smembers(b.keys.children(parent))).toEqual([])
    expect(await b.redis.smembers(b.keys.parents(child))).toEqual([])
    const evs = await b.events(child)
    expect(evs.slice(-2).map((e) => [e.kind, e.payload])).toEqual([
      ['unlinked', { parent }],
      ['promoted', { from: 'todo', reason: 'unlinked' }],
    ])
    await b.lastEvent(child)
  })

  it('another unsatisfied parent keeps the child todo', async () => {
    const b = await luaBoard('unlink')
    const p1 = await b.create()
    const p2 = await b.create()
    const child = await b.create({ parentIds: [p1, p2] })
    expect(await b.call('unlinkTasks', { parent: p1, child })).toEqual({ ok: true, unlinked: true, promoted: [] })
    expect(await b.task(child)).toMatchObject({ status: 'todo', pending: '1' })
    expect((await b.lastEvent(child)).kind).toBe('unlinked')
  })

  it('unlinking a satisfied parent leaves pending alone', async () => {
    const b = await luaBoard('unlink')
    const done = await b.create()
    const open = await b.create()
    const child = await b.create({ parentIds: [done, open] })
    await b.call('completeTask', { id: done })
    expect(await b.call('unlinkTasks', { parent: done, child })).toEqual({ ok: true, unlinked: true, promoted: [] })
    expect(await b.task(child)).toMatchObject({ status: 'todo', pending: '1' })
  })

  it('a sticky-blocked child is not promoted, a breaker-blocked one below its limit is', async () => {
    const b = await luaBoard('unlink')
    const parent = await b.create()
    const sticky = await b.create({ parentIds: [parent], blocked: true })
    const breaker = await b.create({ parentIds: [parent], maxRetries: 1 })
    await b.call('promoteTask', { id: breaker, actor: 'op', force: true })
    await b.call('recordFailure', { id: breaker, outcome: 'crashed', error: 'x' })
    await b.call('updateTask', { id: breaker, patch: { maxRetries: 2 } })
    expect(await b.call('unlinkTasks', { parent, child: sticky })).toEqual({ ok: true, unlinked: true, promoted: [] })
    expect(await b.task(sticky)).toMatchObject({ status: 'blocked', sticky: '1', pending: '0' })
    expect(await b.call('unlinkTasks', { parent, child: breaker })).toEqual({ ok: true, unlinked: true, promoted: [breaker] })
    expect(await b.task(breaker)).toMatchObject({ status: 'ready', consecutiveFailures: '1' })
    expect(await b.nsblocked()).toEqual([])
  })

  it('no such link: a no-op that writes nothing', async () => {
    const b = await luaBoard('unlink')
    const a = await b.create()
    const c = await b.create()
    const before = await b.dump()
    expect(await b.call('unlinkTasks', { parent: a, child: c })).toEqual({ ok: true, unlinked: false, promoted: [] })
    expect(await b.dump()).toEqual(before)
  })

  it('TASK_NOT_FOUND names the missing side', async () => {
    const b = await luaBoard('unlink')
    const id = await b.create()
    expect(await b.raw('unlinkTasks', { parent: 't404', child: id })).toEqual({ err: 'TASK_NOT_FOUND', id: 't404' })
    expect(await b.raw('unlinkTasks', { parent: id, child: 't405' })).toEqual({ err: 'TASK_NOT_FOUND', id: 't405' })
    await expect(b.call('unlinkTasks', { parent: 't404', child: id })).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' })
  })
})
