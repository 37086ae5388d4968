import { describe, expect, it } from 'vitest'
import { expectNear, luaBoard, type LuaBoard } from '../helpers/lua.js'

const inflight = (b: LuaBoard) => b.keys.inflight
const reserve = (b: LuaBoard, extra: { count?: number; scan?: number; ids?: string[] } = {}) => b.call('reserveDispatch', { count: 10, scan: 10, ...extra })
const none = { jobs: [], skippedCapped: 0, skippedUnassigned: 0, skippedCooldown: 0, skippedPaused: 0 }

describe('reserveDispatch.lua (dq -> queued, grouped into BullMQ jobs per lane)', () => {
  it('reserves ready and review tasks by priority desc then oldest, one-task jobs j<token> when a lane has few; a second call holds none twice', async () => {
    const b = await luaBoard('reserve')
    const low1 = await b.create({ assignee: 'lane' })
    const high = await b.create({ assignee: 'lane', priority: 5 })
    const review = await b.create({ assignee: 'lane', priority: 3 })
    await b.call('requestReview', { id: review, runId: await b.claim(review), reviewer: 'rev' })
    const low2 = await b.create({ assignee: 'lane' })
    const events = await b.redis.xlen(b.keys.events)

    const before = await b.now()
    expect(await reserve(b)).toEqual({
      jobs: [
        { id: high, lane: 'lane', jobId: 'j1' },
        { id: review, lane: 'rev', jobId: 'j2' },
        { id: low1, lane: 'lane', jobId: 'j3' },
        { id: low2, lane: 'lane', jobId: 'j4' },
      ],
      skippedCapped: 0,
      skippedUnassigned: 0,
      skippedCooldown: 0,
      skippedPaused: 0,
    })
    const after = await b.now()
    expect(await b.redis.zcard(b.keys.dispatchQueue)).toBe(0)
    for (const [i, id] of [high, review, low1, low2].entries()) {
      expectNear((await b.zscore(b.keys.queued, id)) ?? undefined, before, after)
      expect(await b.task(id)).toMatchObject({ queueToken: String(i + 1) })
    }
    // reserving is not a status change: still ready / review, no event
    expect((await b.task(high)).status).toBe('ready')
    expect((await b.task(review)).status).toBe('review')
    expect(await b.redis.xlen(b.keys.events)).toBe(events)
    expect(await b.redis.hgetall(inflight(b))).toEqual({ lane: '3', rev: '1' })
    expect((await b.task(review)).inflightLane).toBe('rev')

    const snap = await b.dump()
    expect(await reserve(b)).toEqual(none)
    expect(await b.dump()).toEqual(snap)
  })

  it('count bounds the jobs and scan the candidates looked at', async () => {
    const b = await luaBoard('reserve')
    const ids = [await b.create({ assignee: 'l' }), await b.create({ assignee: 'l' }), await b.create({ assignee: 'l' })]
    expect((await reserve(b, { count: 2 })).jobs.map((j) => j.id)).toEqual([ids[0], ids[1]])
    expect(await b.redis.zrange(b.keys.dispatchQueue, 0, -1)).toEqual([ids[2]])
    const more = [await b.create({ assignee: 'l' }), await b.create({ assignee: 'l' })]
    expect((await reserve(b, { count: 10, scan: 1 })).jobs.map((j) => j.id)).toEqual([ids[2]])
    expect(await b.redis.zrange(b.keys.dispatchQueue, 0, -1)).toEqual(more)
  })

  it('each reservation has a new queueToken; a claim with an older token is refused (superseded job)', async () => {
    const b = await luaBoard('reserve')
    const id = await b.create({ assignee: 'lane' })
    expect((await reserve(b)).jobs).toEqual([{ id, lane: 'lane', jobId: 'j1' }])
    await b.call('requeueLost', { lost: [id], alive: [] })
    expect((await reserve(b)).jobs).toEqual([{ id, lane: 'lane', jobId: 'j2' }])
    expect((await b.task(id)).queueToken).toBe('2')

    const snap = await b.dump()
    expect(await b.call('claimTask', { id, claimer: 'w', queueToken: '1' })).toEqual({ ok: false, status: 'ready', reason: 'superseded job' })
    expect(await b.dump()).toEqual(snap)

    const r = await b.call('claimTask', { id, claimer: 'w', queueToken: '2' })
    expect(r.ok).toBe(true)
    expect(await b.zscore(b.keys.queued, id)).toBeNull()
    // claimed through its reservation: counted once, not twice
    expect(await b.redis.hgetall(inflight(b))).toEqual({ lane: '1' })
  })

  it('maxInProgress counts running and queued tasks', async () => {
    const b = await luaBoard('reserve')
    await b.call('configure', { set: { maxInProgress: 3 }, clear: [] })
    const running = await b.create({ assignee: 'lane' })
    const runId = await b.claim(running)
    const queued = await b.create({ assignee: 'lane', priority: 9 })
    expect((await reserve(b, { count: 1 })).jobs.map((j) => j.id)).toEqual([queued])
    const [a, c, d] = [await b.create({ assignee: 'lane' }), await b.create({ assignee: 'other' }), await b.create({ assignee: 'lane' })]

    // 3 - 1 running - 1 queued = room for one
    expect(await reserve(b)).toEqual({
      jobs: [{ id: a, lane: 'lane', jobId: 'j2' }],
      skippedCapped: 2,
      skippedUnassigned: 0,
      skippedCooldown: 0,
      skippedPaused: 0,
    })
    expect(await b.redis.zrange(b.keys.dispatchQueue, 0, -1)).toEqual([c, d])
    expect(await reserve(b)).toMatchObject({ jobs: [], skippedCapped: 2 })

    await b.call('completeTask', { id: running, runId })
    expect(await reserve(b)).toMatchObject({ jobs: [{ id: c, lane: 'other', jobId: 'j3' }], skippedCapped: 1 })
  })

  it('maxInProgressPerAssignee reads the per-lane in-flight hash, kept by reserve, claim, complete, failure and delete', async () => {
    const b = await luaBoard('reserve')
    await b.call('configure', { set: { maxInProgressPerAssignee: 2 }, clear: [] })
    const [a1, a2, a3, b1] = [
      await b.create({ assignee: 'a' }),
      await b.create({ assignee: 'a' }),
      await b.create({ assignee: 'a' }),
      await b.create({ assignee: 'b' }),
    ]
    const r = await reserve(b)
    expect(r.jobs.map((j) => j.id)).toEqual([a1, a2, b1])
    expect(r.skippedCapped).toBe(1)
    expect(await b.redis.hgetall(inflight(b))).toEqual({ a: '2', b: '1' })
    expect(await b.zscore(b.keys.dispatchQueue, a3)).not.toBeNull()

    // claim of a reserved task: still one in flight
    const run1 = await b.call('claimTask', { id: a1, claimer: 'w', queueToken: (await b.task(a1)).queueToken })
    if (!run1.ok) throw new Error('refused')
    expect(await b.redis.hgetall(inflight(b))).toEqual({ a: '2', b: '1' })
    expect(await reserve(b)).toMatchObject({ jobs: [], skippedCapped: 1 })

    // complete frees the slot
    await b.call('completeTask', { id: a1, runId: run1.runId })
    expect(await b.redis.hgetall(inflight(b))).toEqual({ a: '1', b: '1' })
    expect((await reserve(b)).jobs.map((j) => j.id)).toEqual([a3])
    expect(await b.redis.hgetall(inflight(b))).toEqual({ a: '2', b: '1' })

    // a failure requeues to ready: out of flight, waiting out its retry backoff before dq
    const run2 = await b.call('claimTask', { id: a2, claimer: 'w', queueToken: (await b.task(a2)).queueToken })
    if (!run2.ok) throw new Error('refused')
    await b.call('recordFailure', { id: a2, runId: run2.runId, outcome: 'crashed', error: 'boom' })
    expect(await b.redis.hgetall(inflight(b))).toEqual({ a: '1', b: '1' })
    expect(await b.zscore(b.keys.cooldowns, a2)).not.toBeNull()
    expect(await b.zscore(b.keys.dispatchQueue, a2)).toBeNull()

    // deleting a queued task frees its slot; a lane at 0 leaves the hash
    await b.call('deleteTask', { id: a3 })
    expect(await b.redis.hgetall(inflight(b))).toEqual({ b: '1' })
    const runB = await b.call('claimTask', { id: b1, claimer: 'w', queueToken: (await b.task(b1)).queueToken })
    if (!runB.ok) throw new Error('refused')
    await b.call('completeTask', { id: b1, runId: runB.runId })
    expect(await b.redis.exists(inflight(b))).toBe(0)

    // a2's backoff over (its end moved into the past), releaseDue files it in dq again
    await b.redis.zadd(b.keys.cooldowns, 0, a2)
    expect((await b.call('releaseDue', { count: 10 })).cooled).toEqual([a2])
    expect((await reserve(b)).jobs).toEqual([{ id: a2, lane: 'a', jobId: 'j5' }])
    expect(await b.redis.hgetall(inflight(b))).toEqual({ a: '1' })
  })

  it('unassigned tasks without a defaultAssignee stay ready and are counted', async () => {
    const b = await luaBoard('reserve')
    const u1 = await b.create()
    const u2 = await b.create()
    const a = await b.create({ assignee: 'lane' })
    expect(await reserve(b)).toEqual({
      jobs: [{ id: a, lane: 'lane', jobId: 'j1' }],
      skippedCapped: 0,
      skippedUnassigned: 2,
      skippedCooldown: 0,
      skippedPaused: 0,
    })
    for (const id of [u1, u2]) {
      const t = await b.task(id)
      expect(t.status).toBe('ready')
      expect(t.assignee).toBeUndefined()
      expect(t.queueToken).toBeUndefined()
      expect(await b.zscore(b.keys.dispatchUnassigned, id)).toBe(Number(t.ord))
      expect(await b.kinds(id)).toEqual(['created'])
    }
  })

  it('with a defaultAssignee, unassigned tasks get it (event assigned by dispatcher) and are reserved in its lane', async () => {
    const b = await luaBoard('reserve')
    const u1 = await b.create()
    const u2 = await b.create({ priority: 1 })
    await b.call('configure', { set: { defaultAssignee: 'general' }, clear: [] })
    expect(await reserve(b)).toEqual({
      jobs: [
        { id: u2, lane: 'general', jobId: 'j1' },
        { id: u1, lane: 'general', jobId: 'j2' },
      ],
      skippedCapped: 0,
      skippedUnassigned: 0,
      skippedCooldown: 0,
      skippedPaused: 0,
    })
    for (const id of [u1, u2]) {
      expect((await b.task(id)).assignee).toBe('general')
      expect(await b.lastEvent(id)).toMatchObject({ kind: 'assigned', runId: null, payload: { from: null, to: 'general', by: 'dispatcher' } })
    }
    expect(await b.redis.zcard(b.keys.dispatchUnassigned)).toBe(0)
    expect(await b.redis.hgetall(inflight(b))).toEqual({ general: '2' })
  })

  it('tasks in a rate-limit cooldown are skipped and counted', async () => {
    const b = await luaBoard('reserve')
    const cool = await b.create({ assignee: 'lane', priority: 5 })
    await b.call('recordFailure', { id: cool, runId: await b.claim(cool), outcome: 'rate_limited', error: '429', cooldownMs: 60_000 })
    const other = await b.create({ assignee: 'lane' })
    expect(await reserve(b)).toEqual({
      jobs: [{ id: other, lane: 'lane', jobId: 'j1' }],
      skippedCapped: 0,
      skippedUnassigned: 0,
      skippedCooldown: 1,
      skippedPaused: 0,
    })
    expect(await b.zscore(b.keys.queued, cool)).toBeNull()
    expect((await b.task(cool)).queueToken).toBeUndefined()

    // stored state no script leaves: a task still in dq with a cooldown in the future —
    // reserve moves it to `cooldowns` instead of dispatching it
    const stray = await b.create({ assignee: 'lane', priority: 9 })
    const until = (await b.now()) + 60_000
    await b.redis.hset(b.keys.task(stray), 'cooldownUntil', String(until))
    expect(await reserve(b)).toEqual({ ...none, skippedCooldown: 2 })
    expect(await b.zscore(b.keys.dispatchQueue, stray)).toBeNull()
    expect(await b.zscore(b.keys.cooldowns, stray)).toBe(until)
  })

  it('ids mode considers only the given ids (the immediate enqueue after a completion)', async () => {
    const b = await luaBoard('reserve')
    const [a, c] = [await b.create({ assignee: 'lane' }), await b.create({ assignee: 'lane' })]
    const running = await b.create({ assignee: 'lane' })
    await b.claim(running)
    const [u1, u2] = [await b.create(), await b.create()]
    await b.call('configure', { set: { defaultAssignee: 'general' }, clear: [] })

    const r = await reserve(b, { ids: [c, running, u2, 't404'] })
    expect(r.jobs).toEqual([
      { id: c, lane: 'lane', jobId: 'j1' },
      { id: u2, lane: 'general', jobId: 'j2' },
    ])
    expect(await b.zscore(b.keys.dispatchQueue, a)).not.toBeNull()
    // an unassigned task outside `ids` is not given the default lane
    expect((await b.task(u1)).assignee).toBeUndefined()
    expect(await b.zscore(b.keys.dispatchUnassigned, u1)).not.toBeNull()
    expect((await b.task(running)).status).toBe('running')
    expect(await b.redis.exists(b.keys.task('t404'))).toBe(0)
  })

  it('groups each lane into jobs of min(tasksPerJob, max(1, floor(n / 4))) tasks in dispatch order, one token per job', async () => {
    const b = await luaBoard('reserve')
    await b.call('configure', { set: { tasksPerJob: 3 }, clear: [] })
    const a = [] as string[]
    for (let i = 0; i < 14; i++) a.push(await b.create({ assignee: 'a' }))
    const x = [] as string[]
    for (let i = 0; i < 8; i++) x.push(await b.create({ assignee: 'x' }))
    const r = await reserve(b, { count: 100, scan: 100 })
    const jobsOf = (ids: string[]) => ids.map((id) => r.jobs.find((j) => j.id === id)!.jobId)
    // lane a: 14 tasks -> groups of min(3, 3) in order; lane x: 8 tasks -> groups of 2
    expect(jobsOf(a)).toEqual(['j1', 'j1', 'j1', 'j2', 'j2', 'j2', 'j3', 'j3', 'j3', 'j4', 'j4', 'j4', 'j5', 'j5'])
    expect(jobsOf(x)).toEqual(['j6', 'j6', 'j7', 'j7', 'j8', 'j8', 'j9', 'j9'])
    for (const id of [...a, ...x]) expect((await b.task(id)).queueToken).toBe(jobsOf([id])[0]!.slice(1))
    // a job's token claims each of its tasks, and no other job's
    const [first, second] = [a[0]!, a[3]!]
    expect(await b.call('claimTask', { id: second, claimer: 'w', queueToken: '1' })).toEqual({ ok: false, status: 'ready', reason: 'superseded job' })
    expect(await b.call('claimTask', { id: first, claimer: 'w', queueToken: '1' })).toMatchObject({ ok: true })
  })

  it('drops dq entries whose task is no longer ready or review', async () => {
    const b = await luaBoard('reserve')
    const done = await b.create({ assignee: 'lane' })
    await b.call('completeTask', { id: done })
    // stored state no script leaves: a done task still filed for dispatch
    await b.redis.zadd(b.keys.dispatchQueue, 1, done)
    expect(await reserve(b)).toEqual(none)
    expect(await b.zscore(b.keys.dispatchQueue, done)).toBeNull()
    expect(await b.zscore(b.keys.queued, done)).toBeNull()
    expect((await b.task(done)).queueToken).toBeUndefined()
  })
})
