/**
 * Without an OpenTelemetry SDK (docs/tracing.md#cost): the api is a no-op, and a traced
 * code path writes nothing — no trace context with the task, none on its run.
 */
import { describe, expect, it } from 'vitest'
import { extraConnection, openBoard } from '../helpers/board.js'
import { runChain } from '../helpers/chain.js'

describe('tracing without an SDK', () => {
  it('stores no trace context and reports no trace id', async () => {
    const board = await openBoard('notrace', { autoEnqueue: true })
    const ids = await runChain(board, 'nt')
    const redis = extraConnection()
    for (const id of [ids.a, ids.b]) {
      expect((await board.getTask(id))!.status).toBe('done')
      expect(await redis.hmget(board.keys.task(id), 'tp', 'tst')).toEqual([null, null])
      const [run] = await board.runs(id)
      expect(run!.traceId).toBeNull()
      expect(await redis.hexists(board.keys.run(run!.id), 'tp')).toBe(0)
    }
  })
})
