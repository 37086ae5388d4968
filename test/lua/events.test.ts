import { describe, expect, it } from 'vitest'
import { luaBoard } from '../helpers/lua.js'

/**
 * includes/events.lua: a call's events are buffered and written when it replies, taking
 * their ids from one increment of the event counter. What must hold: ids are unique and
 * consecutive in the order the call made them, the task lists and the board stream carry
 * the same events in the same order, and the counter ends at the last id written.
 */
describe('events of one call (includes/events.lua)', () => {
  it('a batch call writes its events with consecutive ids, in order, to each task list and to the stream', async () => {
    const b = await luaBoard('events')
    const parent = await b.create({ assignee: 'lane' })
    const child = await b.create({ assignee: 'lane', parentIds: [parent] })
    const other = await b.create({ assignee: 'lane' })
    const [runP, runO] = [await b.claim(parent), await b.claim(other)]
    const before = Number(await b.redis.hget(b.keys.seq, 'event'))

    await b.call('completeBatch', {
      items: [
        { id: parent, runId: runP },
        { id: other, runId: runO },
      ],
    })

    // parent completed, child promoted, other completed: three events, ids before+1..before+3
    const stream = (await b.redis.xrange(b.keys.events, `(${before}-0`, '+')) as [string, string[]][]
    expect(stream.map(([sid, f]) => [sid, f[1]])).toEqual([
      [`${before + 1}-0`, parent],
      [`${before + 2}-0`, child],
      [`${before + 3}-0`, other],
    ])
    expect(Number(await b.redis.hget(b.keys.seq, 'event'))).toBe(before + 3)
    expect(await b.lastEvent(parent)).toMatchObject({ id: before + 1, kind: 'completed', runId: runP })
    expect(await b.lastEvent(child)).toMatchObject({ id: before + 2, kind: 'promoted' })
    expect(await b.lastEvent(other)).toMatchObject({ id: before + 3, kind: 'completed', runId: runO })
    for (const [sid, f] of stream) expect(await b.streamEvent(Number(sid.split('-')[0]))).toMatchObject({ taskId: f[1] })
  })

  it("a task's several events of one call keep their order in its list (one push)", async () => {
    const b = await luaBoard('events')
    // created blocked: `created` then `blocked`, in one createTasks call
    const id = await b.create({ blocked: true })
    const evs = await b.events(id)
    expect(evs.map((e) => e.kind)).toEqual(['created', 'blocked'])
    expect(evs[1]!.id).toBe(evs[0]!.id + 1)
  })

  it('the per-task cap still trims the oldest events', async () => {
    const b = await luaBoard('events')
    await b.call('configure', { set: { taskEventsMax: 10 }, clear: [] })
    const id = await b.create({})
    for (let i = 0; i < 12; i++) await b.call('addComment', { id, author: 'a', body: `c${i}` })
    const evs = await b.events(id)
    expect(evs).toHaveLength(10)
    expect(evs.map((e) => e.kind)).toEqual(Array(10).fill('commented'))
    const ids = evs.map((e) => e.id)
    expect(ids).toEqual(ids.map((_, i) => ids[0]! + i))
  })

  it('the board stream stays near eventStreamMax: trimmed (whole nodes) every 100 events', async () => {
    const b = await luaBoard('events')
    await b.call('configure', { set: { eventStreamMax: 1000 }, clear: [] })
    let last = ''
    for (let round = 0; round < 12; round++) {
      const nodes = Array.from({ length: 250 }, (_, i) => ({ ref: `n${i}`, title: `r${round} n${i}` }))
      const r = await b.call('createTasks', { nodes })
      last = (r.ids as Record<string, string>).n249!
      const len = await b.redis.xlen(b.keys.events)
      // at most eventStreamMax + a node of 100 (approximate trim) once trimmed; never below the cap
      expect(len).toBeLessThanOrEqual(1000 + 100)
      expect(len).toBeGreaterThanOrEqual(Math.min(1000, 250 * (round + 1)))
    }
    expect(await b.lastStreamEvent()).toMatchObject({ taskId: last, kind: 'created' })
  })

  it('addComment still returns the id of the event it wrote', async () => {
    const b = await luaBoard('events')
    const id = await b.create({})
    const r = await b.call('addComment', { id, author: 'ann', body: 'hi' })
    expect(await b.lastEvent(id)).toMatchObject({ id: r.eventId, kind: 'commented', payload: { author: 'ann' } })
  })
})
