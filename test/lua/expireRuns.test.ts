import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { expectNear, luaBoard, type LuaBoard } from '../helpers/lua.js'

const inflight = (b: LuaBoard) => b.keys.inflight
const LEASE_ERR = 'lease expired: the worker stopped renewing it'

/** The run-tracking indexes a closed run must have left. */
async function expectNoRunIndexes(b: LuaBoard, id: string): Promise<void> {
  for (const z of [b.keys.leases, b.keys.heartbeats, b.keys.deadlines]) expect(await b.zscore(z, id), z).toBeNull()
}

describe('expireRuns.lua mode lease (the worker vanished)', () => {
  it('an expired lease: run closed reclaimed, failure counted, event reclaimed, task ready after its retry backoff', async () => {
    const b = await luaBoard('expire')
    const id = await b.create({ assignee: 'lane', maxRetries: 3, maxRuntimeMs: 60_000 })
    const runId = await b.claim(id, 'w1', 1)
    expect(await b.redis.hget(inflight(b), 'lane')).toBe('1')
    await sleep(10)
    const before = await b.now()
    expect(await b.call('expireRuns', { mode: 'lease', count: 10 })).toEqual({ ids: [id], tripped: [] })
    const after = await b.now()

    const t = await b.task(id)
    expect(t).toMatchObject({ status: 'ready', consecutiveFailures: '1', lastFailureError: LEASE_ERR, sticky: '0' })
    for (const gone of ['currentRunId', 'leaseExpiresAt', 'lastHeartbeatAt', 'runFromReview', 'inflightLane', 'runIdx']) {
      expect(t[gone], gone).toBeUndefined()
    }
    expect(await b.indexes(id)).toEqual(['ready'])
    // a counted failure: dispatched again once its backoff is over (releaseDue files it in dq)
    expect(t.cooldownReason).toBe('backoff')
    expect(await b.zscore(b.keys.cooldowns, id)).toBe(Number(t.cooldownUntil))
    expect(await b.zscore(b.keys.dispatchQueue, id)).toBeNull()
    expect(await b.redis.hexists(inflight(b), 'lane')).toBe(0)
    await expectNoRunIndexes(b, id)
    const run = await b.run(runId)
    expect(run).toMatchObject({ outcome: 'reclaimed', error: LEASE_ERR })
    expectNear(run.endedAt, before, after)
    expect(await b.lastEvent(id)).toMatchObject({
      kind: 'reclaimed',
      runId,
      payload: { error: LEASE_ERR, failures: 1, neutral: false },
    })
  })

  it('a live lease is left alone', async () => {
    const b = await luaBoard('expire')
    const live = await b.create()
    await b.claim(live, 'w1', 60_000)
    const before = await b.dump()
    expect(await b.call('expireRuns', { mode: 'lease', count: 10 })).toEqual({ ids: [], tripped: [] })
    expect(await b.dump()).toEqual(before)
  })

  it('at the limit the breaker trips: blocked, not sticky, gave_up, listed in tripped', async () => {
    const b = await luaBoard('expire')
    const id = await b.create({ maxRetries: 1 })
    const runId = await b.claim(id, 'w1', 1)
    await sleep(10)
    expect(await b.call('expireRuns', { mode: 'lease', count: 10 })).toEqual({ ids: [id], tripped: [id] })
    expect(await b.task(id)).toMatchObject({ status: 'blocked', sticky: '0', consecutiveFailures: '1' })
    expect(await b.indexes(id)).toEqual(['blocked'])
    expect(await b.nsblocked()).toEqual([id])
    expect(await b.zscore(b.keys.dispatchQueue, id)).toBeNull()
    const evs = await b.events(id)
    expect(evs.slice(-2).map((e) => [e.kind, e.runId])).toEqual([
      ['reclaimed', runId],
      ['gave_up', runId],
    ])
    expect(evs.at(-1)!.payload).toEqual({
      failures: 1,
      effectiveLimit: 1,
      limitSource: 'task',
      error: LEASE_ERR,
      triggerOutcome: 'reclaimed',
    })
    expect(evs.map((e) => e.kind)).not.toContain('blocked')
  })

  it('the board failureLimit applies to expired leases too', async () => {
    const b = await luaBoard('expire')
    await b.call('configure', { set: { failureLimit: 3 }, clear: [] })
    const id = await b.create()
    for (let i = 1; i <= 3; i++) {
      await b.claim(id, 'w1', 1)
      await sleep(10)
      expect(await b.call('expireRuns', { mode: 'lease', count: 10 })).toEqual({ ids: [id], tripped: i === 3 ? [id] : [] })
    }
    expect((await b.lastEvent(id)).payload).toMatchObject({ effectiveLimit: 3, limitSource: 'board' })
  })

  it('a run claimed from review goes back to review', async () => {
    const b = await luaBoard('expire')
    const id = await b.create()
    await b.call('requestReview', { id, runId: await b.claim(id) })
    await b.claim(id, 'reviewer', 1)
    await sleep(10)
    expect(await b.call('expireRuns', { mode: 'lease', count: 10 })).toEqual({ ids: [id], tripped: [] })
    expect(await b.task(id)).toMatchObject({ status: 'review', consecutiveFailures: '1' })
    expect(await b.indexes(id)).toEqual(['review'])
  })

  it('count bounds the batch, oldest expiry first', async () => {
    const b = await luaBoard('expire')
    const ids = [await b.create(), await b.create(), await b.create()]
    for (const id of ids) await b.claim(id, 'w', 60_000)
    // stored state: three leases that ran out in a known order (t3 first)
    await b.redis.zadd(b.keys.leases, 3, ids[0]!, 2, ids[1]!, 1, ids[2]!)
    expect(await b.call('expireRuns', { mode: 'lease', count: 2 })).toEqual({ ids: [ids[2], ids[1]], tripped: [] })
    expect((await b.task(ids[0]!)).status).toBe('running')
    expect(await b.call('expireRuns', { mode: 'lease', count: 2 })).toEqual({ ids: [ids[0]], tripped: [] })
    expect(await b.call('expireRuns', { mode: 'lease', count: 2 })).toEqual({ ids: [], tripped: [] })
  })
})

