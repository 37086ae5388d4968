/**
 * Without an OpenTelemetry SDK (docs/tracing.md#cost): the api is a no-op, and a traced
 * code path writes nothing — no trace context with the task, none on its run.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { Worker } from '../../src/index.js'
import { extraConnection, openBoard } from '../helpers/board.js'

describe('tracing without an SDK', () => {
  it('stores no trace context and reports no trace id', async () => {
    const board = await openBoard('notrace', { autoEnqueue: true })
    const ids = await board.createTasks([
      { ref: 'a', title: 'a', assignee: 'nt' },
      { ref: 'b', title: 'b', assignee: 'nt', dependsOn: ['a'] },
    ])
    const worker = await new Worker({ board, lanes: ['nt'], handler: (_t, ctx) => void ctx.complete() }).start()
    try {
      for (let i = 0; i < 400 && (await board.getTask(ids.b!))?.status !== 'done'; i++) await sleep(25)
    } finally {
      await worker.close()
    }
    const redis = extraConnection()
    for (const id of [ids.a!, ids.b!]) {
      expect((await board.getTask(id))!.status).toBe('done')
      expect(await redis.hmget(board.keys.task(id), 'tp', 'tst')).toEqual([null, null])
      const [run] = await board.runs(id)
      expect(run!.traceId).toBeNull()
      expect(await redis.hexists(board.keys.run(run!.id), 'tp')).toBe(0)
    }
  })
})
