/**
 * A worker's `process {board}` spans (docs/tracing.md#process-spans): one per run, around
 * the handler. By default a new trace per run, linked to the task's create span; with
 * `producer: 'parent'` a child of it, so a task's runs join the trace it was created in.
 * Either way it links to each parent task's final run, so the DAG's edges show.
 *
 * The span's context is written on the run — the run's trace id, and what a child's span
 * links to. By default the spans start just before the claim call, which writes each on
 * its run and brings back the parents' final runs (claimBatch's `traces`): no extra round
 * trip. A span that cannot start before the claim — a child of the create span, whose
 * context comes with the claimed task, or a run a completion handed over — is written by
 * one traceRuns call per batch, which also reads the parents' final runs; it goes out
 * before the handler's first call, on the same connection, so it is on the run before the
 * run can end. Nothing happens unless the span is recording.
 */
import { performance } from 'node:perf_hooks'
import type * as Api from '@opentelemetry/api'
import type { Attributes, Context, Link, Span } from '@opentelemetry/api'
import type { BoardContext } from './context.js'
import type { ParentRunTrace, TraceRunArg } from './scriptContract.js'
import type { FailureResult } from './types.js'
import type { HandlerContext } from './worker.js'
import type { Claimed } from './workerCalls.js'
import { traceClaim, within, MAX_PARENT_LINKS, MESSAGING_SYSTEM, otel, spanContextOf, STATUS_ERROR, traceparent, tracer } from './tracing.js'

/** How a process span relates to the task's create span: a link (default), or its child. */
export type ProducerRelation = 'link' | 'parent'

export interface WorkerTracing {
  /** 'link' (default): each run is a trace of its own, linked to the create span; 'parent': a child of it */
  producer?: ProducerRelation
}

/** The process span of each handler context, for the subprocess handler's environment. */
const spans = new WeakMap<object, Span>()

/** TRACEPARENT / TRACESTATE of a run's process span, for a subprocess (none when not traced). */
export function traceEnv(ctx: HandlerContext): Record<string, string> {
  const span = spans.get(ctx)
  if (!span) return {}
  const sc = span.spanContext()
  const env: Record<string, string> = { TRACEPARENT: traceparent(sc) }
  const tst = sc.traceState?.serialize()
  if (tst) env.TRACESTATE = tst
  return env
}

const FAILING = new Set(['crashed', 'protocol_violation', 'timed_out'])

/** Process spans started before a claim call, one per task: `traces` go in the call. */
export interface ClaimSpans {
  traces: string[]
  /** the claim's results, each claimed task with its span (refused: the span ends, marked so) */
  claimed<C extends Claimed>(claim: Promise<(C | null)[]>): Promise<(C | null)[]>
}

export class RunTracer {
  private queued: { arg: TraceRunArg; span: Span; done: () => void }[] = []
  /** process spans started before the claim, by the claimed task they went to */
  private readonly early = new WeakMap<Claimed, Span>()

  constructor(
    private readonly ctx: BoardContext,
    private readonly board: string,
    private readonly opts: WorkerTracing = {},
    private readonly onError: (e: unknown) => void = () => undefined,
  ) {}

  /**
   * A worker's claim call in a `claim {lane}` span; in link mode each task's process span
   * starts first, and the call (`traces`) writes each span's context on its run.
   */
  claim(lane: string, n: number, call: (traces?: string[]) => Promise<(Claimed | null)[]>): Promise<(Claimed | null)[]> {
    return traceClaim(this.board, lane, n, () => {
      const spans = this.beforeClaim(n)
      return spans ? spans.claimed(call(spans.traces)) : call()
    })
  }