describe('expireRuns.lua mode stale (no progress heartbeat)', () => {
  it('off by default and with staleTimeoutMs 0: nothing is looked at or written', async () => {
    const b = await luaBoard('expire')
    const id = await b.create()
    await b.claim(id)
    // stored state: a run with no progress for a very long time
    await b.redis.zadd(b.keys.heartbeats, 1, id)
    let before = await b.dump()
    expect(await b.call('expireRuns', { mode: 'stale', count: 10 })).toEqual({ ids: [], tripped: [] })
    expect(await b.dump()).toEqual(before)
    await b.call('configure', { set: { staleTimeoutMs: 0 }, clear: [] })
    before = await b.dump()
    expect(await b.call('expireRuns', { mode: 'stale', count: 10 })).toEqual({ ids: [], tripped: [] })
    expect(await b.dump()).toEqual(before)
  })

  it('an old heartbeat: run closed stale, nothing counted, error and counter kept, back to ready', async () => {
    const b = await luaBoard('expire')
    await b.call('configure', { set: { staleTimeoutMs: 1000 }, clear: [] })
    const id = await b.create({ maxRetries: 2 })
    const fresh = await b.create()
    // one real failure first, so "not counted" is visible as "still 1"; then a limit of 1,
    // which a counted failure would now reach
    await b.call('recordFailure', { id, runId: await b.claim(id), outcome: 'crashed', error: 'first' })
    await b.call('updateTask', { id, patch: { maxRetries: 1 } })
    const runId = await b.claim(id, 'w', 60_000)
    await b.claim(fresh, 'w', 60_000)
    // stored state: the last progress heartbeat was 5 s ago (the lease itself is still live)
    await b.redis.zadd(b.keys.heartbeats, (await b.now()) - 5000, id)

    // failures 1 >= limit 1, yet a neutral outcome never trips
    expect(await b.call('expireRuns', { mode: 'stale', count: 10 })).toEqual({ ids: [id], tripped: [] })
    const t = await b.task(id)
    expect(t).toMatchObject({ status: 'ready', consecutiveFailures: '1', lastFailureError: 'first' })
    expect(t.cooldownUntil).toBeUndefined()
    expect(t.currentRunId).toBeUndefined()
    await expectNoRunIndexes(b, id)
    expect(await b.run(runId)).toMatchObject({ outcome: 'stale', error: 'no progress for 1000 ms' })
    expect(await b.lastEvent(id)).toMatchObject({
      kind: 'stale',
      runId,
      payload: { error: 'no progress for 1000 ms', failures: 1, neutral: true },
    })
    expect((await b.task(fresh)).status).toBe('running')
  })
})

