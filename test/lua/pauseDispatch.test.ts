import { describe, expect, it } from 'vitest'
import { luaBoard, type LuaBoard } from '../helpers/lua.js'

const reserveAll = (b: LuaBoard) => b.call('reserveDispatch', { count: 100, scan: 100 })
const pause = (b: LuaBoard, lane?: string, reason?: string) =>
  b.call('pauseDispatch', { actor: 'ops', ...(lane ? { lane } : {}), ...(reason ? { reason } : {}) })
const resume = (b: LuaBoard, lane?: string) => b.call('pauseDispatch', { actor: 'lead', resume: true, ...(lane ? { lane } : {}) })

describe('pauseDispatch.lua (docs/fleet.md#pause-and-drain)', () => {
  it('pauses a lane once: state in the paused hash, one paused event naming the actor; a second pause changes nothing', async () => {
    const b = await luaBoard('pause')
    const now = await b.now()
    const r = await pause(b, 'coder', 'incident 42')
    expect(r).toMatchObject({ ok: true, changed: true, paused: { by: 'ops', reason: 'incident 42' } })
    expect(r.paused!.since).toBeGreaterThanOrEqual(now)
    expect(JSON.parse((await b.redis.hget(b.keys.paused, 'coder'))!)).toEqual(r.paused)
    expect(await b.lastStreamEvent()).toMatchObject({ taskId: null, kind: 'paused', payload: { lane: 'coder', by: 'ops', reason: 'incident 42' } })
    const len = await b.redis.xlen(b.keys.events)
    expect(await b.call('pauseDispatch', { actor: 'other', lane: 'coder', reason: 'again' })).toEqual({ ok: true, changed: false, paused: r.paused })
    expect(await b.redis.xlen(b.keys.events)).toBe(len)
  })

  it('resumes: the field goes, one resumed event names both actors; resuming what is not paused changes nothing', async () => {
    const b = await luaBoard('pause')
    const p = await pause(b)
    expect(await b.redis.hkeys(b.keys.paused)).toEqual(['*'])
    expect(await resume(b)).toEqual({ ok: true, changed: true })
    expect(await b.redis.exists(b.keys.paused)).toBe(0)
    expect(await b.lastStreamEvent()).toMatchObject({
      kind: 'resumed',
      payload: { lane: null, by: 'lead', pausedBy: 'ops', pausedSince: p.paused!.since },
    })
    const len = await b.redis.xlen(b.keys.events)
    expect(await resume(b)).toEqual({ ok: true, changed: false })
    expect(await resume(b, 'coder')).toEqual({ ok: true, changed: false })
    expect(await b.redis.xlen(b.keys.events)).toBe(len)
  })

  it("a paused lane's ready tasks stay in dq, counted skippedPaused; other lanes go on; resume lets them go", async () => {
    const b = await luaBoard('pause')
    await pause(b, 'a')
    const a = await b.create({ assignee: 'a' })
    const other = await b.create({ assignee: 'b' })
    let r = await reserveAll(b)
    expect(r.jobs.map((j) => j.id)).toEqual([other])
    expect(r.skippedPaused).toBe(1)
    expect(await b.zscore(b.keys.dispatchQueue, a)).not.toBeNull()
    expect(await b.zscore(b.keys.queued, a)).toBeNull()
    expect(await b.redis.hget(b.keys.inflight, 'a')).toBeNull()
    await resume(b, 'a')
    r = await reserveAll(b)
    expect(r.jobs.map((j) => j.id)).toEqual([a])
    expect(r.skippedPaused).toBe(0)
  })

  it('a paused board reserves nothing (not even the default lane), by ids too', async () => {
    const b = await luaBoard('pause')
    const x = await b.create({ assignee: 'a' })
    const y = await b.create({ assignee: 'b' })
    const u = await b.create({})
    await b.call('configure', { set: { defaultAssignee: 'a' }, clear: [] })
    await pause(b)
    expect(await reserveAll(b)).toMatchObject({ jobs: [], skippedPaused: 2, skippedUnassigned: 1 })
    expect(await b.call('reserveDispatch', { count: 10, scan: 10, ids: [x] })).toMatchObject({ jobs: [], skippedPaused: 1 })
    expect((await b.task(u)).assignee).toBeUndefined()
    await resume(b)
    expect(new Set((await reserveAll(b)).jobs.map((j) => j.id))).toEqual(new Set([x, y, u]))
  })

  it("createTasks with enqueue files a paused lane's new tasks in dq instead of a lane job", async () => {
    const b = await luaBoard('pause')
    await pause(b, 'a')
    const r = await b.call('createTasks', {
      enqueue: true,
      nodes: [
        { ref: 'x', title: 'x', priority: 0, assignee: 'a', parentIds: [], parentRefs: [] },
        { ref: 'y', title: 'y', priority: 0, assignee: 'b', parentIds: [], parentRefs: [] },
      ],
    })
    if (!r.ok) throw new Error('refused')
    expect(r.jobs).toEqual([])
    expect(new Set(r.toEnqueue)).toEqual(new Set([r.ids.x, r.ids.y]))
    expect(await b.zscore(b.keys.queued, r.ids.x!)).toBeNull()
    const e = await b.call('reserveDispatch', { count: 10, scan: 10, ids: r.toEnqueue })
    expect(e.jobs.map((j) => j.id)).toEqual([r.ids.y])
    expect(e.skippedPaused).toBe(1)
  })

  it('a completion neither hands over nor reserves a promoted child of a paused lane', async () => {
    const b = await luaBoard('pause')
    const parent = await b.create({ assignee: 'lane' })
    const kid = await b.create({ assignee: 'lane', parentIds: [parent] })
    const runId = await b.claim(parent)
    await pause(b, 'lane')
    const r = await b.call('completeTask', { id: parent, runId, enqueue: true, handoff: { claimer: 'w1', lanes: ['lane'] } })
    expect(r).toEqual({ ok: true, promoted: [kid], jobs: [], rest: [] })
    expect((await b.task(kid)).status).toBe('ready')
    expect(await b.zscore(b.keys.dispatchQueue, kid)).not.toBeNull()
    await resume(b, 'lane')
    expect((await reserveAll(b)).jobs.map((j) => j.id)).toEqual([kid])
  })
})
