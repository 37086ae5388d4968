/**
 * Promotion is immediate (docs/fleet.md#tasks-reach-bullmq-without-waiting-for-a-tick): a completion promotes its children in the same atomic
 * step, and the completing worker hands them to BullMQ at once — the dispatcher's tick is
 * only the safety net. With a dispatcher that ticks once at start and then only every
 * 10 minutes, a chain of tasks finishes within seconds and no tick enqueues anything but
 * the first link.
 */
import { describe, expect, it } from 'vitest'
import { eventsOf, fleetBoard, startDispatcher, startWorker, ticks, waitFor } from './fleet.js'

describe('fleet: immediate promotion', () => {
  it('a child is claimed within ~1 s of its parent completing, not at the next tick', async () => {
    const board = await fleetBoard('promo')
    const ids = await board.createTasks([
      { ref: 'a', title: 'link a', assignee: 'alpha', metadata: { behavior: 'slow:200' } },
      { ref: 'b', title: 'link b', assignee: 'alpha', dependsOn: ['a'], metadata: { behavior: 'slow:200' } },
      { ref: 'c', title: 'link c', assignee: 'beta', dependsOn: ['b'], metadata: { behavior: 'slow:200' } },
      { ref: 'd', title: 'link d', assignee: 'alpha', dependsOn: ['c'], metadata: { behavior: 'ok' } },
    ])
    const chain = ['a', 'b', 'c', 'd'].map((r) => ids[r]!)
    await startWorker(board, { lanes: ['alpha', 'beta'], concurrency: 2 })
    // The first tick runs at start and enqueues `a`; BullMQ aligns the next one to the
    // interval, so it is anywhere up to 10 min away (a long interval keeps the odds of a
    // tick racing the immediate path negligible).
    const d = await startDispatcher(board, { intervalMs: 600_000 })

    await waitFor(async () => (await board.getTask(chain[3]!))?.status === 'done', 'the whole chain done', { timeoutMs: 20_000 })

    for (let i = 1; i < chain.length; i++) {
      const parentDone = (await eventsOf(board, chain[i - 1]!, 'completed'))[0]!
      const claimed = (await eventsOf(board, chain[i]!, 'claimed'))[0]!
      // Generous bound for a loaded machine; a tick-driven dispatch would wait for the
      // next tick instead.
      expect(claimed.at - parentDone.at, `${chain[i]} claimed after its parent completed`).toBeLessThan(3000)
      expect(claimed.at).toBeGreaterThanOrEqual(parentDone.at)
    }
    // Every dispatch by a tick is counted in its result: only the chain's head was.
    expect(ticks(d).reduce((n, r) => n + r.enqueued, 0)).toBe(1)
    for (const id of chain) expect((await board.runs(id)).map((r) => r.outcome)).toEqual(['completed'])
  })
})
