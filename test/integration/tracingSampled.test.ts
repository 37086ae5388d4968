/**
 * An SDK whose sampler drops every trace (docs/tracing.md#what-is-stored): the library
 * meets only non-recording spans, so it stores no trace context and passes no TRACEPARENT.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, describe, expect, it } from 'vitest'
import { trace } from '@opentelemetry/api'
import { AlwaysOffSampler, BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { Worker } from '../../src/index.js'
import { extraConnection, openBoard } from '../helpers/board.js'

const exporter = new InMemorySpanExporter()
trace.setGlobalTracerProvider(new BasicTracerProvider({ sampler: new AlwaysOffSampler(), spanProcessors: [new SimpleSpanProcessor(exporter)] }))
afterAll(() => trace.disable())

describe('tracing with every trace sampled out', () => {
  it('records no span and stores no trace context', async () => {
    const board = await openBoard('sampled', { autoEnqueue: true })
    const ids = await board.createTasks([
      { ref: 'a', title: 'a', assignee: 'so' },
      { ref: 'b', title: 'b', assignee: 'so', dependsOn: ['a'] },
    ])
    const worker = await new Worker({ board, lanes: ['so'], handler: (_t, ctx) => void ctx.complete() }).start()
    try {
      for (let i = 0; i < 400 && (await board.getTask(ids.b!))?.status !== 'done'; i++) await sleep(25)
    } finally {
      await worker.close()
    }
    const redis = extraConnection()
    for (const id of [ids.a!, ids.b!]) {
      expect((await board.getTask(id))!.status).toBe('done')
      expect(await redis.hmget(board.keys.task(id), 'tp', 'tst')).toEqual([null, null])
      expect((await board.runs(id))[0]!.traceId).toBeNull()
    }
    expect(exporter.getFinishedSpans()).toEqual([])
  })
})
