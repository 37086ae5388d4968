/**
 * OpenTelemetry traces (docs/tracing.md) with an SDK registered in this file and spans
 * exported to memory: a real Worker and Dispatcher on real Redis and BullMQ. Per task: its
 * create span, the claim, the process span — linked to the create span (or its child) and
 * to the parent task's final run — and the settle span inside it; the trace id on the run;
 * lease renewals, a lost lease and a breaker trip as events; TRACEPARENT in a subprocess.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { trace } from '@opentelemetry/api'
import { commandHandler, Dispatcher, Worker, type Board, type Handler, type WorkerOptions } from '../../src/index.js'
import { extraConnection, openBoard } from '../helpers/board.js'
import { redisUrl } from '../helpers/redis.js'
import { childrenOf, installTracing, oneSpan, spansOf, SpanKind, type ReadableSpan } from '../helpers/tracing.js'

const exporter = installTracing()
afterAll(() => trace.disable())
beforeEach(() => exporter.reset())

async function until(what: string, fn: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await fn()) return
    await sleep(25)
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** Runs a worker (and a dispatcher) until `done` holds, then closes both. */
async function work(board: Board, handler: Handler, done: () => Promise<boolean>, opts: Partial<WorkerOptions> = {}): Promise<Worker> {
  const worker = await new Worker({ board, lanes: ['tr'], handler, concurrency: 2, ...opts }).start()
  const dispatcher = await new Dispatcher({ board, intervalMs: 100 }).start()
  try {
    await until('the tasks', done)
  } finally {
    await worker.close()
    await dispatcher.close()
  }
  // a process span ends once its run's trace context is written (runTrace.ts)
  await sleep(50)
  return worker
}

const status = async (board: Board, id: string) => (await board.getTask(id))?.status
const sc = (s: ReadableSpan) => s.spanContext()

/** A DAG a -> b, both run to done by a worker with these options. */
async function dag(opts: Partial<WorkerOptions> = {}) {
  const board = await openBoard('trace', { autoEnqueue: true })
  const ids = await board.createTasks([
    { ref: 'a', title: 'a', assignee: 'tr' },
    { ref: 'b', title: 'b', assignee: 'tr', dependsOn: ['a'] },
  ])
  const handler: Handler = async (task, ctx) => {
    await ctx.complete({ result: `did ${task.title}` })
  }
  await work(board, handler, async () => (await status(board, ids.b!)) === 'done', opts)
  return { board, a: ids.a!, b: ids.b!, spans: exporter.getFinishedSpans() }
}

