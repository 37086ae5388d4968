/**
 * Liveness with real worker processes (docs/fleet.md#liveness): a worker killed without a
 * goodbye stays listed until its announcement's TTL, then disappears, and its keys go with
 * it; one stopped with SIGTERM leaves at once.
 */
import { describe, expect, it } from 'vitest'
import { fleetBoard, startWorker, waitFor } from './fleet.js'

describe('fleet: live workers', () => {
  it('a worker killed with kill -9 disappears after its announcement TTL; a SIGTERMed one at once', { timeout: 60_000 }, async () => {
    const board = await fleetBoard('live')
    const victim = await startWorker(board, { lanes: ['alpha'], concurrency: 2, announceEveryMs: 200 })
    const polite = await startWorker(board, { lanes: ['beta'], concurrency: 1, announceEveryMs: 200 })
    const v = await board.workers()
    expect(v.workers.map((w) => [w.name, w.pid, w.lanes, w.concurrency]).sort()).toEqual(
      [
        [victim.name, victim.pid, ['alpha'], 2],
        [polite.name, polite.pid, ['beta'], 1],
      ].sort(),
    )
    expect(v.workers.find((w) => w.id === victim.id)!.expiresAt - v.workers.find((w) => w.id === victim.id)!.lastSeen).toBe(600)

    polite.signal('SIGTERM')
    await polite.exited
    expect((await board.workers()).workers.map((w) => w.id)).toEqual([victim.id])

    await victim.kill9()
    const last = (await board.workers()).workers.find((w) => w.id === victim.id)
    const gone = await waitFor(async () => {
      const w = await board.workers()
      return w.workers.length === 0 && w
    }, 'the killed worker to drop out')
    // not before its last announcement expired (the server's clock decides)
    if (last) expect(gone.at).toBeGreaterThanOrEqual(last.expiresAt)
    expect(gone.lanes).toEqual([])
    await waitFor(async () => (await board.redis.exists(board.keys.worker(victim.id))) === 0, "the killed worker's hash to expire")

    // its index entry goes with the next announcement of any worker: nothing accumulates
    const next = await startWorker(board, { lanes: ['alpha'], announceEveryMs: 200 })
    expect(await board.redis.zrange(board.keys.workers, 0, -1)).toEqual([next.id])
  })
})
