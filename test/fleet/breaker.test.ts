/**
 * The circuit breaker and sticky blocks with real processes (docs/blocks-and-breaker.md): a handler that
 * always throws is parked after exactly the effective limit and stays parked across ticks
 * until the limit is raised; a worker's sticky block survives every tick and every worker
 * until a human unblocks it.
 */
import { describe, expect, it } from 'vitest'
import { eventsOf, fleetBoard, moreTicks, outcomes, startDispatcher, startWorker, starts, waitFor } from './fleet.js'

describe('fleet: circuit breaker', () => {
  it('a handler that always throws trips at the board limit, stays parked, and trips again after the limit is raised', { timeout: 60_000 }, async () => {
    const board = await fleetBoard('brk')
    await board.configure({ failureLimit: 3 })
    const [d, ...workers] = await Promise.all([
      startDispatcher(board, { intervalMs: 150 }),
      startWorker(board, { lanes: ['alpha'] }),
      startWorker(board, { lanes: ['alpha'] }),
    ])
    const id = await board.createTask({ title: 'always throws', assignee: 'alpha', metadata: { behavior: 'throw' } })

    await waitFor(async () => (await eventsOf(board, id, 'gave_up')).length === 1, 'the first trip')
    let t = (await board.getTask(id))!
    expect(t.status).toBe('blocked')
    expect(t.sticky).toBe(false)
    expect(t.consecutiveFailures).toBe(3)
    expect(t.lastFailureError).toMatch(/boom from w/)
    const runs = await board.runs(id)
    expect(runs.map((r) => r.outcome)).toEqual(['crashed', 'crashed', 'crashed'])
    for (const r of runs) expect(r.error).toMatch(/^Error: boom from w/)
    const [gaveUp] = await eventsOf(board, id, 'gave_up')
    expect(gaveUp!.payload).toMatchObject({ failures: 3, effectiveLimit: 3, limitSource: 'board', triggerOutcome: 'crashed' })
    expect(gaveUp!.runId).toBe(runs[2]!.id)
    expect(await eventsOf(board, id, 'blocked')).toEqual([])

    // Parked: many ticks (each one recomputes) and two idle workers change nothing.
    await moreTicks([d], 8)
    expect(await outcomes(board, id)).toHaveLength(3)
    expect((await board.getTask(id))!.status).toBe('blocked')
    expect(starts(workers, id)).toHaveLength(3)
    expect((await board.explain(id)).reasons.map((r) => r.code)).toContain('breaker_open')

    // Raising the limit lets the next recompute release it, counter kept: two more
    // failures and it trips again, at 5.
    await board.configure({ failureLimit: 5 })
    await waitFor(async () => (await eventsOf(board, id, 'gave_up')).length === 2, 'the second trip')
    t = (await board.getTask(id))!
    expect(t.status).toBe('blocked')
    expect(t.consecutiveFailures).toBe(5)
    expect(await outcomes(board, id)).toEqual(['crashed', 'crashed', 'crashed', 'crashed', 'crashed'])
    expect((await eventsOf(board, id, 'promoted')).length).toBe(1)
    const second = (await eventsOf(board, id, 'gave_up'))[1]!
    expect(second.payload).toMatchObject({ failures: 5, effectiveLimit: 5, limitSource: 'board', triggerOutcome: 'crashed' })
    const crashed = await eventsOf(board, id, 'crashed')
    expect(crashed.map((e) => e.payload?.failures)).toEqual([1, 2, 3, 4, 5])

    await moreTicks([d], 8)
    expect(await outcomes(board, id)).toHaveLength(5)
    expect((await board.getTask(id))!.status).toBe('blocked')
    await waitFor(() => starts(workers, id).length === 5, 'five handler starts reported')
    expect(starts(workers, id)).toHaveLength(5)
  })
})

describe('fleet: sticky block', () => {
  it('stays blocked across ticks and workers until unblocked, then runs again', { timeout: 60_000 }, async () => {
    const board = await fleetBoard('sticky')
    const [d, ...workers] = await Promise.all([
      startDispatcher(board, { intervalMs: 150 }),
      startWorker(board, { lanes: ['alpha'] }),
      startWorker(board, { lanes: ['alpha'] }),
      startWorker(board, { lanes: ['alpha'] }),
    ])
    const id = await board.createTask({ title: 'needs a human', assignee: 'alpha', metadata: { behavior: 'block' } })

    await waitFor(async () => (await board.getTask(id))?.status === 'blocked', 'the worker blocking it')
    const blocked = (await board.getTask(id))!
    expect(blocked.sticky).toBe(true)
    expect(blocked.blockKind).toBe('needs_input')
    expect(blocked.blockReason).toBe('needs a human')
    expect(await outcomes(board, id)).toEqual(['blocked'])

    await moreTicks([d], 10)
    expect((await board.getTask(id))!.status).toBe('blocked')
    // What the human does to the task's spec does not release it either.
    await board.updateTask(id, { metadata: { behavior: 'ok' } })
    await moreTicks([d], 5)
    const still = (await board.getTask(id))!
    expect(still.status).toBe('blocked')
    expect(still.sticky).toBe(true)
    expect(await outcomes(board, id)).toEqual(['blocked'])
    expect(starts(workers, id)).toHaveLength(1)
    expect((await board.explain(id)).reasons.map((r) => r.code)).toContain('sticky_block')

    expect(await board.unblockTask(id, { actor: 'human' })).toBe(true)
    await waitFor(async () => (await board.getTask(id))?.status === 'done', 'done after the unblock')
    expect(await outcomes(board, id)).toEqual(['blocked', 'completed'])
    expect((await board.getTask(id))!.result).toMatch(/^done by w/)
  })
})
