/**
 * Processes that die without a word (kill -9). A worker's tasks come back once their
 * leases expire — counted as a failure (the worker vanished: docs/blocks-and-breaker.md#the-circuit-breaker) — and other workers
 * finish them; the leader dispatcher's death leaves the other replica ticking (§7: a
 * BullMQ job scheduler plus a leader lease, no fixed leader).
 */
import { describe, expect, it } from 'vitest'
import { eventsOf, fleetBoard, rawConnection, startDispatcher, startWorker, ticks, waitFor, type DispatcherProc } from './fleet.js'
import { boardContext } from '../../src/context.js'

describe('fleet: kill -9', () => {
  it("a killed worker's tasks are reclaimed after the lease (counted) and finished by the others", { timeout: 60_000 }, async () => {
    const board = await fleetBoard('kill')
    await board.configure({ claimTtlMs: 1500 })
    await startDispatcher(board, { intervalMs: 150 })
    const victim = await startWorker(board, { lanes: ['alpha'], concurrency: 3 })
    const ids = await Promise.all([1, 2, 3].map((i) => board.createTask({ title: `long ${i}`, assignee: 'alpha', metadata: { behavior: 'slow:60000' } })))
    await waitFor(async () => (await board.listTasks({ status: 'running' })).length === 3, 'the victim running all three')

    const killedAt = await board.now()
    await victim.kill9()
    // The survivors get a quick version of the work (the handler reads the task at claim).
    for (const id of ids) await board.updateTask(id, { metadata: { behavior: 'slow:200' } })
    const others = await Promise.all([1, 2].map(() => startWorker(board, { lanes: ['alpha'], concurrency: 2 })))

    await waitFor(async () => (await board.stats()).byStatus.done === 3, 'all three done by the other workers', { timeoutMs: 30_000 })
    const names = others.map((w) => w.name)
    for (const id of ids) {
      const runs = await board.runs(id)
      expect(
        runs.map((r) => r.outcome),
        id,
      ).toEqual(['reclaimed', 'completed'])
      expect(runs[0]!.claimer).toBe(victim.name)
      expect(runs[0]!.error).toMatch(/lease expired/)
      // It was renewing its lease until it died: reclaimed after the kill, not before.
      expect(runs[0]!.endedAt!).toBeGreaterThanOrEqual(killedAt)
      expect(names).toContain(runs[1]!.claimer)
      // The expiry counted as a failure at the time (the completion reset it since).
      const reclaimed = await eventsOf(board, id, 'reclaimed')
      expect(reclaimed).toHaveLength(1)
      expect(reclaimed[0]!.runId).toBe(runs[0]!.id)
      expect(reclaimed[0]!.payload).toMatchObject({ failures: 1, neutral: false })
      const t = (await board.getTask(id))!
      expect(t.status).toBe('done')
      expect(t.consecutiveFailures).toBe(0)
    }
  })

  it('killing the leader mid-tick: the other replica takes the lease once it expires and keeps dispatching', { timeout: 60_000 }, async () => {
    const board = await fleetBoard('leader')
    const ds = await Promise.all([1, 2].map(() => startDispatcher(board, { intervalMs: 150, leaseTtlMs: 2500 })))
    await startWorker(board, { lanes: ['alpha'], concurrency: 2 })
    const first = await board.createTask({ title: 'before', assignee: 'alpha', metadata: { behavior: 'ok' } })
    await waitFor(async () => (await board.getTask(first))?.status === 'done', 'the first task done')

    // The lease is held only while a tick runs: catch a replica inside a tick and freeze
    // it there (SIGSTOP), so that it dies holding the lease.
    const { leader, expiresAt } = await freezeLeaderMidTick(board.name, ds)
    const survivor = ds.find((d) => d !== leader)!
    await leader.kill9()
    const before = ticks(survivor).length

    const later = await Promise.all([1, 2, 3, 4, 5].map((i) => board.createTask({ title: `after ${i}`, assignee: 'alpha', metadata: { behavior: 'ok' } })))
    await waitFor(async () => (await board.stats()).byStatus.done === 6, 'the later tasks done', { timeoutMs: 30_000 })
    for (const id of later) {
      expect((await board.runs(id)).map((x) => x.outcome)).toEqual(['completed'])
      // dispatched only once the dead leader's lease had run out
      expect((await eventsOf(board, id, 'claimed'))[0]!.at).toBeGreaterThanOrEqual(expiresAt)
    }
    // Roots are dispatched only by ticks, and only the survivor was ticking: it waited
    // (skippedLocked) while the dead replica's lease lasted, then took over.
    const after = ticks(survivor).slice(before)
    expect(after.reduce((n, t) => n + t.enqueued, 0)).toBeGreaterThanOrEqual(5)
    expect(after.some((t) => t.skippedLocked)).toBe(true)
  })

  it('a dispatcher that died between reserving tasks and adding their BullMQ jobs: the lost jobs are repaired', { timeout: 60_000 }, async () => {
    const board = await fleetBoard('lost')
    const ids = await Promise.all([1, 2, 3].map((i) => board.createTask({ title: `lost ${i}`, assignee: 'alpha', metadata: { behavior: 'ok' } })))
    // What a dying dispatcher leaves behind: tasks reserved for BullMQ, no jobs.
    const r = await boardContext(board).scripts.call('reserveDispatch', { count: 10, scan: 10 })
    expect(r.jobs.map((j) => j.id).sort()).toEqual([...ids].sort())

    const [d] = await Promise.all([startDispatcher(board, { intervalMs: 150, lostJobAfterMs: 1000 }), startWorker(board, { lanes: ['alpha'] })])
    await waitFor(async () => (await board.stats()).byStatus.done === 3, 'the stranded tasks done', { timeoutMs: 30_000 })
    expect(ticks(d).reduce((n, t) => n + t.requeued, 0)).toBe(3)
    for (const id of ids) expect((await board.runs(id)).map((x) => x.outcome)).toEqual(['completed'])
  })
})

/** Polls the leader lease tightly; SIGSTOPs its holder and checks it still holds it. */
async function freezeLeaderMidTick(board: string, ds: DispatcherProc[]): Promise<{ leader: DispatcherProc; expiresAt: number }> {
  const r = rawConnection()
  const key = `{kb:${board}}:leader`
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    const holder = await r.hget(key, 'holder')
    const d = holder ? ds.find((x) => x.holder === holder) : undefined
    if (!d) continue
    d.signal('SIGSTOP')
    const [still, expiresAt] = await r.hmget(key, 'holder', 'expiresAt')
    if (still === holder) return { leader: d, expiresAt: Number(expiresAt) }
    d.signal('SIGCONT') // its tick ended meanwhile: try again
  }
  throw new Error('never caught a dispatcher inside a tick')
}
