/**
 * Redis Sentinel failover (docs/failover.md#sentinel): a worker and a dispatcher, each with
 * its own board handle opened from a `redis+sentinel://` URL, run a board while its master
 * is SIGKILLed. The fleet resumes on the promoted replica and finishes every task; a task
 * may run again (work acknowledged just before the kill can be lost to asynchronous
 * replication) but never twice at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Board, Dispatcher, Worker } from '../../src/index.js'
import { startSentinelSet, until, type SentinelSet } from '../helpers/sentinel.js'
import { expectDoneOneRunAtATime, fleetProbe } from '../helpers/fleetProbe.js'
import { run as cli } from '../helpers/cli.js'

let set: SentinelSet

beforeAll(async () => {
  set = await startSentinelSet()
}, 60_000)

afterAll(async () => {
  await set?.stop()
})

describe('on Redis Sentinel', () => {
  it('the CLI takes a redis+sentinel:// URL, and fails fast when no Sentinel answers', async () => {
    const made = await cli(['create', '--title', 'via sentinel', '--redis', set.url, '--board', 'sentinel-cli', '--json'])
    expect([made.code, made.stderr]).toEqual([0, ''])
    const shown = await cli(['list', '--redis', set.url, '--board', 'sentinel-cli', '--json'])
    expect(JSON.parse(shown.stdout).map((t: { title: string }) => t.title)).toEqual(['via sentinel'])
    const down = await cli(['stats', '--redis', 'redis+sentinel://127.0.0.1:1/kq', '--board', 'sentinel-cli'])
    expect(down.code).toBe(1)
    expect(down.stderr).toMatch(/^kanban stats: cannot reach Redis at redis\+sentinel:\/\/127\.0\.0\.1:1\/kq: All sentinels are unreachable/)
  }, 60_000)

  it('the fleet finishes every task on the promoted replica after the master is killed', async () => {
    const name = 'sentinel-failover'
    const open = () => Board.open({ redis: set.url, board: name, autoEnqueue: true })
    const [admin, forWorker, forDispatcher] = [await open(), await open(), await open()]
    await admin.configure({ claimTtlMs: 4000, failureLimit: 20, retryBackoffMs: 0 })
    const N = 60
    const ids = Object.values(await admin.createTasks(Array.from({ length: N }, (_, i) => ({ ref: `t${i}`, title: `t${i}`, assignee: 'l' }))))
    const probe = fleetProbe()
    const dispatcher = await new Dispatcher({ board: forDispatcher, intervalMs: 200, onError: () => undefined }).start()
    const worker = await new Worker({ board: forWorker, lanes: ['l'], concurrency: 3, handler: probe.handler(60), onError: () => undefined }).start()
    try {
      await until('a third of the tasks done', 20_000, async () => probe.completed.size >= N / 3)
      const oldMaster = set.master.port
      const killedAt = Date.now()
      const doneBefore = probe.completed.size
      await set.master.kill()
      await until('the Sentinels to promote the replica', 30_000, async () => (await set.masterPort()) === set.replica.port)
      const promotedAt = Date.now()
      await until('every task done', 40_000, async () => (await admin.stats()).byStatus.done === N)
      const resumedAt = probe.firstCompletionAfter(killedAt)
      expect(oldMaster).not.toBe(set.replica.port)
      await expectDoneOneRunAtATime(admin, ids)
      // at no time did two handlers work on one task
      expect(probe.maxConcurrentPerTask()).toBe(1)
      const again = ids.filter((id) => (probe.starts.get(id) ?? 0) > 1).length
      console.log(
        `[failover] sentinel: ${doneBefore}/${N} done at the kill; replica promoted after ${promotedAt - killedAt} ms; ` +
          `first completion on it ${resumedAt === null ? 'none' : `${resumedAt - killedAt} ms`} after the kill; ` +
          `${again} task(s) ran more than once; ${probe.completedTwice()} completion(s) acknowledged twice`,
      )
      expect(resumedAt).not.toBeNull()
    } finally {
      await worker.close()
      await dispatcher.close()
      for (const b of [admin, forWorker, forDispatcher]) await b.close()
    }
  }, 120_000)
})