describe('expireRuns.lua mode timeout (maxRuntimeMs)', () => {
  it('past the deadline: run closed timed_out, counted, event timed_out', async () => {
    const b = await luaBoard('expire')
    const id = await b.create({ maxRuntimeMs: 1, maxRetries: 3 })
    const noCap = await b.create()
    const runId = await b.claim(id, 'w', 60_000)
    await b.claim(noCap, 'w', 60_000)
    expect(await b.zscore(b.keys.deadlines, noCap)).toBeNull()
    await sleep(10)
    expect(await b.call('expireRuns', { mode: 'timeout', count: 10 })).toEqual({ ids: [id], tripped: [] })
    expect(await b.task(id)).toMatchObject({ status: 'ready', consecutiveFailures: '1', lastFailureError: 'exceeded maxRuntimeMs' })
    await expectNoRunIndexes(b, id)
    expect(await b.run(runId)).toMatchObject({ outcome: 'timed_out', error: 'exceeded maxRuntimeMs' })
    expect(await b.lastEvent(id)).toMatchObject({
      kind: 'timed_out',
      runId,
      payload: { error: 'exceeded maxRuntimeMs', failures: 1, neutral: false },
    })
    expect((await b.task(noCap)).status).toBe('running')
  })

  it('trips at the limit like any counted failure', async () => {
    const b = await luaBoard('expire')
    const id = await b.create({ maxRuntimeMs: 1 })
    await b.call('recordFailure', { id, runId: await b.claim(id), outcome: 'crashed', error: 'first' })
    await b.claim(id, 'w', 60_000)
    await sleep(10)
    expect(await b.call('expireRuns', { mode: 'timeout', count: 10 })).toEqual({ ids: [id], tripped: [id] })
    expect(await b.task(id)).toMatchObject({ status: 'blocked', sticky: '0', consecutiveFailures: '2' })
    expect((await b.lastEvent(id)).payload).toMatchObject({ limitSource: 'default', effectiveLimit: 2, triggerOutcome: 'timed_out' })
  })
})

describe('expireRuns.lua index hygiene', () => {
  it.each([
    ['lease', 'leases'],
    ['stale', 'heartbeats'],
    ['timeout', 'deadlines'],
  ] as const)('mode %s drops %s entries whose task is not running (or gone), touching nothing else', async (mode, index) => {
    const b = await luaBoard('expire')
    await b.call('configure', { set: { staleTimeoutMs: 1000 }, clear: [] })
    const ready = await b.create()
    const done = await b.create()
    await b.call('completeTask', { id: done })
    // stored state no script leaves behind: index entries for tasks without an open run
    await b.redis.zadd(b.keys[index], 1, ready, 2, done, 3, 't404')
    const tasksBefore = [await b.task(ready), await b.task(done)]
    const streamBefore = await b.redis.xlen(b.keys.events)
    expect(await b.call('expireRuns', { mode, count: 10 })).toEqual({ ids: [], tripped: [] })
    expect(await b.redis.zcard(b.keys[index])).toBe(0)
    expect([await b.task(ready), await b.task(done)]).toEqual(tasksBefore)
    expect(await b.redis.xlen(b.keys.events)).toBe(streamBefore)
    expect(await b.redis.exists(b.keys.task('t404'))).toBe(0)
  })
})
