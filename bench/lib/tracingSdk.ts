/**
 * The bench's OpenTelemetry SDK (the flat scenario's --tracing, docs/tracing.md#cost): what
 * an application would register — a BasicTracerProvider with a BatchSpanProcessor and the
 * AsyncLocalStorage context manager — exporting to an exporter that only counts, so the
 * measure is the library's tracing and the SDK's span handling, not a collector.
 */
import { context, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base'

/**
 * Registers the SDK globally, sampling `ratio` of the traces it starts (1: every span;
 * below, a parent-based ratio sampler, as a busy deployment would run); the returned
 * stop() flushes it, unregisters it and gives the spans exported.
 */
export function registerTracing(ratio = 1): () => Promise<number> {
  let spans = 0
  const exporter: SpanExporter = {
    export(batch: ReadableSpan[], done) {
      spans += batch.length
      done({ code: 0 })
    },
    shutdown: async () => undefined,
  }
  const sampler = ratio >= 1 ? undefined : new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) })
  const provider = new BasicTracerProvider({
    sampler,
    spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 65_536, maxExportBatchSize: 2048 })],
  })
  trace.setGlobalTracerProvider(provider)
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  return async () => {
    await provider.shutdown()
    trace.disable()
    context.disable()
    return spans
  }
}
