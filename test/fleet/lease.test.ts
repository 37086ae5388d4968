/**
 * Lease renewal follows the lease a run was actually given (docs/fleet.md#claims-and-leases: the worker renews
 * the lease automatically while the handler runs). An operator shortening claimTtlMs on a
 * live fleet must not make healthy, long-running tasks lose their leases and be counted
 * as failures (§5: `reclaimed` counts).
 */
import { describe, expect, it } from 'vitest'
import { eventsOf, fleetBoard, outcomes, startDispatcher, startWorker, waitFor } from './fleet.js'

describe('fleet: lease renewal', () => {
  it('a claimTtlMs shortened while workers run still gets renewed in time', { timeout: 60_000 }, async () => {
    const board = await fleetBoard('lease')
    await Promise.all([startDispatcher(board, { intervalMs: 150 }), startWorker(board, { lanes: ['alpha'] })])
    // The worker has run a task under the default 60 s lease...
    const warm = await board.createTask({ title: 'warm up', assignee: 'alpha', metadata: { behavior: 'ok' } })
    await waitFor(async () => (await board.getTask(warm))?.status === 'done', 'the warm-up task done')

    // ...then the operator shortens the lease, and a task needs longer than one lease.
    await board.configure({ claimTtlMs: 1500 })
    const long = await board.createTask({ title: 'long', assignee: 'alpha', metadata: { behavior: 'slow:4500' } })
    await waitFor(async () => (await board.getTask(long))?.status === 'done', 'the long task done', { timeoutMs: 30_000 })
    expect(await outcomes(board, long)).toEqual(['completed'])
    expect((await board.getTask(long))!.consecutiveFailures).toBe(0)
  })
})

describe('fleet: stale runs', () => {
  it('a run that reports no progress for staleTimeoutMs is reclaimed as stale (neutral), one that does is not', { timeout: 60_000 }, async () => {
    const board = await fleetBoard('stale')
    // The worker renews leases every claimTtlMs / 3 = 1 s: well inside staleTimeoutMs, so
    // only progress reports may keep a run from going stale.
    await board.configure({ claimTtlMs: 3000, staleTimeoutMs: 2000 })
    const [, w] = await Promise.all([startDispatcher(board, { intervalMs: 150 }), startWorker(board, { lanes: ['alpha'], concurrency: 2 })])
    // Both runs keep their leases (the worker renews them); only one reports progress.
    const stuck = await board.createTask({ title: 'stuck', assignee: 'alpha', metadata: { behavior: 'hang' } })
    const busy = await board.createTask({ title: 'busy', assignee: 'alpha', metadata: { behavior: 'progress:4000' } })

    await waitFor(async () => (await outcomes(board, stuck))[0] === 'stale', 'the stuck run reclaimed as stale', { timeoutMs: 20_000 })
    await board.updateTask(stuck, { metadata: { behavior: 'ok' } })
    await waitFor(async () => (await board.stats()).byStatus.done === 2, 'both done', { timeoutMs: 30_000 })

    expect(await outcomes(board, busy)).toEqual(['completed'])
    expect((await eventsOf(board, busy, 'heartbeat')).length).toBeGreaterThanOrEqual(5)
    const runs = await board.runs(stuck)
    expect(runs.at(-1)!.outcome).toBe('completed')
    expect(runs.slice(0, -1).every((r) => r.outcome === 'stale')).toBe(true)
    // no progress for the whole staleTimeoutMs, though the lease was renewed throughout
    expect(runs[0]!.endedAt! - runs[0]!.startedAt).toBeGreaterThanOrEqual(2000)
    for (const e of await eventsOf(board, stuck, 'stale')) expect(e.payload).toMatchObject({ failures: 0, neutral: true })
    expect((await board.getTask(stuck))!.consecutiveFailures).toBe(0)
    // the stuck handler was told through its signal
    await waitFor(() => w.messages.some((m) => m.type === 'aborted' && m.runId === runs[0]!.id), 'the stuck handler seeing the abort')
  })
})
