/**
 * A worker that completes a task takes over a child the completion promoted in its lane,
 * claimed in the same call: a chain runs on one worker with a single trip through BullMQ.
 * A handed-over task that cannot start in time (its completing handler goes on) is given
 * back without fault and done by the fleet.
 */
import { describe, expect, it } from 'vitest'
import type { Board } from '../../src/index.js'
import { fleetBoard, startDispatcher, startWorker, waitFor } from './fleet.js'

/** Jobs BullMQ added to a lane, from the lane's event stream. */
async function jobsAdded(board: Board, lane: string): Promise<number> {
  const stream = `${board.keys.bullPrefix}:lane-${lane}:events`
  return (await board.redis.xrange(stream, '-', '+')).filter(([, f]) => f[f.indexOf('event') + 1] === 'added').length
}

describe('fleet: a completion hands its promoted child to the completing worker', () => {
  it("a chain of 12 runs on one worker, each link claimed by its parent's completion; one lane job in all", { timeout: 60_000 }, async () => {
    const board = await fleetBoard('handoff')
    const [, w] = await Promise.all([startDispatcher(board, { intervalMs: 100 }), startWorker(board, { lanes: ['alpha'], concurrency: 1 })])
    const ids = await board.createTasks(
      Array.from({ length: 12 }, (_, i) => ({
        ref: `n${i}`,
        title: `link ${i}`,
        assignee: 'alpha',
        dependsOn: i ? [`n${i - 1}`] : [],
        metadata: { behavior: 'ok' },
      })),
    )
    await waitFor(async () => (await board.stats()).byStatus.done === 12, 'chain done', { timeoutMs: 30_000 })
    for (let i = 0; i < 12; i++) {
      const id = ids[`n${i}`]!
      const runs = await board.runs(id)
      expect(runs.map((r) => [r.outcome, r.claimer])).toEqual([['completed', w.name]])
      if (i > 0) {
        // claimed in the parent's completion: the same Redis millisecond, no job between
        const parent = (await board.getTask(ids[`n${i - 1}`]!))!
        expect(runs[0]!.startedAt - parent.completedAt!).toBeLessThanOrEqual(1)
      }
    }
    expect(await jobsAdded(board, 'alpha')).toBe(1)
  })

  it("a child handed over while its parent's handler goes on is given back without fault, then done", { timeout: 60_000 }, async () => {
    const board = await fleetBoard('handoff-linger')
    await board.configure({ claimTtlMs: 1000 }) // a handed-over task waits at most 333 ms for its slot
    const lingering = await startWorker(board, { lanes: ['alpha'], concurrency: 1 })
    const ids = await board.createTasks([
      { ref: 'p', title: 'parent', assignee: 'alpha', metadata: { behavior: 'linger:3000' } },
      { ref: 'c', title: 'child', assignee: 'alpha', dependsOn: ['p'], metadata: { behavior: 'ok' } },
    ])
    await startDispatcher(board, { intervalMs: 100 })
    await waitFor(async () => (await board.getTask(ids.p!))!.status === 'done', 'parent done')
    const other = await startWorker(board, { lanes: ['alpha'], concurrency: 1 })
    await waitFor(async () => (await board.getTask(ids.c!))!.status === 'done', 'child done', { timeoutMs: 20_000 })
    const runs = await board.runs(ids.c!)
    // taken over by the lingering worker, given back unstarted (neutral), then done through
    // BullMQ by whichever worker took its job
    expect(runs.map((r) => r.outcome)).toEqual(['reclaimed', 'completed'])
    expect(runs[0]!.claimer).toBe(lingering.name)
    expect([lingering.name, other.name]).toContain(runs[1]!.claimer)
    expect(runs[0]!.endedAt! - runs[0]!.startedAt).toBeLessThan(2000) // long before the parent's handler ended
    const child = (await board.getTask(ids.c!))!
    expect(child.consecutiveFailures).toBe(0)
    expect((await board.events({ taskId: ids.c! })).filter((e) => e.kind === 'claimed')).toHaveLength(2)
  })
})
