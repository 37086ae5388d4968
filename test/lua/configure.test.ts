import { describe, expect, it } from 'vitest'
import { luaBoard } from '../helpers/lua.js'

describe('configure.lua', () => {
  it('writes settings into the board settings hash and records settings_changed on the stream only', async () => {
    const b = await luaBoard('configure')
    expect(await b.call('configure', { set: { failureLimit: 3, defaultAssignee: 'coder' }, clear: ['maxInProgress'] })).toEqual({
      ok: true,
    })
    expect(await b.redis.hgetall(b.keys.settings)).toEqual({ failureLimit: '3', defaultAssignee: 'coder' })
    const ev = await b.lastStreamEvent()
    expect(ev).toMatchObject({
      taskId: null,
      runId: null,
      kind: 'settings_changed',
      payload: { set: { failureLimit: 3, defaultAssignee: 'coder' }, clear: ['maxInProgress'] },
    })
  })

  it('clear removes a setting; the breaker then falls back to the default limit', async () => {
    const b = await luaBoard('configure')
    await b.call('configure', { set: { failureLimit: 5, claimTtlMs: 9000 }, clear: [] })
    const id = await b.create()
    expect(await b.call('recordFailure', { id, runId: await b.claim(id), outcome: 'crashed', error: 'e' })).toMatchObject({
      limit: 5,
      limitSource: 'board',
    })
    await b.call('configure', { set: { eventStreamMax: 5000 }, clear: ['failureLimit'] })
    expect(await b.redis.hgetall(b.keys.settings)).toEqual({ claimTtlMs: '9000', eventStreamMax: '5000' })
    expect(await b.call('recordFailure', { id, runId: await b.claim(id), outcome: 'crashed', error: 'e' })).toMatchObject({
      tripped: true,
      limit: 2,
      limitSource: 'default',
    })
  })
})
