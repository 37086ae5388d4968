/**
 * Redis Cluster failover (docs/failover.md#redis-cluster): six nodes — three masters, each
 * with a replica — and a board whose slot's master is SIGKILLed mid-run. The replica takes
 * the slots over; the worker and the dispatcher (each on its own Cluster connection, as
 * separate processes would be) finish every task on it, never two runs of a task at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Board, Dispatcher, Worker } from '../../src/index.js'
import { startCluster, type TestCluster } from '../helpers/cluster.js'
import { until } from '../helpers/sentinel.js'
import { expectDoneOneRunAtATime, fleetProbe } from '../helpers/fleetProbe.js'

let test: TestCluster

beforeAll(async () => {
  // ioredis asks for the slot map again every second, as it does on a MOVED or a lost node
  test = await startCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000, clusterOptions: { slotsRefreshInterval: 1000 } })
}, 90_000)

afterAll(async () => {
  await test?.stop()
})

describe('on a Redis Cluster with replicas', () => {
  it("the fleet finishes every task after the master of the board's slot is killed", async () => {
    const conns = [test.cluster.duplicate(), test.cluster.duplicate()]
    const admin = await Board.open({ redis: test.cluster, board: 'cluster-failover', autoEnqueue: true })
    const forWorker = await Board.open({ redis: conns[0]!, board: 'cluster-failover', autoEnqueue: true })
    const forDispatcher = await Board.open({ redis: conns[1]!, board: 'cluster-failover', autoEnqueue: true })
    await admin.configure({ claimTtlMs: 4000, failureLimit: 20, retryBackoffMs: 0 })
    const N = 60
    const ids = Object.values(await admin.createTasks(Array.from({ length: N }, (_, i) => ({ ref: `t${i}`, title: `t${i}`, assignee: 'l' }))))
    const owner = await test.ownerOf(admin.keys.settings)
    const victim = test.servers.find((s) => `127.0.0.1:${s.port}` === owner)!
    expect(victim).toBeDefined()
    const probe = fleetProbe()
    // errors are expected while the slot has no master; kept to say what happened if the fleet does not finish
    const errors: string[] = []
    const keep = (e: unknown) => void (errors.length < 20 && errors.push(String(e)))
    const dispatcher = await new Dispatcher({ board: forDispatcher, intervalMs: 200, onError: keep }).start()
    const worker = await new Worker({ board: forWorker, lanes: ['l'], concurrency: 3, handler: probe.handler(60), onError: keep }).start()
    try {
      await until('a third of the tasks done', 20_000, async () => probe.completed.size >= N / 3)
      const killedAt = Date.now()
      const doneBefore = probe.completed.size
      await victim.kill()
      await until("a replica to take the board's slot", 30_000, async () => (await test.ownerOf(admin.keys.settings)) !== owner)
      const promotedAt = Date.now()
      // a lane job whose lock the failover lost waits for BullMQ's stalled-job check (30 s)
      await until('every task done', 90_000, async () => (await admin.stats()).byStatus.done === N).catch((e: Error) => {
        throw new Error(`${e.message}; ${probe.completed.size}/${N} completed; errors: ${errors.join(' | ')}`)
      })
      const resumedAt = probe.firstCompletionAfter(killedAt)
      await expectDoneOneRunAtATime(admin, ids)
      expect(probe.maxConcurrentPerTask()).toBe(1)
      const again = ids.filter((id) => (probe.starts.get(id) ?? 0) > 1).length
      console.log(
        `[failover] cluster: ${doneBefore}/${N} done at the kill; slot taken over after ${promotedAt - killedAt} ms; ` +
          `first completion after it ${resumedAt === null ? 'none' : `${resumedAt - killedAt} ms`} after the kill; ` +
          `${again} task(s) ran more than once; ${probe.completedTwice()} completion(s) acknowledged twice`,
      )
      expect(resumedAt).not.toBeNull()
    } finally {
      // a close that hangs on a connection to the dead node must not hide the test's outcome
      const bounded = (p: Promise<unknown>) => Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, 10_000))])
      await bounded(worker.close())
      await bounded(dispatcher.close())
      for (const b of [admin, forWorker, forDispatcher]) await bounded(b.close())
      for (const c of conns) await bounded(c.quit().catch(() => c.disconnect()))
    }
  }, 240_000)
})
