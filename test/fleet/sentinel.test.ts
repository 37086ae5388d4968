/**
 * Sentinel failover with the product's own processes (docs/failover.md#connecting-through-sentinel):
 * the dispatcher and worker entrypoints (dist/runtime/*Main.js) get
 * REDIS_URL=redis+sentinel://..., the worker runs test/fixtures/fleet-command.sh per task
 * (which completes through the `kanban` CLI over the worker's channel), and the master is
 * SIGKILLed mid-run. Both processes follow the Sentinels to the promoted replica and the
 * board finishes, never two runs of a task at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Board } from '../../src/index.js'
import { startSentinelSet, until, type SentinelSet } from '../helpers/sentinel.js'
import { expectDoneOneRunAtATime } from '../helpers/fleetProbe.js'
import { startEntrypoint } from './fleet.js'

let set: SentinelSet

beforeAll(async () => {
  set = await startSentinelSet()
}, 60_000)

afterAll(async () => {
  await set?.stop()
})

describe('fleet processes on Redis Sentinel', () => {
  it('the worker and dispatcher processes finish the board on the promoted replica', { timeout: 150_000 }, async () => {
    const board = await Board.open({ redis: set.url, board: 'sentinel-procs' })
    try {
      await board.configure({ claimTtlMs: 5000, failureLimit: 20, retryBackoffMs: 0 })
      const N = 16
      const ids = Object.values(
        await board.createTasks(Array.from({ length: N }, (_, i) => ({ ref: `t${i}`, title: `t${i}`, assignee: 'alpha', metadata: { behavior: 'ok' } }))),
      )
      const env = { REDIS_URL: set.url, KANBAN_BOARD: board.name }
      await Promise.all([
        startEntrypoint(
          'dispatcher',
          'dist/runtime/dispatcherMain.js',
          { ...env, KANBAN_DISPATCH_INTERVAL_MS: '200', KANBAN_LEASE_TTL_MS: '2000' },
          'dispatcher started',
        ),
        startEntrypoint(
          'worker',
          'dist/runtime/workerMain.js',
          { ...env, KANBAN_LANES: 'alpha', KANBAN_COMMAND: 'sh test/fixtures/fleet-command.sh', KANBAN_CONCURRENCY: '4', KANBAN_GRACE_MS: '2000' },
          'worker started',
        ),
      ])
      const done = async () => (await board.stats()).byStatus.done
      await until('a few tasks done', 60_000, async () => (await done()) >= 3)
      await set.master.kill()
      await until('the Sentinels to promote the replica', 30_000, async () => (await set.masterPort()) === set.replica.port)
      await until('every task done', 60_000, async () => (await done()) === N)
      await expectDoneOneRunAtATime(board, ids)
      for (const id of ids) expect((await board.getTask(id))!.result).toMatch(/^done by command pid \d+$/)
    } finally {
      await board.close()
    }
  })
})
