/** explain() on a live board: the dispatch side (queued, caps) read from Redis. */
import { describe, expect, it } from 'vitest'
import { openBoard } from '../helpers/board.js'

describe('explain: dispatch state', () => {
  it('names a full lane with n/cap, and a task already handed to BullMQ as queued', async () => {
    const board = await openBoard('explain')
    await board.configure({ maxInProgressPerAssignee: 1 })
    const a = await board.createTask({ title: 'a', assignee: 'x' })
    const b = await board.createTask({ title: 'b', assignee: 'x' })
    // no worker serves lane x on this board: a runnable task's explanation ends with no_live_worker (docs/fleet.md#liveness)
    expect((await board.explain(b)).reasons.map((r) => r.code)).toEqual(['runnable', 'no_live_worker'])

    expect(await board.claimTask(a, { claimer: 'w' })).not.toBeNull()
    const full = await board.explain(b)
    expect(full.runnable).toBe(false)
    expect(full.reasons).toEqual([{ code: 'lane_at_capacity', message: 'lane x is at capacity: 1/1 in progress', data: { lane: 'x', inFlight: 1, cap: 1 } }])
    // the cap holds in dispatch too: nothing is enqueued while the lane is full
    expect(await board.enqueue([b])).toBe(0)

    await board.configure({ maxInProgressPerAssignee: 2 })
    expect(await board.enqueue([b])).toBe(1)
    const queued = await board.explain(b)
    expect(queued.reasons.map((r) => r.code)).toEqual(['queued', 'no_live_worker'])
    expect(queued.runnable).toBe(true)
  })
})
