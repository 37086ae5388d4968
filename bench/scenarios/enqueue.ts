/**
 * Scenario 2 — enqueue cost, in the parent process, no workers running:
 *   single: createTask one by one with 50 in flight  vs  Queue.add with 50 in flight
 *   bulk:   createTasks of 1,000 (sequential batches) vs  Queue.addBulk of 1,000
 * Note: createTask only writes the task (ready, in the dispatch index); its BullMQ job is
 * added later by the dispatcher, whose cost shows in the flat scenario.
 */
import type { Impl } from '../procs/protocol.js'
import { LANE, openBoard, openBull, order, type Ctx } from '../lib/context.js'
import type { RedisCost } from '../lib/redis.js'
import { median, medianOf } from '../lib/stats.js'

export interface EnqueueRun {
  impl: Impl
  mode: 'single' | 'bulk'
  tasks: number
  wallMs: number
  tasksPerSec: number
  parentCpuMs: number
  redis: RedisCost
}

export interface EnqueueResult {
  inFlight: number
  batch: number
  reps: EnqueueRun[]
  single: { ours: EnqueueRun; bullmq: EnqueueRun; ratio: number }
  bulk: { ours: EnqueueRun; bullmq: EnqueueRun; ratio: number }
}

const IN_FLIGHT = 50
const BATCH = 1000

async function inFlight(n: number, width: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) await fn(next++)
    }),
  )
}

async function run(ctx: Ctx, impl: Impl, mode: 'single' | 'bulk', tasks: number): Promise<EnqueueRun> {
  const name = ctx.name(`enq-${impl}`)
  await ctx.probe.flush()
  const board = impl === 'ours' ? await openBoard(ctx, name) : null
  const bull = impl === 'bullmq' ? openBull(ctx, name) : null
  if (bull) await bull.queue.waitUntilReady()
  await ctx.probe.begin()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  if (mode === 'single') {
    await inFlight(tasks, IN_FLIGHT, (i) => (board ? board.createTask({ title: `task ${i}`, assignee: LANE }) : bull!.queue.add('task', { i })))
  } else {
    for (let i = 0; i < tasks; i += BATCH) {
      const n = Math.min(BATCH, tasks - i)
      if (board) await board.createTasks(Array.from({ length: n }, (_, k) => ({ ref: `n${k}`, title: `task ${i + k}`, assignee: LANE })))
      else await bull!.queue.addBulk(Array.from({ length: n }, (_, k) => ({ name: 'task', data: { i: i + k } })))
    }
  }
  const wallMs = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  const redis = await ctx.probe.end(tasks, { wallMs })
  await board?.close()
  await bull?.close()
  return { impl, mode, tasks, wallMs, tasksPerSec: (tasks / wallMs) * 1000, parentCpuMs: (cpu.user + cpu.system) / 1000, redis }
}

export async function enqueue(ctx: Ctx): Promise<EnqueueResult> {
  const runs: EnqueueRun[] = []
  for (let rep = 0; rep < ctx.cfg.reps; rep++) {
    for (const mode of ['single', 'bulk'] as const) {
      const tasks = mode === 'single' ? ctx.cfg.enqueueSingle : ctx.cfg.enqueueBatches * BATCH
      for (const impl of order(rep)) {
        const r = await run(ctx, impl, mode, tasks)
        ctx.log(`enqueue ${mode} rep ${rep + 1}/${ctx.cfg.reps} ${impl}: ${r.tasksPerSec.toFixed(0)} tasks/s`)
        runs.push(r)
      }
    }
  }
  const pair = (mode: 'single' | 'bulk') => {
    const of = (impl: Impl) => runs.filter((r) => r.mode === mode && r.impl === impl)
    return {
      ours: medianOf(of('ours')),
      bullmq: medianOf(of('bullmq')),
      ratio: median(of('ours').map((r) => r.tasksPerSec)) / median(of('bullmq').map((r) => r.tasksPerSec)),
    }
  }
  return { inFlight: IN_FLIGHT, batch: BATCH, reps: runs, single: pair('single'), bulk: pair('bulk') }
}
