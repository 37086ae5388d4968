/**
 * One dispatcher tick with work in every step (docs/fleet.md#a-tick): the steps' first batches share
 * one pipeline and a step whose batch comes back full goes on alone, so small batches
 * here make every step run several rounds — and a lost BullMQ job found by the tick is
 * dispatched again within the same tick.
 */
import { describe, expect, it } from 'vitest'
import { openBoard } from '../helpers/board.js'
import { boardContext } from '../../src/context.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('dispatchOnce: one tick, every step', () => {
  it('reclaims, releases, recomputes, repairs a lost job and dispatches, each step past its first batch', async () => {
    const board = await openBoard('tick')
    // no retry backoff (docs/blocks-and-breaker.md#retry-backoff): the reclaimed tasks go
    // straight back to dispatch, so the dispatch step has ten to take in rounds of two
    await board.configure({ failureLimit: 1, retryBackoffMs: 0 })
    // a task handed to BullMQ whose job then vanished
    const lost = await board.createTask({ title: 'lost', assignee: 'other' })
    expect((await board.dispatchOnce({ batch: 2 })).enqueued).toBe(1)
    const [job] = await (await boardContext(board).lanes.get('other')).getJobs(['waiting'])
    await job!.remove()
    // five running tasks whose leases will have expired
    const expiring = Object.values(await board.createTasks(Array.from({ length: 5 }, (_, i) => ({ ref: `e${i}`, title: `e${i}`, assignee: 'lane' }))))
    for (const id of expiring) await board.claimTask(id, { claimer: 'gone', ttlMs: 1000 })
    // three scheduled tasks coming due
    const now = await board.now()
    const due = [] as string[]
    for (let i = 0; i < 3; i++) due.push(await board.createTask({ title: `s${i}`, assignee: 'lane', runAt: now + 600 }))
    // a breaker-blocked task that a higher limit frees at recompute
    const parked = await board.createTask({ title: 'flaky', assignee: 'lane' })
    const run = (await board.claimTask(parked, { claimer: 'w' }))!.runId
    await board.recordFailure(parked, { runId: run, outcome: 'crashed', error: 'boom' })
    expect((await board.getTask(parked))!.status).toBe('blocked')
    await board.configure({ failureLimit: 3 })
    await sleep(1100)

    const r = await board.dispatchOnce({ batch: 2, lostJobAfterMs: 500 })
    // expired leases count a failure; at limit 3 the first failure requeues them
    expect(r).toMatchObject({ reclaimed: 5, autoBlocked: 0, released: 3, promoted: 1, requeued: 1, skippedLocked: false })
    // 5 reclaimed + 3 released + 1 promoted + 1 repaired, over several dispatch rounds of 2
    expect(r.enqueued).toBe(10)
    for (const id of [...expiring, ...due, parked]) {
      const t = (await board.explain(id))!
      expect(t.reasons.map((x) => x.code)).toContain('queued')
    }
    const jobs = async (lane: string) => (await (await boardContext(board).lanes.get(lane)).getJobs(['waiting', 'prioritized'])).flatMap((j) => j.data.taskIds)
    expect((await jobs('lane')).sort()).toEqual([...expiring, ...due, parked].sort())
    expect(await jobs('other')).toEqual([lost])

    // and an idle tick right after finds nothing
    expect(await board.dispatchOnce()).toMatchObject({ reclaimed: 0, released: 0, promoted: 0, requeued: 0, enqueued: 0 })
  })

  it('a tick while another replica holds the lease is skipped and leaves that lease alone', async () => {
    const board = await openBoard('tick-locked')
    await board.createTask({ title: 'one', assignee: 'lane' })
    const other = await boardContext(board).scripts.call('acquireLeader', { holder: 'replica-b', ttlMs: 30_000 })
    if (!other.ok) throw new Error('refused')
    expect(await board.dispatchOnce({ holder: 'replica-a' })).toMatchObject({ skippedLocked: true, enqueued: 0, reclaimed: 0 })
    expect(await board.redis.hmget(board.keys.leader, 'holder', 'token')).toEqual(['replica-b', other.fence])
    expect((await board.listTasks({ status: 'ready' })).length).toBe(1)
  })

  it('an idle tick leaves the lease free for another replica: its last reservation released it', async () => {
    const board = await openBoard('tick-idle')
    await board.createTask({ title: 'one', assignee: 'lane' })
    // instrumentation only (the calls still go to Redis): which single-script calls a tick makes
    const calls: string[] = []
    const { scripts } = boardContext(board)
    const call = scripts.call.bind(scripts)
    scripts.call = ((name: string, args: { release?: boolean }, ...rest: never[]) => {
      calls.push(args?.release ? `${name}:release` : name)
      return call(name as never, args as never, ...rest)
    }) as typeof scripts.call
    expect(await board.dispatchOnce({ holder: 'replica-a' })).toMatchObject({ enqueued: 1, skippedLocked: false })
    expect(await board.redis.exists(board.keys.leader)).toBe(0)
    expect(await board.dispatchOnce({ holder: 'replica-b' })).toMatchObject({ enqueued: 0, skippedLocked: false })
    expect(await board.redis.exists(board.keys.leader)).toBe(0)
    // no call of its own for the lease: taken in the first pipeline, released by the reservation
    expect(calls).toEqual([])
  })
})
