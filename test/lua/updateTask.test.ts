import { describe, expect, it } from 'vitest'
import { luaBoard } from '../helpers/lua.js'

describe('updateTask.lua', () => {
  it('patches fields and lists the changed ones in the reply and the updated event', async () => {
    const b = await luaBoard('update')
    const id = await b.create({ title: 'old', tenant: 'acme' })
    const r = await b.call('updateTask', {
      id,
      patch: { title: 'new', body: 'text', tenant: 'acme', metadata: '{"a":1}', maxRuntimeMs: 5000 },
    })
    // tenant is unchanged, so it is not listed
    expect(r).toEqual({ ok: true, changed: ['title', 'body', 'metadata', 'maxRuntimeMs'] })
    expect(await b.task(id)).toMatchObject({ title: 'new', body: 'text', tenant: 'acme', metadata: '{"a":1}', maxRuntimeMs: '5000' })
    expect(await b.lastEvent(id)).toMatchObject({
      kind: 'updated',
      runId: null,
      payload: { fields: ['title', 'body', 'metadata', 'maxRuntimeMs'] },
    })
  })

  it('null clears tenant / maxRetries / maxRuntimeMs', async () => {
    const b = await luaBoard('update')
    const id = await b.create({ tenant: 'acme', maxRetries: 3, maxRuntimeMs: 1000 })
    const r = await b.call('updateTask', { id, patch: { tenant: null, maxRetries: null, maxRuntimeMs: null } })
    expect(r).toEqual({ ok: true, changed: ['tenant', 'maxRetries', 'maxRuntimeMs'] })
    const t = await b.task(id)
    expect(t.tenant).toBeUndefined()
    expect(t.maxRetries).toBeUndefined()
    expect(t.maxRuntimeMs).toBeUndefined()
  })

  it('a new priority re-ranks the task in the hash and its status index', async () => {
    const b = await luaBoard('update')
    const first = await b.create()
    const second = await b.create()
    expect(await b.redis.zrange(b.keys.status('ready'), 0, -1)).toEqual([first, second])
    expect(await b.call('updateTask', { id: second, patch: { priority: 7 } })).toEqual({ ok: true, changed: ['priority'] })
    const ord = -7e9 + 2
    expect(await b.task(second)).toMatchObject({ priority: '7', ord: String(ord) })
    expect(await b.zscore(b.keys.status('ready'), second)).toBe(ord)
    expect(await b.redis.zrange(b.keys.status('ready'), 0, -1)).toEqual([second, first])
    expect(await b.indexes(second)).toEqual(['ready'])
  })

  it('a patch that changes nothing writes nothing', async () => {
    const b = await luaBoard('update')
    const id = await b.create({ title: 'same', priority: 3 })
    const before = await b.dump()
    expect(await b.call('updateTask', { id, patch: { title: 'same', priority: 3, maxRetries: null } })).toEqual({ ok: true, changed: [] })
    expect(await b.dump()).toEqual(before)
  })

  it('raising maxRetries of a breaker-blocked task changes no status by itself; it stays in nsblocked for the sweep', async () => {
    const b = await luaBoard('update')
    const id = await b.create()
    await b.breakerBlock(id)
    expect(await b.call('updateTask', { id, patch: { maxRetries: 5 } })).toEqual({ ok: true, changed: ['maxRetries'] })
    expect(await b.task(id)).toMatchObject({ status: 'blocked', maxRetries: '5', consecutiveFailures: '2' })
    expect(await b.nsblocked()).toEqual([id])
    // ... and queues it, alone, for the next recompute
    expect(await b.redis.smembers(b.keys.recheck)).toEqual([id])
    expect(await b.call('recomputeReady', { count: 10 })).toEqual({ done: true, promoted: [id] })
    expect(await b.redis.exists(b.keys.recheck)).toBe(0)
  })

  it('TASK_NOT_FOUND for an unknown id', async () => {
    const b = await luaBoard('update')
    expect(await b.raw('updateTask', { id: 't1', patch: { title: 'x' } })).toEqual({ err: 'TASK_NOT_FOUND', id: 't1' })
    await expect(b.call('updateTask', { id: 't1', patch: { title: 'x' } })).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' })
  })
})