describe('traces of a task from create to complete (docs/tracing.md)', () => {
  it('default: each run a trace of its own, linked to the create span and to the parent task’s final run', async () => {
    const { board, a, b, spans } = await dag()
    for (const id of [a, b]) {
      const create = oneSpan(spans, `create ${board.name}`, id)
      expect(create.kind).toBe(SpanKind.PRODUCER)
      expect(create.parentSpanContext).toBeUndefined() // no caller span: the task's own trace
      expect(create.attributes).toMatchObject({
        'messaging.system': 'kanban-queue',
        'messaging.operation.type': 'create',
        'messaging.destination.name': board.name,
        'messaging.message.id': id,
        'kanban.board': board.name,
      })
      const process = oneSpan(spans, `process ${board.name}`, id)
      expect(process.kind).toBe(SpanKind.CONSUMER)
      expect(process.parentSpanContext).toBeUndefined()
      expect(sc(process).traceId).not.toBe(sc(create).traceId)
      const [run] = await board.runs(id)
      expect(process.attributes).toMatchObject({
        'messaging.operation.type': 'process',
        'messaging.destination.name': board.name,
        'kanban.task.id': id,
        'kanban.run.id': run!.id,
        'kanban.attempt': 1,
        'kanban.lane': 'tr',
      })
      const producer = process.links.filter((l) => l.attributes?.['kanban.link'] === 'producer')
      expect(producer.map((l) => [l.context.traceId, l.context.spanId])).toEqual([[sc(create).traceId, sc(create).spanId]])
      // the run keeps its trace id, read back through the library
      expect(run!.traceId).toBe(sc(process).traceId)
      // the completion is a settle span inside the process span
      const [complete] = childrenOf(spans, process)
      expect(complete).toMatchObject({ name: 'complete', kind: SpanKind.CLIENT })
      expect(complete!.attributes).toMatchObject({ 'messaging.operation.type': 'settle', 'kanban.settled': true })
      expect(sc(complete!).traceId).toBe(sc(process).traceId)
    }
    // the DAG edge: b's process span links to a's final run (its process span)
    const pa = oneSpan(spans, `process ${board.name}`, a)
    const pb = oneSpan(spans, `process ${board.name}`, b)
    const edges = pb.links.filter((l) => l.attributes?.['kanban.link'] === 'parent')
    expect(edges.map((l) => [l.context.spanId, l.attributes?.['kanban.task.id']])).toEqual([[sc(pa).spanId, a]])
    expect(pa.links.filter((l) => l.attributes?.['kanban.link'] === 'parent')).toEqual([])
    // the claims, and the dispatcher's ticks
    const claims = spansOf(spans, 'claim tr')
    expect(claims.length).toBeGreaterThan(0)
    expect(claims[0]!.kind).toBe(SpanKind.CLIENT)
    expect(claims[0]!.attributes).toMatchObject({ 'messaging.operation.type': 'receive', 'messaging.destination.name': 'tr', 'kanban.board': board.name })
    // a's claim; b's run may be claimed by a's completion instead (a hand-off: docs/fleet.md)
    expect(claims.reduce((n, s) => n + Number(s.attributes['kanban.claimed']), 0)).toBeGreaterThanOrEqual(1)
    const ticks = spansOf(spans, `dispatch ${board.name}`)
    expect(ticks.length).toBeGreaterThan(0)
    expect(ticks[0]!.attributes).toMatchObject({ 'messaging.operation.type': 'send', 'kanban.board': board.name })
    expect(typeof ticks[0]!.attributes['messaging.batch.message_count']).toBe('number')
  })

  it("producer: 'parent' — one trace per task: create, process, complete", async () => {
    const { board, a, b, spans } = await dag({ tracing: { producer: 'parent' } })
    for (const id of [a, b]) {
      const create = oneSpan(spans, `create ${board.name}`, id)
      const process = oneSpan(spans, `process ${board.name}`, id)
      expect(process.parentSpanContext?.spanId).toBe(sc(create).spanId)
      expect(process.links.filter((l) => l.attributes?.['kanban.link'] === 'producer')).toEqual([])
      const trace = spans.filter((s) => sc(s).traceId === sc(create).traceId).map((s) => s.name)
      expect(trace.sort()).toEqual([`create ${board.name}`, 'complete', `process ${board.name}`].sort())
      expect((await board.runs(id))[0]!.traceId).toBe(sc(create).traceId)
    }
    const pa = oneSpan(spans, `process ${board.name}`, a)
    const pb = oneSpan(spans, `process ${board.name}`, b)
    expect(pb.links.map((l) => l.context.spanId)).toEqual([sc(pa).spanId])
  })

  it('a create inside a caller’s span is its child; the trace context is stored with the task', async () => {
    const board = await openBoard('trace')
    const id = await trace.getTracer('test').startActiveSpan('request', async (span) => {
      try {
        return await board.createTask({ title: 'x' })
      } finally {
        span.end()
      }
    })
    const spans = exporter.getFinishedSpans()
    const request = oneSpan(spans, 'request')
    const create = oneSpan(spans, `create ${board.name}`, id)
    expect(create.parentSpanContext?.spanId).toBe(sc(request).spanId)
    const tp = await extraConnection().hget(board.keys.task(id), 'tp')
    expect(tp).toBe(`00-${sc(create).traceId}-${sc(create).spanId}-01`)
  })
})

