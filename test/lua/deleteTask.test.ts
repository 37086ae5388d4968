import { describe, expect, it } from 'vitest'
import { luaBoard } from '../helpers/lua.js'
import { parseStreamEntries } from '../../src/reads.js'

describe('deleteTask.lua', () => {
  it('removes the task, its links, runs, events and comments, releases children, records deleted on the stream', async () => {
    const b = await luaBoard('delete')
    const parent = await b.create()
    const id = await b.create({ title: 'doomed', idempotencyKey: 'k', parentIds: [parent] })
    const child = await b.create({ parentIds: [id] })
    await b.call('completeTask', { id: parent })
    const runId = await b.claim(id)
    await b.call('addComment', { id, author: 'a', body: 'hi' })
    expect(await b.redis.exists(b.keys.comments(id), b.keys.taskEvents(id), b.keys.run(runId))).toBe(3)

    expect(await b.call('deleteTask', { id })).toEqual({ ok: true, promoted: [child] })
    const tk = b.keys.task(id)
    for (const k of [tk, `${tk}:p`, `${tk}:c`, `${tk}:ev`, `${tk}:runs`, `${tk}:cm`, b.keys.run(runId)]) {
      expect(await b.redis.exists(k), k).toBe(0)
    }
    expect(await b.indexes(id)).toEqual([])
    for (const z of [b.keys.leases, b.keys.heartbeats]) expect(await b.zscore(z, id)).toBeNull()
    expect(await b.redis.smembers(b.keys.children(parent))).toEqual([])
    expect(await b.redis.smembers(b.keys.parents(child))).toEqual([])
    expect(await b.redis.hexists(b.keys.idem, 'k')).toBe(0)
    expect(await b.task(child)).toMatchObject({ status: 'ready', pending: '0' })

    // the task's own list is gone; the stream keeps the record (the child's promotion comes after it)
    const evs = await b.redis.xrange(b.keys.events, '-', '+')
    const deleted = parseStreamEntries(evs as [string, string[]][]).find((e) => e.kind === 'deleted')
    expect(deleted).toMatchObject({ taskId: null, runId: null, payload: { id, title: 'doomed', status: 'running' } })
    expect(await b.lastEvent(child)).toMatchObject({ kind: 'promoted', payload: { from: 'todo', reason: 'parents_satisfied' } })
  })

  it('deleting a satisfied parent leaves the children pending counts as they are', async () => {
    const b = await luaBoard('delete')
    const done = await b.create()
    const open = await b.create()
    const child = await b.create({ parentIds: [done, open] })
    await b.call('completeTask', { id: done })
    expect(await b.call('deleteTask', { id: done })).toEqual({ ok: true, promoted: [] })
    expect(await b.task(child)).toMatchObject({ status: 'todo', pending: '1' })
    expect(await b.redis.smembers(b.keys.parents(child))).toEqual([open])
  })

  it('a deleted breaker-blocked task leaves nsblocked', async () => {
    const b = await luaBoard('delete')
    const id = await b.create()
    await b.breakerBlock(id)
    await b.call('deleteTask', { id })
    expect(await b.nsblocked()).toEqual([])
  })

  it('TASK_NOT_FOUND for an unknown id, nothing written', async () => {
    const b = await luaBoard('delete')
    await b.create()
    const before = await b.dump()
    expect(await b.raw('deleteTask', { id: 't9' })).toEqual({ err: 'TASK_NOT_FOUND', id: 't9' })
    await expect(b.call('deleteTask', { id: 't9' })).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' })
    expect(await b.dump()).toEqual(before)
  })
})
