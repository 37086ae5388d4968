/**
 * OpenTelemetry traces (docs/tracing.md), on `@opentelemetry/api` alone: the application
 * registers an SDK. Until some code has registered a tracer provider with the api (its
 * global, below), nothing can record: every helper here just runs its call, and the api is
 * not even loaded — so a CLI command or a process without an SDK pays nothing. Once one is,
 * each helper starts its span and does nothing more — no attributes, no trace context
 * written — unless the span is recording (a sampler may drop it).
 *
 * Spans follow the messaging conventions, the board being the destination:
 *   create {board}   producer, one per new task; its context is stored with the task (tp/tst)
 *   dispatch {board} producer (send), one per dispatcher tick
 *   claim {lane}     client (receive), one per worker claim call
 *   process {board}  consumer, around the handler: a new trace linked to the task's create
 *                    span (or its child: `producer: 'parent'`), and linked to each parent
 *                    task's final run; its context is written on the run (runTrace.ts)
 *   complete, fail, block, review, reclaim   client (settle), inside it or on their own
 */
import { createRequire } from 'node:module'
import type * as Api from '@opentelemetry/api'
import type { Attributes, Span, SpanContext, Tracer } from '@opentelemetry/api'
import type { CreateNodeArg } from './scriptContract.js'
import type { DispatchResult } from './dispatch.js'

export const MESSAGING_SYSTEM = 'kanban-queue'
/** links per process span to parent tasks' final runs (the SDK's default limit is 128) */
export const MAX_PARENT_LINKS = 32

/** Where api 1.x keeps what was registered with it (its `trace` entry: the tracer provider), in every copy of the api. */
const API_GLOBAL = Symbol.for('opentelemetry.js.api.1')
let api: typeof Api | undefined

/**
 * The api while a tracer provider is registered; undefined otherwise (then nothing can
 * record). Checked per call, so after `trace.disable()` the library is back on the path
 * that does nothing.
 */
export function otel(): typeof Api | undefined {
  if (!(globalThis as Record<symbol, { trace?: unknown } | undefined>)[API_GLOBAL]?.trace) return undefined
  return (api ??= createRequire(import.meta.url)('@opentelemetry/api') as typeof Api)
}

let cached: { provider: Api.TracerProvider; tracer: Tracer } | undefined
let ownVersion: string | undefined | null = null
/** The library's tracer, from the provider registered now (a tracer of one unregistered since would go nowhere). */
export function tracer(a: typeof Api): Tracer {
  const provider = a.trace.getTracerProvider()
  if (cached?.provider !== provider) {
    if (ownVersion === null) ownVersion = version()
    cached = { provider, tracer: provider.getTracer('kanban-queue', ownVersion) }
  }
  return cached.tracer
}

function version(): string | undefined {
  try {
    return (createRequire(import.meta.url)('../package.json') as { version?: string }).version
  } catch {
    return undefined // a bundle without the package's package.json where it expects it
  }
}

