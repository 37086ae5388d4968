import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { expectNear, luaBoard, type LuaBoard } from '../helpers/lua.js'
import type { ScriptArgs, ScriptName } from '../../src/scriptContract.js'

async function leader(b: LuaBoard): Promise<Record<string, string>> {
  return b.redis.hgetall(b.keys.leader)
}

describe('acquireLeader.lua (the dispatcher lease)', () => {
  it('grants a free lease with fence 1, on the server clock, and a key TTL of twice the lease', async () => {
    const b = await luaBoard('leader')
    const before = await b.now()
    const r = await b.call('acquireLeader', { holder: 'replica-a', ttlMs: 10_000 })
    const after = await b.now()
    if (!r.ok) throw new Error('refused')
    expect(Object.keys(r).sort()).toEqual(['expiresAt', 'fence', 'ok'])
    expect(r.fence).toBe('1')
    expectNear(r.expiresAt, before + 10_000, after + 10_000)
    expect(await leader(b)).toEqual({ holder: 'replica-a', token: '1', expiresAt: String(r.expiresAt) })
    // the hash cleans itself up if every replica dies: PEXPIRE ttlMs * 2
    const pttl = await b.redis.pttl(b.keys.leader)
    expect(pttl).toBeGreaterThan(10_000)
    expect(pttl).toBeLessThanOrEqual(20_000)
    // a tick is not a task change: no event
    expect(await b.redis.exists(b.keys.events)).toBe(0)
  })

  it('refuses another holder while the lease is live, naming the holder; nothing written', async () => {
    const b = await luaBoard('leader')
    const a = await b.call('acquireLeader', { holder: 'replica-a', ttlMs: 30_000 })
    if (!a.ok) throw new Error('refused')
    const before = await b.dump()
    expect(await b.call('acquireLeader', { holder: 'replica-b', ttlMs: 30_000 })).toEqual({
      ok: false,
      holder: 'replica-a',
      expiresAt: a.expiresAt,
    })
    expect(await b.dump()).toEqual(before)
  })

  it('the same holder re-acquires with a new fence and a later expiry', async () => {
    const b = await luaBoard('leader')
    const first = await b.call('acquireLeader', { holder: 'replica-a', ttlMs: 30_000 })
    if (!first.ok) throw new Error('refused')
    await sleep(5)
    const second = await b.call('acquireLeader', { holder: 'replica-a', ttlMs: 30_000 })
    if (!second.ok) throw new Error('refused')
    expect(second.fence).toBe('2')
    expect(second.expiresAt).toBeGreaterThan(first.expiresAt)
    expect(await leader(b)).toEqual({ holder: 'replica-a', token: '2', expiresAt: String(second.expiresAt) })
  })

  it('grants another holder once the lease expired; fences keep counting after the key itself expired', async () => {
    const b = await luaBoard('leader')
    const a = await b.call('acquireLeader', { holder: 'replica-a', ttlMs: 20 })
    expect(a).toMatchObject({ ok: true, fence: '1' })
    // past the lease (20 ms) and past the key's own PEXPIRE (40 ms)
    await sleep(60)
    expect(await b.redis.exists(b.keys.leader)).toBe(0)
    const r = await b.call('acquireLeader', { holder: 'replica-b', ttlMs: 30_000 })
    // the token comes from the board's seq hash, so a lost leader hash never reuses fence 1
    expect(r).toMatchObject({ ok: true, fence: '2' })
    expect(await leader(b)).toMatchObject({ holder: 'replica-b', token: '2' })
  })

  it('grants another holder when the stored expiresAt is in the past (the hash still there)', async () => {
    const b = await luaBoard('leader')
    await b.call('acquireLeader', { holder: 'replica-a', ttlMs: 30_000 })
    // stored state: replica-a stalled past its lease but the key's 2x TTL has not run out
    await b.redis.hset(b.keys.leader, 'expiresAt', String((await b.now()) - 1))
    expect(await b.call('acquireLeader', { holder: 'replica-b', ttlMs: 30_000 })).toMatchObject({ ok: true, fence: '2' })
    expect(await leader(b)).toMatchObject({ holder: 'replica-b', token: '2' })
  })

  it('release drops the lease only when the fence is the current one', async () => {
    const b = await luaBoard('leader')
    const a = await b.call('acquireLeader', { holder: 'replica-a', ttlMs: 30_000 })
    if (!a.ok) throw new Error('refused')
    const before = await b.dump()
    expect(await b.call('acquireLeader', { release: true, fence: '99' })).toEqual({ ok: true })
    expect(await b.dump()).toEqual(before)
    // a replica whose fence was superseded cannot drop its successor's lease
    const a2 = await b.call('acquireLeader', { holder: 'replica-a', ttlMs: 30_000 })
    if (!a2.ok) throw new Error('refused')
    await b.call('acquireLeader', { release: true, fence: a.fence })
    expect(await leader(b)).toMatchObject({ token: a2.fence })

    expect(await b.call('acquireLeader', { release: true, fence: a2.fence })).toEqual({ ok: true })
    expect(await b.redis.exists(b.keys.leader)).toBe(0)
    expect(await b.call('acquireLeader', { holder: 'replica-b', ttlMs: 30_000 })).toMatchObject({ ok: true, fence: '3' })
  })
})

