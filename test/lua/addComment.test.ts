import { describe, expect, it } from 'vitest'
import { expectNear, luaBoard } from '../helpers/lua.js'

describe('addComment.lua', () => {
  it('appends the comment and a commented event, in any status, without changing it', async () => {
    const b = await luaBoard('comment')
    const id = await b.create({ blocked: true })
    const task = await b.task(id)
    const before = await b.now()
    const r = await b.call('addComment', { id, author: 'alice', body: 'the key is in the vault' })
    const after = await b.now()
    const ev = await b.lastEvent(id)
    expect(r).toEqual({ ok: true, eventId: ev.id })
    expect(ev).toMatchObject({ kind: 'commented', runId: null, payload: { author: 'alice' } })
    const comments = (await b.redis.lrange(b.keys.comments(id), 0, -1)).map((c) => JSON.parse(c))
    expect(comments).toHaveLength(1)
    expect(comments[0]).toMatchObject({ author: 'alice', body: 'the key is in the vault' })
    expectNear(comments[0].at, before, after)
    expect(await b.task(id)).toEqual(task)
  })

  it('TASK_NOT_FOUND for an unknown id, nothing written', async () => {
    const b = await luaBoard('comment')
    const before = await b.dump()
    expect(await b.raw('addComment', { id: 't1', author: 'a', body: 'b' })).toEqual({ err: 'TASK_NOT_FOUND', id: 't1' })
    await expect(b.call('addComment', { id: 't1', author: 'a', body: 'b' })).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' })
    expect(await b.dump()).toEqual(before)
  })
})