/** W3C traceparent of a span context (version 00). */
export function traceparent(sc: SpanContext): string {
  return `00-${sc.traceId}-${sc.spanId}-0${sc.traceFlags & 1}`
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

/** A stored traceparent / tracestate as a remote span context; undefined when malformed. */
export function spanContextOf(a: typeof Api, tp: string | undefined, tst?: string): SpanContext | undefined {
  const m = tp ? TRACEPARENT.exec(tp) : null
  if (!m) return undefined
  const sc: SpanContext = { traceId: m[1]!, spanId: m[2]!, traceFlags: parseInt(m[3]!, 16) & 1, isRemote: true }
  if (!a.isSpanContextValid(sc)) return undefined
  if (tst) sc.traceState = a.createTraceState(tst)
  return sc
}

/** span status ERROR (the api's SpanStatusCode.ERROR) */
export const STATUS_ERROR = 2

export function failSpan(span: Span, e: unknown): void {
  span.recordException(e instanceof Error ? e : String(e))
  span.setStatus({ code: STATUS_ERROR, message: e instanceof Error ? e.message : String(e) })
}

/**
 * Runs `fn` inside a span that ends with it (status error when it throws); the span is the
 * active one in `parent` (default: the active context) while `fn` runs.
 */
export async function within<T>(a: typeof Api, span: Span, fn: () => Promise<T>, after?: (r: T) => void, parent?: Api.Context): Promise<T> {
  if (!span.isRecording()) {
    // sampled out: no context to carry (a context switch is a measurable share of a no-op task)
    try {
      return await fn()
    } finally {
      span.end()
    }
  }
  try {
    const r = await a.context.with(a.trace.setSpan(parent ?? a.context.active(), span), fn)
    after?.(r)
    return r
  } catch (e) {
    failSpan(span, e)
    throw e
  } finally {
    span.end()
  }
}

// ---- producers ---------------------------------------------------------------------

/** The create spans of one createTask / createTasks call; null when nothing records. */
export interface CreateTrace {
  end(ids: Record<string, string>, created: string[]): void
  fail(e: unknown): void
}

/**
 * One `create {board}` span per node, children of the caller's active span; each node's
 * argument gets its span's trace context, which the create scripts store with the task.
 */
export function traceCreate(board: string, nodes: CreateNodeArg[]): CreateTrace | null {
  const a = otel()
  if (!a) return null
  const t = tracer(a)
  const name = `create ${board}`
  const attrs: Attributes = {
    'messaging.system': MESSAGING_SYSTEM,
    'messaging.operation.type': 'create',
    'messaging.operation.name': 'create',
    'messaging.destination.name': board,
    'kanban.board': board,
  }
  // each a root of its own unless the caller has a span: sampled one by one; a sampled-out
  // node stores no context
  const spans = nodes.map((n) => {
    const s = t.startSpan(name, { kind: a.SpanKind.PRODUCER })
    if (!s.isRecording()) {
      s.end()
      return null
    }
    s.setAttributes(attrs)
    if (n.assignee !== undefined) s.setAttribute('kanban.lane', n.assignee)
    const sc = s.spanContext()
    n.tp = traceparent(sc)
    const tst = sc.traceState?.serialize()
    if (tst) n.tst = tst
    return s
  })
  if (!spans.some((s) => s !== null)) return null
  return {
    end(ids, created) {
      const fresh = new Set(created)
      nodes.forEach((n, i) => {
        const s = spans[i]
        if (!s) return
        const id = ids[n.ref]
        if (id !== undefined) s.setAttributes({ 'messaging.message.id': id, 'kanban.task.id': id })
        // an idempotency key matched an existing task: it keeps the context it was created with
        if (!fresh.has(n.ref)) s.setAttribute('kanban.create.existing', true)
        s.end()
      })
    },
    fail(e) {
      for (const s of spans) {
        if (!s) continue
        failSpan(s, e)
        s.end()
      }
    },
  }
}

/** Ends a call's create spans with it: the ids it gave, or its error. */
export function traced<R extends { ids: Record<string, string>; created: string[] }>(spans: CreateTrace | null, call: Promise<R>): Promise<R> {
  if (!spans) return call
  return call.then(
    (r) => {
      spans.end(r.ids, r.created)
      return r
    },
    (e: unknown) => {
      spans.fail(e)
      throw e
    },
  )
}

/** A dispatcher tick as a `dispatch {board}` span, its result as attributes. */
export function traceTick(board: string, tick: () => Promise<DispatchResult>): Promise<DispatchResult> {
  const a = otel()
  if (!a) return tick()
  const span = tracer(a).startSpan(`dispatch ${board}`, { kind: a.SpanKind.PRODUCER })
  if (span.isRecording()) {
    span.setAttributes({
      'messaging.system': MESSAGING_SYSTEM,
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'dispatch',
      'messaging.destination.name': board,
      'kanban.board': board,
    })
  }
  return within(a, span, tick, (r) => {
    span.setAttribute('messaging.batch.message_count', r.enqueued)
    for (const k of ['reclaimed', 'stale', 'timedOut', 'promoted', 'released', 'autoBlocked'] as const) {
      const v = r[k]
      if (typeof v === 'number') span.setAttribute(`kanban.dispatch.${k}`, v)
    }
    if (r.skippedLocked) span.setAttribute('kanban.dispatch.skipped_locked', true)
  })
}

/** An operator's reclaim (board.reclaimTask) as a `reclaim` settle span. */
export function traceReclaim(board: string, id: string, fn: () => Promise<boolean>): Promise<boolean> {
  const a = otel()
  if (!a) return fn()
  const span = tracer(a).startSpan('reclaim', { kind: a.SpanKind.CLIENT })
  if (span.isRecording()) span.setAttributes({ ...settleAttrs(board, 'reclaim'), 'messaging.message.id': id, 'kanban.task.id': id })
  return within(a, span, fn, (ok) => span.setAttribute('kanban.reclaimed', ok))
}

export const settleAttrs = (board: string, op: string): Attributes => ({
  'messaging.system': MESSAGING_SYSTEM,
  'messaging.operation.type': 'settle',
  'messaging.operation.name': op,
  'messaging.destination.name': board,
  'kanban.board': board,
})

// ---- consumers ---------------------------------------------------------------------

/** A worker's claim call as a `claim {lane}` span. */
export function traceClaim<T>(board: string, lane: string, count: number, claim: () => Promise<(T | null)[]>): Promise<(T | null)[]> {
  const a = otel()
  if (!a) return claim()
  const span = tracer(a).startSpan(`claim ${lane}`, { kind: a.SpanKind.CLIENT })
  if (span.isRecording()) {
    span.setAttributes({
      'messaging.system': MESSAGING_SYSTEM,
      'messaging.operation.type': 'receive',
      'messaging.operation.name': 'claim',
      'messaging.destination.name': lane,
      'messaging.batch.message_count': count,
      'kanban.board': board,
      'kanban.lane': lane,
    })
  }
  return within(a, span, claim, (r) => span.setAttribute('kanban.claimed', r.filter((c) => c !== null).length))
}
