/**
 * An SDK whose sampler drops every trace (docs/tracing.md#what-is-stored): the library
 * meets only non-recording spans, so it stores no trace context and passes no TRACEPARENT.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { trace } from '@opentelemetry/api'
import { AlwaysOffSampler, BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { extraConnection, openBoard } from '../helpers/board.js'
import { runChain } from '../helpers/chain.js'

const exporter = new InMemorySpanExporter()
trace.setGlobalTracerProvider(new BasicTracerProvider({ sampler: new AlwaysOffSampler(), spanProcessors: [new SimpleSpanProcessor(exporter)] }))
afterAll(() => trace.disable())

describe('tracing with every trace sampled out', () => {
  it('records no span and stores no trace context', async () => {
    const board = await openBoard('sampled', { autoEnqueue: true })
    const ids = await runChain(board, 'so')
    const redis = extraConnection()
    for (const id of [ids.a, ids.b]) {
      expect((await board.getTask(id))!.status).toBe('done')
      expect(await redis.hmget(board.keys.task(id), 'tp', 'tst')).toEqual([null, null])
      expect((await board.runs(id))[0]!.traceId).toBeNull()
    }
    expect(exporter.getFinishedSpans()).toEqual([])
  })
})
