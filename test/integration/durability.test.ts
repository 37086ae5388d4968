/**
 * Board.open's durability (docs/failover.md#durability-wait-for-a-replica): terminal
 * transitions return once a replica holds them (WAIT after the script, same connection),
 * and end in NOT_REPLICATED — applied on the master, said so — when no replica answers.
 * A master and a replica of its own, started and stopped by this test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { Board, KanbanError, Worker } from '../../src/index.js'
import { startRedisServer, type RedisServerHandle } from '../../src/testing/index.js'
import { cli, until } from '../helpers/sentinel.js'

let master: RedisServerHandle
let replica: RedisServerHandle

beforeAll(async () => {
  master = await startRedisServer()
  replica = await startRedisServer({ extraArgs: ['--replicaof', '127.0.0.1', String(master.port)] })
  await until('the replica to sync', 15_000, async () => (await cli(replica.port, 'INFO', 'replication')).includes('master_link_status:up'))
}, 60_000)

afterAll(async () => {
  await replica?.stop()
  await master?.stop()
})

describe('durability: terminal transitions wait for a replica', () => {
  it('rejects a bad durability option, naming the field, before connecting', async () => {
    await expect(Board.open({ redis: master.url, board: 'd-bad', durability: { replicas: 0, timeoutMs: 100 } })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/^Board\.open: durability\.replicas: /),
    })
    await expect(Board.open({ redis: master.url, board: 'd-bad', durability: { replicas: 1 } as never })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/durability\.timeoutMs/),
    })
    const keys = new Redis(master.url)
    expect(await keys.keys('*d-bad*')).toEqual([])
    keys.disconnect()
  })

  it('with a replica up, each terminal call returns once the replica has it', async () => {
    const board = await Board.open({ redis: master.url, board: 'd-up', durability: { replicas: 1, timeoutMs: 2000 } })
    const onReplica = await Board.open({ redis: replica.url, board: 'd-up' })
    try {
      const ids = await board.createTasks([
        { ref: 'a', title: 'a', assignee: 'l' },
        { ref: 'b', title: 'b', assignee: 'l' },
        { ref: 'c', title: 'c', assignee: 'l' },
      ])
      const runOf = async (id: string) => (await board.claimTask(id, { claimer: 'w' }))!.runId
      expect(await board.completeTask(ids.a!, { runId: await runOf(ids.a!), result: 'ok' })).toBe(true)
      // read on the replica right after the call: WAIT made sure it is there
      expect((await onReplica.getTask(ids.a!))!.status).toBe('done')
      expect(await board.blockTask(ids.b!, { runId: await runOf(ids.b!), reason: 'needs input' })).toBe(true)
      expect((await onReplica.getTask(ids.b!))!.status).toBe('blocked')
      const r = await board.recordFailure(ids.c!, { runId: await runOf(ids.c!), outcome: 'crashed', error: 'boom' })
      expect(r).toMatchObject({ failures: 1, tripped: false })
      expect((await onReplica.getTask(ids.c!))!.consecutiveFailures).toBe(1)
    } finally {
      await onReplica.close()
      await board.close()
    }
  })

  it("a worker's batched completions wait for the replica too", async () => {
    const board = await Board.open({ redis: master.url, board: 'd-worker', autoEnqueue: true, durability: { replicas: 1, timeoutMs: 2000 } })
    const onReplica = await Board.open({ redis: replica.url, board: 'd-worker' })
    const acked: string[] = []
    /** the task's status on the replica, read as soon as the handler's completion returned */
    const seenOnReplica = new Set<string>()
    const errors: unknown[] = []
    const worker = await new Worker({
      board,
      lanes: ['l'],
      concurrency: 10,
      onError: (e) => errors.push(e),
      handler: async (task, ctx) => {
        if (!(await ctx.complete({ result: 'ok' }))) return
        seenOnReplica.add((await onReplica.getTask(task.id))!.status)
        acked.push(task.id)
      },
    }).start()
    try {
      const ids = Object.values(await board.createTasks(Array.from({ length: 40 }, (_, i) => ({ ref: `t${i}`, title: `t${i}`, assignee: 'l' }))))
      await until('every completion acknowledged', 20_000, async () => acked.length === ids.length)
      // each handler heard back only once its completion was on the replica
      expect([...seenOnReplica]).toEqual(['done'])
      expect(errors).toEqual([])
    } finally {
      await worker.close()
      await onReplica.close()
      await board.close()
    }
  })

  it('with no replica answering: NOT_REPLICATED, the write applied on the master; a refusal stays a refusal', async () => {
    const board = await Board.open({ redis: master.url, board: 'd-down', durability: { replicas: 1, timeoutMs: 300 } })
    try {
      const id = await board.createTask({ title: 'x', assignee: 'l' })
      const run = (await board.claimTask(id, { claimer: 'w' }))!.runId
      // a frozen replica (SIGSTOP) acknowledges nothing
      process.kill(replica.pid, 'SIGSTOP')
      const err = await board.completeTask(id, { runId: run, result: 'ok' }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(KanbanError)
      expect(err).toMatchObject({
        code: 'NOT_REPLICATED',
        details: { op: 'completeTask', acked: 0, replicas: 1, timeoutMs: 300 },
        message: 'completeTask: applied on the master, but acknowledged by 0 of 1 replica(s) within 300 ms: a failover now could lose it',
      })
      expect((await board.getTask(id))!.status).toBe('done')
      // a stale run id wrote nothing: the refusal comes back as without durability
      expect(await board.completeTask(id, { runId: run })).toBe(false)
    } finally {
      process.kill(replica.pid, 'SIGCONT')
      await board.close()
    }
  })
})