describe('span events and attributes of a run (docs/tracing.md#events)', () => {
  it('lease renewals, then a crash that trips the breaker', async () => {
    const board = await openBoard('trace', { autoEnqueue: true })
    const id = await board.createTask({ title: 'boom', assignee: 'tr', maxRetries: 1 })
    const handler: Handler = async () => {
      await sleep(700)
      throw new Error('boom')
    }
    await work(board, handler, async () => (await status(board, id)) === 'blocked', { renewEveryMs: 200 })
    const spans = exporter.getFinishedSpans()
    const process = oneSpan(spans, `process ${board.name}`, id)
    const events = process.events.map((e) => e.name)
    expect(events.filter((e) => e === 'lease.renewed').length).toBeGreaterThanOrEqual(2)
    expect(events).toContain('breaker.tripped')
    expect(process.events.find((e) => e.name === 'breaker.tripped')!.attributes).toMatchObject({ 'kanban.breaker.failures': 1, 'kanban.breaker.limit': 1 })
    expect(process.attributes['kanban.run.outcome']).toBe('crashed')
    expect(process.status.code).toBe(2) // ERROR
    const [fail] = childrenOf(spans, process)
    expect(fail).toMatchObject({ name: 'fail', kind: SpanKind.CLIENT })
    expect(fail!.attributes).toMatchObject({ 'kanban.run.outcome': 'crashed', 'kanban.breaker.failures': 1, 'kanban.breaker.limit': 1 })
  })

  it('an operator reclaim: a reclaim span, and the lost lease as an event of the run', async () => {
    const board = await openBoard('trace', { autoEnqueue: true })
    const id = await board.createTask({ title: 'slow', assignee: 'tr' })
    let reclaimed = false
    let runs = 0
    const handler: Handler = async (_t, ctx) => {
      // the first run waits to be taken back; the one after the reclaim completes
      if (runs++ > 0) return void (await ctx.complete())
      await new Promise((r) => ctx.signal.addEventListener('abort', r, { once: true }))
    }
    await work(
      board,
      handler,
      async () => {
        if (!reclaimed && (await status(board, id)) === 'running') reclaimed = await board.reclaimTask(id, { reason: 'test' })
        return reclaimed && (await status(board, id)) === 'done'
      },
      { renewEveryMs: 200 },
    )
    const spans = exporter.getFinishedSpans()
    const reclaim = oneSpan(spans, 'reclaim', id)
    expect(reclaim.attributes).toMatchObject({ 'messaging.operation.type': 'settle', 'kanban.reclaimed': true })
    const [first, second] = spansOf(spans, `process ${board.name}`, id).sort(
      (x, y) => Number(x.attributes['kanban.attempt']) - Number(y.attributes['kanban.attempt']),
    )
    expect(first!.events.map((e) => e.name)).toContain('lease.lost')
    expect(second!.attributes['kanban.attempt']).toBe(2)
    expect(second!.events.map((e) => e.name)).not.toContain('lease.lost')
  })

  it('a block: its kind on the block span and on the run', async () => {
    const board = await openBoard('trace', { autoEnqueue: true })
    const id = await board.createTask({ title: 'ask', assignee: 'tr' })
    const handler: Handler = async (_t, ctx) => {
      await ctx.block({ reason: 'which colour?', kind: 'needs_input' })
    }
    await work(board, handler, async () => (await status(board, id)) === 'blocked')
    const spans = exporter.getFinishedSpans()
    const process = oneSpan(spans, `process ${board.name}`, id)
    expect(process.attributes['kanban.block.kind']).toBe('needs_input')
    expect(childrenOf(spans, process).map((s) => [s.name, s.attributes['kanban.block.kind']])).toEqual([['block', 'needs_input']])
  })

  it('a subprocess handler gets TRACEPARENT naming its process span', async () => {
    const board = await openBoard('trace', { autoEnqueue: true })
    const dir = mkdtempSync(join(tmpdir(), 'kq-trace-'))
    try {
      const file = join(dir, 'tp')
      const id = await board.createTask({ title: 'sh', assignee: 'tr', maxRetries: 1 })
      const handler = commandHandler(`printf %s "$TRACEPARENT" > '${file}'; exit 3`, { redisUrl: redisUrl(), board: board.name, channel: false })
      await work(board, handler, async () => (await status(board, id)) === 'blocked')
      await handler.close()
      const process = oneSpan(exporter.getFinishedSpans(), `process ${board.name}`, id)
      expect(readFileSync(file, 'utf8')).toBe(`00-${sc(process).traceId}-${sc(process).spanId}-01`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
