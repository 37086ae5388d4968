/**
 * On a Redis Cluster: every key of a board — its tasks, indexes, event stream and BullMQ
 * queues — shares the hash tag {kb:<board>}, so each script runs on the one node that
 * owns the board's slot, and boards spread over the nodes. Three masters on loopback,
 * started and stopped by this test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Cluster } from 'ioredis'
import { Board, Worker } from '../../src/index.js'
import { boardContext } from '../../src/context.js'
import { startCluster, type TestCluster } from '../helpers/cluster.js'

let test: TestCluster
let cluster: Cluster

beforeAll(async () => {
  test = await startCluster({ masters: 3 })
  cluster = test.cluster
}, 60_000)

afterAll(async () => {
  await test?.stop()
})

const slotOwner = (board: Board): Promise<string> => test.ownerOf(board.keys.settings)

describe('on a Redis Cluster', () => {
  it('runs boards on different nodes: DAG, breaker, recompute, dispatch and a worker', async () => {
    // find two boards whose slots live on different masters
    const names = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta']
    const boards: Board[] = []
    const owners = new Set<string>()
    for (const name of names) {
      const b = await Board.open({ redis: cluster, board: `${name}-${process.pid}`, autoEnqueue: true })
      const owner = await slotOwner(b)
      if (!owners.has(owner)) {
        owners.add(owner)
        boards.push(b)
      } else await b.close()
      if (boards.length === 2) break
    }
    expect(boards).toHaveLength(2)

    for (const board of boards) {
      await board.configure({ failureLimit: 1, defaultAssignee: 'lane' })
      const ids = await board.createTasks([
        { ref: 'a', title: 'a' },
        { ref: 'b', title: 'b', dependsOn: ['a'] },
        { ref: 'flaky', title: 'flaky', metadata: { fail: true } },
      ])
      // a DAG of several script calls: one MULTI / EXEC on the board's node
      const big = await board.createTasks(
        Array.from({ length: 150 }, (_, i) => ({ ref: `n${i}`, title: `n${i}`, assignee: 'bulk', ...(i % 2 ? { dependsOn: [`n${i - 1}`] } : {}) })),
      )
      expect((await board.getTask(big.n149!))!.status).toBe('todo')
      // a filtered page and stats by lane read the board's listing indexes on its node
      const page = await board.listTasksPage({ assignee: 'bulk', status: 'todo', limit: 50 })
      expect([page.tasks.length, page.next !== null]).toEqual([50, true])
      expect((await board.stats()).byLane.find((l) => l.lane === 'bulk')!.byStatus).toMatchObject({ ready: 75, todo: 75 })
      const bulk = (await (await boardContext(board).lanes.get('bulk')).getJobs(['waiting', 'prioritized'])).flatMap((j) => j.data.taskIds)
      expect(bulk.sort()).toEqual(Array.from({ length: 75 }, (_, k) => big[`n${2 * k}`]!).sort())
      // autoEnqueue: createTasks handed the two ready tasks to BullMQ itself (checked before
      // a worker runs: its completion of `a` could race a tick to enqueue `b`)
      expect((await board.dispatchOnce()).enqueued).toBe(0)
      const worker = await new Worker({
        board,
        lanes: ['lane'],
        concurrency: 2,
        handler: async (task, ctx) => {
          if (task.metadata.fail) throw new Error('boom')
          await ctx.complete({ result: task.title })
        },
      }).start()
      try {
        for (let i = 0; i < 100; i++) {
          const s = await board.stats()
          if (s.byStatus.done === 2 && s.byStatus.blocked === 1) break
          await new Promise((r) => setTimeout(r, 50))
        }
        expect((await board.getTask(ids.b!))!.status).toBe('done')
        const flaky = (await board.getTask(ids.flaky!))!
        expect(flaky).toMatchObject({ status: 'blocked', sticky: false, consecutiveFailures: 1 })
        // raising the board limit frees it at the next recompute (the sweep runs on the owner node)
        await board.configure({ failureLimit: 3 })
        expect(await board.recomputeReady()).toBe(1)
        expect((await board.events({ taskId: ids.flaky! })).map((e) => e.kind)).toContain('gave_up')
      } finally {
        await worker.close()
      }
    }
    // every key of each board is on its owner node only
    for (const board of boards) {
      const owner = await slotOwner(board)
      for (const node of cluster.nodes('master')) {
        const keys = (await node.keys(`*{kb:${board.name}}*`)) as string[]
        const here = `${node.options.host}:${node.options.port}`
        if (here === owner) expect(keys.length).toBeGreaterThan(5)
        else expect(keys).toEqual([])
      }
    }
    for (const b of boards) await b.close()
  }, 60_000)

  it('a durable subscriber reads, waits and acknowledges; a batch key replays (every read in the board slot)', async () => {
    const board = await Board.open({ redis: cluster, board: 'subs-on-cluster' })
    try {
      const sub = await board.subscriber('notifier', { kinds: ['completed'] })
      const waiting = sub.read({ blockMs: 30_000 })
      const ids = await board.createTasks([{ ref: 'a', title: 'a' }], { batchKey: 'once' })
      await board.completeTask(ids.a!)
      expect((await waiting).map((e) => [e.taskId, e.kind])).toEqual([[ids.a, 'completed']])
      expect(await sub.ack()).toBe(true)
      expect((await board.subscribers()).map((s) => [s.name, s.lag])).toEqual([['notifier', 0]])
      expect(await board.createTasks([{ ref: 'a', title: 'a' }], { batchKey: 'once' })).toEqual(ids)
      sub.close()
    } finally {
      await board.close()
    }
  }, 60_000)
})
