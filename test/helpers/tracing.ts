/**
 * An OpenTelemetry SDK for tests (docs/tracing.md): a BasicTracerProvider that exports every
 * span to memory, and an AsyncLocalStorage context manager, registered globally for the
 * test file that calls `installTracing()` (vitest runs each file in its own worker).
 */
import { context, trace, SpanKind } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'

export function installTracing(): InMemorySpanExporter {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  trace.setGlobalTracerProvider(provider)
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  return exporter
}

export { SpanKind, type ReadableSpan }

/** Spans named `name` whose attribute `kanban.task.id` is `id` (any span when id is undefined). */
export function spansOf(spans: ReadableSpan[], name: string, id?: string): ReadableSpan[] {
  return spans.filter((s) => s.name === name && (id === undefined || s.attributes['kanban.task.id'] === id))
}

/** The one span that matches; fails the test otherwise. */
export function oneSpan(spans: ReadableSpan[], name: string, id?: string): ReadableSpan {
  const found = spansOf(spans, name, id)
  if (found.length !== 1) throw new Error(`expected one ${name} span${id ? ` of ${id}` : ''}, got ${found.length}: ${spans.map((s) => s.name).join(', ')}`)
  return found[0]!
}

/** The spans whose parent is `parent`. */
export const childrenOf = (spans: ReadableSpan[], parent: ReadableSpan): ReadableSpan[] =>
  spans.filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId)
