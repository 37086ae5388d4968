/**
 * dispatchOnce({ dryRun: true }) (docs/fleet.md#dry-run): what a tick would reclaim, release
 * and reserve, writing nothing — every key of the board, BullMQ's included, is the same
 * after it — and the tick that follows does what it said. DispatchResult.ids lists the
 * ids per category, at most 1,000 each.
 */
import { describe, expect, it } from 'vitest'
import { openBoard, snapshot } from '../helpers/board.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const sorted = (a: string[]) => [...a].sort()

describe('dispatchOnce({ dryRun: true })', () => {
  it('lists what the tick would reclaim, release and reserve, writes nothing, and the tick then does it', async () => {
    const board = await openBoard('dryrun')
    await board.configure({ maxInProgressPerAssignee: 2, failureLimit: 5 })
    const ids = await board.createTasks([
      { ref: 'gone', title: 'gone', assignee: 'w' },
      { ref: 'a1', title: 'a1', assignee: 'a', priority: 2 },
      { ref: 'a2', title: 'a2', assignee: 'a', priority: 1 },
      { ref: 'a3', title: 'a3', assignee: 'a' }, // past lane a's cap of 2
      { ref: 'p1', title: 'p1', assignee: 'p' }, // a paused lane
      { ref: 'u', title: 'u' }, // unassigned, no default lane
    ])
    await board.claimTask(ids.gone!, { claimer: 'vanished', ttlMs: 1000 })
    const due = await board.createTask({ title: 'due', assignee: 'w', runAt: (await board.now()) + 600 })
    await board.pause({ lane: 'p', actor: 'ops' })
    await sleep(1100)

    const before = await snapshot(board)
    const dry = await board.dispatchOnce({ dryRun: true })
    expect(await snapshot(board)).toEqual(before)
    expect(dry).toMatchObject({
      dryRun: true,
      reclaimed: 1,
      released: 1,
      enqueued: 2,
      skippedCapped: 1,
      skippedPaused: 1,
      skippedUnassigned: 1,
      ids: { reclaimed: [ids.gone], released: [due], enqueued: [ids.a1, ids.a2], stale: [], timedOut: [], promoted: [], requeued: [] },
    })

    const tick = await board.dispatchOnce()
    expect(tick.dryRun).toBeUndefined()
    expect(tick.ids.reclaimed).toEqual(dry.ids.reclaimed)
    expect(tick.ids.released).toEqual(dry.ids.released)
    // the tick also reserves what its earlier steps released: the due task; the reclaimed one
    // counted a failure and waits out its retry backoff (docs/blocks-and-breaker.md#retry-backoff)
    expect(sorted(tick.ids.enqueued)).toEqual(sorted([...dry.ids.enqueued, due]))
    expect(tick).toMatchObject({ reclaimed: 1, released: 1, enqueued: 3, skippedCapped: 1, skippedPaused: 1, skippedCooldown: 1 })
    expect((await board.explain(ids.gone!)).reasons.map((r) => r.code)).toEqual(['backoff'])
  })

  it('a paused board: the dry run reserves nothing and says how many wait', async () => {
    const board = await openBoard('dryrun')
    await board.createTasks([1, 2, 3].map((i) => ({ ref: `t${i}`, title: `t${i}`, assignee: 'a' })))
    await board.pause({ actor: 'ops' })
    const before = await snapshot(board)
    expect(await board.dispatchOnce({ dryRun: true })).toMatchObject({ enqueued: 0, skippedPaused: 3, ids: { enqueued: [] } })
    expect(await snapshot(board)).toEqual(before)
  })

  it('a tick lists at most 1,000 ids per category; the count counts them all', async () => {
    const board = await openBoard('dryrun')
    const made = await board.createTasks(Array.from({ length: 1005 }, (_, i) => ({ ref: `n${i}`, title: `n${i}`, assignee: 'bulk' })))
    // dispatch order: equal priority, so oldest (created first) first
    const ids = Array.from({ length: 1005 }, (_, i) => made[`n${i}`]!)
    const dry = await board.dispatchOnce({ dryRun: true })
    expect(dry.enqueued).toBe(1000)
    expect(dry.ids.enqueued).toEqual(ids.slice(0, 1000))
    const tick = await board.dispatchOnce()
    expect(tick.enqueued).toBe(1005)
    expect(tick.ids.enqueued).toHaveLength(1000)
    expect(new Set(tick.ids.enqueued).size).toBe(1000)
  })
})
