/**
 * doctorCheck.lua and doctorRepair.lua (the contract of `kanban doctor`'s two scripts): a
 * page looks at `count` task or run numbers and no more, the cursor walks tasks then runs to
 * the counters, the check writes nothing, and a repair of an id with no drift writes
 * nothing either (no event); a repair call takes at most 100 ids.
 */
import { describe, expect, it } from 'vitest'
import { luaBoard } from '../helpers/lua.js'
import { dumpBoardKeys } from '../helpers/redis.js'

describe('doctorCheck.lua', () => {
  it('walks task numbers then run numbers, count a call, to the counters; reads only', async () => {
    const b = await luaBoard('doctor-walk')
    await b.call('createTasks', { nodes: Array.from({ length: 5 }, (_, i) => ({ ref: `n${i}`, title: `t${i}` })) })
    await b.claim('t1')
    await b.claim('t2')
    const before = await dumpBoardKeys(b.redis, b.name)
    const pages = []
    let cursor = { tasksAfter: 0, runsAfter: 0 }
    for (let i = 0; i < 10; i++) {
      const r = await b.call('doctorCheck', { ...cursor, count: 2, lostBefore: 0 })
      pages.push([r.tasksAfter, r.runsAfter, r.done])
      expect(r.findings).toBeUndefined()
      cursor = { tasksAfter: r.tasksAfter, runsAfter: r.runsAfter }
      if (r.done) break
    }
    // 5 tasks and 2 runs, 2 numbers a call
    expect(pages).toEqual([
      [2, 0, false],
      [4, 0, false],
      [5, 1, false],
      [5, 2, true],
    ])
    expect(await dumpBoardKeys(b.redis, b.name)).toEqual(before)
  })

  it('an empty board is done in one call', async () => {
    const b = await luaBoard('doctor-empty')
    expect(await b.call('doctorCheck', { tasksAfter: 0, runsAfter: 0, count: 100, lostBefore: 0 })).toEqual({ tasksAfter: 0, runsAfter: 0, done: true })
  })

  it('lists the queued tasks older than lostBefore, with their lane and token', async () => {
    const b = await luaBoard('doctor-queued')
    await b.call('createTasks', { nodes: [{ ref: 'a', title: 'a', assignee: 'coder' }] })
    await b.call('reserveDispatch', { count: 10, scan: 10 })
    const token = await b.redis.hget(b.keys.task('t1'), 'queueToken')
    expect(token).not.toBeNull()
    const none = await b.call('doctorCheck', { tasksAfter: 0, runsAfter: 0, count: 10, lostBefore: 0 })
    expect(none.queued).toBeUndefined()
    expect(none.inflight).toEqual({ coder: 1 })
    const all = await b.call('doctorCheck', { tasksAfter: 0, runsAfter: 0, count: 10, lostBefore: Date.now() + 60_000 })
    expect(all.queued).toEqual([{ id: 't1', lane: 'coder', token }])
  })
})

describe('doctorRepair.lua', () => {
  it('an id with no drift, an unknown id and a token that moved on write nothing', async () => {
    const b = await luaBoard('doctor-noop')
    await b.call('createTasks', { nodes: [{ ref: 'a', title: 'a', assignee: 'coder' }] })
    const before = await dumpBoardKeys(b.redis, b.name)
    const r = await b.call('doctorRepair', { ids: ['t1', 't404', 'r404', 'x1'], lost: [{ id: 't1', token: '999' }] })
    expect(r).toEqual({})
    expect(await dumpBoardKeys(b.redis, b.name)).toEqual(before)
  })

  it('takes at most 100 ids a call', async () => {
    const b = await luaBoard('doctor-cap')
    await b.call('createTasks', { nodes: Array.from({ length: 101 }, (_, i) => ({ ref: `n${i}`, title: `t${i}` })) })
    const ids = Array.from({ length: 101 }, (_, i) => `t${i + 1}`)
    for (const id of ids) await b.redis.hset(b.keys.task(id), 'consecutiveFailures', '1', 'status', 'done')
    const r = await b.call('doctorRepair', { ids, lost: [] })
    expect(r.repaired!.filter((x) => x.check === 'counter')).toHaveLength(100)
    expect(await b.redis.hget(b.keys.task('t101'), 'consecutiveFailures')).toBe('1')
  })
})