  /** Link mode: a new root process span per task about to be claimed; null when nothing records (or parent mode). */
  beforeClaim(n: number): ClaimSpans | null {
    const a = otel()
    if (!a || this.opts.producer === 'parent') return null
    const spans: Span[] = []
    const traces: string[] = []
    let any = false
    for (let i = 0; i < n; i++) {
      const span = tracer(a).startSpan(`process ${this.board}`, { kind: a.SpanKind.CONSUMER, root: true })
      spans.push(span)
      const on = span.isRecording()
      any ||= on
      traces.push(on ? traceparent(span.spanContext()) : '')
    }
    if (!any) {
      for (const s of spans) s.end()
      return null
    }
    return {
      traces,
      claimed: async (claim) => {
        let results
        try {
          results = await claim
        } catch (e) {
          for (const s of spans) s.end()
          throw e
        }
        results.forEach((c, i) => {
          const span = spans[i]!
          // a claimed task keeps its span, sampled out or not: start() honours that decision
          if (c) this.early.set(c, span)
          else {
            // claimed elsewhere, superseded, or no longer ready: nothing was processed
            if (span.isRecording()) span.setAttribute('kanban.claimed', false)
            span.end()
          }
        })
        return results
      },
    }
  }

  /** The process span of a claimed run; null when nothing records. */
  start(c: Claimed, lane: string): RunTrace | null {
    const a = otel()
    const early = this.early.get(c)
    if (!a) {
      early?.end()
      return null
    }
    const producer = spanContextOf(a, c.tp, c.tst)
    const parentMode = this.opts.producer === 'parent'
    const producerLinks: Link[] = producer && !parentMode ? [{ context: producer, attributes: { 'kanban.link': 'producer' } }] : []
    let span: Span
    if (early) span = early.addLinks(producerLinks)
    else {
      const parent: Context = producer && parentMode ? a.trace.setSpanContext(a.ROOT_CONTEXT, producer) : a.ROOT_CONTEXT
      span = tracer(a).startSpan(`process ${this.board}`, { kind: a.SpanKind.CONSUMER, links: producerLinks, root: !(producer && parentMode) }, parent)
    }
    if (!span.isRecording()) {
      span.end()
      return null
    }
    const id = c.task.id
    span.setAttributes({
      'messaging.system': MESSAGING_SYSTEM,
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': this.board,
      'messaging.message.id': id,
      'kanban.board': this.board,
      'kanban.lane': lane,
      'kanban.task.id': id,
      'kanban.run.id': c.claim.runId,
      'kanban.attempt': c.attempt,
    })
    if (early) {
      // the claim wrote the span's context on the run and brought the parents' final runs
      span.addLinks(parentLinks(a, c.parentRuns ?? []))
      return new RunTrace(a, span, this.board, Promise.resolve())
    }
    const sc = span.spanContext()
    const arg: TraceRunArg = { id, runId: c.claim.runId, tp: traceparent(sc) }
    const tst = sc.traceState?.serialize()
    if (tst) arg.tst = tst
    if (c.task.parents.length > 0) arg.parents = c.task.parents.slice(0, MAX_PARENT_LINKS)
    let done!: () => void
    const written = new Promise<void>((r) => (done = r))
    if (this.queued.push({ arg, span, done }) === 1) queueMicrotask(() => this.flush(a))
    return new RunTrace(a, span, this.board, written)
  }

  /** One traceRuns call for the runs started in this turn (a claim batch). */
  private flush(a: typeof Api): void {
    const batch = this.queued.splice(0)
    this.ctx.scripts
      .call('traceRuns', { runs: batch.map((b) => b.arg) })
      .then((r) => {
        r.results.forEach((res, i) => {
          const links = parentLinks(a, Array.isArray(res.parents) ? res.parents : [])
          if (links.length > 0) batch[i]!.span.addLinks(links)
        })
      })
      .catch(this.onError)
      .finally(() => {
        for (const b of batch) b.done()
      })
  }
}