describe('fence.lua (every tick step checks the leader fence)', () => {
  /** A board on which each fenced script has something to write. */
  async function busyBoard(): Promise<LuaBoard> {
    const b = await luaBoard('fence')
    // reserveDispatch: a ready assigned task waiting in dq
    await b.create({ assignee: 'lane' })
    // expireRuns (lease): a running task whose lease has run out (stored state: score in the past)
    const running = await b.create({ assignee: 'lane' })
    await b.claim(running)
    await b.redis.zadd(b.keys.leases, 1, running)
    // releaseDue: a scheduled task whose runAt has passed
    const sched = await b.create()
    await b.call('scheduleTask', { id: sched, runAt: (await b.now()) - 1000 })
    // requeueLost: a queued task (reserved through the script, so dq -> queued)
    const queued = await b.create({ assignee: 'other', priority: 9 })
    const res = await b.call('reserveDispatch', { count: 1, scan: 10 })
    expect(res.jobs.map((j) => j.id)).toEqual([queued])
    return b
  }

  interface Step {
    name: ScriptName
    args: (fence: string) => ScriptArgs[ScriptName]
  }
  const steps: Step[] = [
    { name: 'expireRuns', args: (fence) => ({ mode: 'lease', count: 10, fence }) },
    { name: 'releaseDue', args: (fence) => ({ count: 10, fence }) },
    { name: 'reserveDispatch', args: (fence) => ({ count: 10, scan: 10, fence }) },
    { name: 'requeueLost', args: (fence) => ({ lost: ['t4'], alive: [], fence }) },
    { name: 'recomputeReady', args: (fence) => ({ count: 10, fence }) },
  ]

  async function refused(b: LuaBoard, step: Step, fence: string, current: string | null) {
    const args = step.args(fence)
    const before = await b.dump()
    expect(await b.raw(step.name, args)).toEqual({ err: 'STALE_LEADER', fence, current })
    await expect(b.call(step.name, args)).rejects.toMatchObject({
      name: 'KanbanError',
      code: 'STALE_LEADER',
      details: { fence },
    })
    expect(await b.dump()).toEqual(before)
  }

  it.each(steps)('$name: a superseded fence is refused with STALE_LEADER and writes nothing', async (step) => {
    const b = await busyBoard()
    const old = await b.call('acquireLeader', { holder: 'replica-a', ttlMs: 30_000 })
    const cur = await b.call('acquireLeader', { holder: 'replica-a', ttlMs: 30_000 })
    if (!old.ok || !cur.ok) throw new Error('refused')
    await refused(b, step, old.fence, cur.fence)
  })

  it.each(steps)('$name: the current fence of an expired lease is refused', async (step) => {
    const b = await busyBoard()
    const lease = await b.call('acquireLeader', { holder: 'replica-a', ttlMs: 30_000 })
    if (!lease.ok) throw new Error('refused')
    // stored state: the replica stalled past expiresAt and nobody has taken over yet
    await b.redis.hset(b.keys.leader, 'expiresAt', String((await b.now()) - 1))
    await refused(b, step, lease.fence, lease.fence)
  })

  it.each(steps)('$name: a fence with no lease at all (released) is refused', async (step) => {
    const b = await busyBoard()
    const lease = await b.call('acquireLeader', { holder: 'replica-a', ttlMs: 30_000 })
    if (!lease.ok) throw new Error('refused')
    await b.call('acquireLeader', { release: true, fence: lease.fence })
    await refused(b, step, lease.fence, null)
  })

  // a tick's first pipeline: the acquire, then the steps fenced by holder (token not known yet)
  const firstSteps: { name: ScriptName; args: (holder: string) => ScriptArgs[ScriptName] }[] = [
    { name: 'expireRuns', args: (fenceHolder) => ({ mode: 'lease', count: 10, fenceHolder }) },
    { name: 'releaseDue', args: (fenceHolder) => ({ count: 10, fenceHolder }) },
    { name: 'recomputeReady', args: (fenceHolder) => ({ count: 10, fenceHolder }) },
  ]

  it.each(firstSteps)('$name with fenceHolder: refused unless that holder has a live lease; then it works', async (step) => {
    const b = await busyBoard()
    const stale = async (holder: string, current: string | null) => {
      const before = await b.dump()
      expect(await b.raw(step.name, step.args(holder))).toEqual({ err: 'STALE_LEADER', holder, current })
      expect(await b.dump()).toEqual(before)
    }
    await stale('replica-a', null) // no lease at all
    const lease = await b.call('acquireLeader', { holder: 'replica-b', ttlMs: 30_000 })
    if (!lease.ok) throw new Error('refused')
    await stale('replica-a', 'replica-b') // another replica's lease
    await b.redis.hset(b.keys.leader, 'expiresAt', String((await b.now()) - 1))
    await stale('replica-b', 'replica-b') // its own, expired (stored state: the replica stalled)
    await b.call('acquireLeader', { holder: 'replica-b', ttlMs: 30_000 })
    expect(await b.raw(step.name, step.args('replica-b'))).not.toHaveProperty('err')
  })

  it("release by holder (a tick that failed before it learnt its token) drops only that holder's lease", async () => {
    const b = await luaBoard('fence')
    const lease = await b.call('acquireLeader', { holder: 'replica-b', ttlMs: 30_000 })
    if (!lease.ok) throw new Error('refused')
    await b.call('acquireLeader', { release: true, holder: 'replica-a' })
    expect(await b.redis.hget(b.keys.leader, 'holder')).toBe('replica-b')
    await b.call('acquireLeader', { release: true, holder: 'replica-b' })
    expect(await b.redis.exists(b.keys.leader)).toBe(0)
  })

  it('the current fence of a live lease is accepted: each step does its work', async () => {
    const b = await busyBoard()
    const lease = await b.call('acquireLeader', { holder: 'replica-a', ttlMs: 30_000 })
    if (!lease.ok) throw new Error('refused')
    const fence = lease.fence
    expect(await b.call('expireRuns', { mode: 'lease', count: 10, fence })).toEqual({ ids: ['t2'], tripped: [] })
    expect(await b.call('releaseDue', { count: 10, fence })).toEqual({ released: ['t3'], cooled: [] })
    expect(await b.call('requeueLost', { lost: ['t4'], alive: [], fence })).toEqual({ requeued: ['t4'] })
    const r = await b.call('reserveDispatch', { count: 10, scan: 10, fence })
    // t2, whose lease expired, counts a failure and waits out its retry backoff
    expect(r.jobs.map((j) => [j.id, j.jobId])).toEqual([
      ['t4', 'j2'],
      ['t1', 'j3'],
    ])
    expect(r.skippedCooldown).toBe(1)
    // without a fence (a library user's dispatchOnce, a worker's immediate enqueue) nothing is checked
    await b.call('acquireLeader', { release: true, fence })
    expect(await b.call('releaseDue', { count: 10 })).toEqual({ released: [], cooled: [] })
  })

  it('reserveDispatch with releaseIfDone: the last reservation of a tick releases the lease, not a full one nor one with a lost job left', async () => {
    const b = await luaBoard('leader')
    const ids = [] as string[]
    for (let i = 0; i < 3; i++) ids.push(await b.create({ assignee: 'lane' }))
    const take = async () => {
      const lease = await b.call('acquireLeader', { holder: 'replica-a', ttlMs: 30_000 })
      if (!lease.ok) throw new Error('refused')
      return lease.fence
    }
    // a full batch (2 of 3): more may follow, the lease stays
    let fence = await take()
    const full = await b.call('reserveDispatch', { count: 2, scan: 4, fence, releaseIfDone: true, lostBefore: 0 })
    expect(full.jobs).toHaveLength(2)
    expect(full.released).toBeUndefined()
    expect(await b.redis.hget(b.keys.leader, 'token')).toBe(fence)
    // the rest, with a queued task older than the lost-job cutoff: the tick still has a repair to do
    const cutoff = (await b.now()) + 1000
    const withLost = await b.call('reserveDispatch', { count: 2, scan: 4, fence, releaseIfDone: true, lostBefore: cutoff })
    expect(withLost.jobs.map((j) => j.id)).toEqual([ids[2]])
    expect(withLost.released).toBeUndefined()
    expect(await b.redis.hget(b.keys.leader, 'token')).toBe(fence)
    // nothing left and no lost job: released in the same call
    const idle = await b.call('reserveDispatch', { count: 2, scan: 4, fence, releaseIfDone: true, lostBefore: 0 })
    expect(idle).toMatchObject({ jobs: [], released: true })
    expect(await b.redis.exists(b.keys.leader)).toBe(0)
    // without releaseIfDone (the immediate enqueue) nothing is released
    fence = await take()
    expect((await b.call('reserveDispatch', { count: 2, scan: 4, fence })).released).toBeUndefined()
    expect(await b.redis.hget(b.keys.leader, 'token')).toBe(fence)
  })
})
