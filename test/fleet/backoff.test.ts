/**
 * The retry backoff with real processes (docs/blocks-and-breaker.md#retry-backoff): a worker
 * whose handler throws gets the task back only after each failure's backoff is over — the
 * claims' times and the failures' retryAt are the Redis server's clock, written by the
 * scripts, so the check does not depend on how fast this machine is.
 */
import { describe, expect, it } from 'vitest'
import { eventsOf, fleetBoard, outcomes, startDispatcher, startWorker, ticks, waitFor } from './fleet.js'

describe('fleet: retry backoff', () => {
  it('a handler that throws is not claimed again before its backoff is over, which doubles per failure', { timeout: 60_000 }, async () => {
    const board = await fleetBoard('backoff')
    await board.configure({ failureLimit: 3, retryBackoffMs: 1000, retryBackoffMaxMs: 60_000 })
    const [d] = await Promise.all([
      startDispatcher(board, { intervalMs: 100 }),
      startWorker(board, { lanes: ['alpha'] }),
      startWorker(board, { lanes: ['alpha'] }),
    ])
    const id = await board.createTask({ title: 'crashes', assignee: 'alpha', metadata: { behavior: 'throw' } })

    await waitFor(async () => (await eventsOf(board, id, 'gave_up')).length === 1, 'the trip at the third failure', { timeoutMs: 30_000 })
    expect(await outcomes(board, id)).toEqual(['crashed', 'crashed', 'crashed'])
    const crashed = await eventsOf(board, id, 'crashed')
    const claimed = await eventsOf(board, id, 'claimed')
    expect(claimed).toHaveLength(3)

    // the first two failures back off: 1000 × 2^(n-1), equal jitter (at least half of it)
    for (const [i, ceiling] of [
      [0, 1000],
      [1, 2000],
    ] as const) {
      const p = crashed[i]!.payload!
      expect(p.backoffMs, `failure ${i + 1}`).toBeGreaterThanOrEqual(ceiling / 2)
      expect(p.backoffMs, `failure ${i + 1}`).toBeLessThanOrEqual(ceiling)
      expect(p.retryAt).toBe(crashed[i]!.at + (p.backoffMs as number))
      // the next attempt's claim, on the same clock, is not before the backoff's end
      expect(claimed[i + 1]!.at, `attempt ${i + 2}`).toBeGreaterThanOrEqual(p.retryAt as number)
    }
    // the trip does not back off
    expect(crashed[2]!.payload).toEqual({ error: expect.stringMatching(/boom from w/), failures: 3, neutral: false })
    expect((await board.getTask(id))!.cooldownUntil).toBeNull()
    // the ticks saw it waiting
    expect(ticks(d).some((r) => r.skippedCooldown > 0)).toBe(true)
  })
})