/** Links to parent tasks' final runs: the DAG's edges. */
function parentLinks(a: typeof Api, runs: ParentRunTrace[]): Link[] {
  const links: Link[] = []
  for (const p of runs) {
    const sc = spanContextOf(a, p.tp, p.tst)
    if (sc) links.push({ context: sc, attributes: { 'kanban.link': 'parent', 'kanban.task.id': p.taskId, 'kanban.run.id': p.runId } })
  }
  return links
}

/** One run's process span and the settle spans inside it. */
export class RunTrace {
  readonly context: Context

  constructor(
    private readonly a: typeof Api,
    readonly span: Span,
    private readonly board: string,
    private readonly written: Promise<void>,
  ) {
    this.context = a.trace.setSpan(a.context.active(), span)
  }

  /** The handler's calls that end the run become settle spans; TRACEPARENT for a subprocess. */
  wrap(ctx: HandlerContext): void {
    const { complete, block, requestReview, fail } = ctx
    ctx.complete = (o) => this.settle('complete', {}, () => complete(o))
    ctx.block = (o) => {
      this.span.setAttribute('kanban.block.kind', o.kind ?? 'none')
      return this.settle('block', { 'kanban.block.kind': o.kind ?? 'none' }, () => block(o))
    }
    ctx.requestReview = (o) => this.settle('review', {}, () => requestReview(o))
    ctx.fail = (o) => this.failed(o.outcome, o.error, () => fail(o))
    spans.set(ctx, this.span)
  }

  /** Runs the handler with the process span active (its own spans nest under it, given a context manager). */
  inside<T>(fn: () => T): T {
    return this.a.context.with(this.context, fn)
  }

  /** A `fail` span around a recorded failure: the breaker's count and limit, a trip as an event. */
  async failed<T extends FailureResult | void>(outcome: string, error: string, fn: () => Promise<T>): Promise<T> {
    this.span.setAttribute('kanban.run.outcome', outcome)
    if (FAILING.has(outcome)) this.span.setStatus({ code: STATUS_ERROR, message: error.slice(0, 200) })
    return this.settle('fail', { 'kanban.run.outcome': outcome }, fn, (r, span) => {
      if (!r) return
      const attrs = { 'kanban.breaker.failures': r.failures, 'kanban.breaker.limit': r.limit }
      span.setAttributes(attrs)
      if (r.tripped) {
        span.addEvent('breaker.tripped', { ...attrs, 'kanban.breaker.limit_source': r.limitSource })
        this.span.addEvent('breaker.tripped', { ...attrs, 'kanban.breaker.limit_source': r.limitSource })
      }
    })
  }

  /** A settle span, child of the process span. */
  async settle<T>(op: string, attrs: Attributes, fn: () => Promise<T>, after?: (r: T, span: Span) => void): Promise<T> {
    const { a } = this
    const span = tracer(a).startSpan(op, { kind: a.SpanKind.CLIENT }, this.context)
    span.setAttributes({
      'messaging.system': MESSAGING_SYSTEM,
      'messaging.operation.type': 'settle',
      'messaging.operation.name': op,
      'messaging.destination.name': this.board,
      ...attrs,
    })
    return within(
      a,
      span,
      fn,
      (r) => {
        if (typeof r === 'boolean') span.setAttribute('kanban.settled', r)
        after?.(r, span)
      },
      this.context,
    )
  }

  /** A lease renewal (ok) or the renewal that found the run gone. */
  renewed(ok: boolean, leaseExpiresAt?: number): void {
    if (ok) this.span.addEvent('lease.renewed', leaseExpiresAt === undefined ? undefined : { 'kanban.lease.expires_at': leaseExpiresAt })
  }

  /** The run was lost: reclaimed, timed out, or closed by someone else. */
  lost(why: string): void {
    this.span.addEvent('lease.lost', { 'kanban.reason': why })
  }

  /** Ends the span when the handler's slot is free; after the run's trace context is written, so links added by it count. */
  end(): void {
    const at = performance.now()
    void this.written.then(() => this.span.end(at))
  }
}
