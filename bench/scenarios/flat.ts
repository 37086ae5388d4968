/**
 * Scenario 1 — flat: `flatTasks` independent no-op tasks processed by `procs` worker
 * processes at `concurrency`, ours vs BullMQ alternating, `reps` repetitions; reports
 * the median of each metric and the ratio ours/BullMQ of tasks/s. With --tracing, each
 * repetition also runs ours with an OpenTelemetry SDK registered in the producer and the
 * worker processes (bench/lib/tracingSdk.ts), and reports traced / untraced tasks/s
 * (docs/tracing.md#cost).
 */
import { order, type Ctx } from '../lib/context.js'
import { median, medianOf } from '../lib/stats.js'
import { throughputRun, type ThroughputRun } from '../lib/throughput.js'
import { registerTracing } from '../lib/tracingSdk.js'

export interface FlatResult {
  tasks: number
  procs: number
  concurrency: number
  reps: ThroughputRun[]
  ours: ThroughputRun
  bullmq: ThroughputRun
  ratio: number
  /** --tracing: ours with an SDK registered, and its tasks/s over ours without (medians) */
  traced?: ThroughputRun
  tracedRatio?: number
}

export async function flat(ctx: Ctx): Promise<FlatResult> {
  const { flatTasks: tasks, procs, concurrency, reps } = ctx.cfg
  const runs: ThroughputRun[] = []
  const traced: ThroughputRun[] = []
  const log = (rep: number, label: string, r: ThroughputRun) =>
    ctx.log(
      `flat rep ${rep + 1}/${reps} ${label}: ${r.tasksPerSec.toFixed(0)} tasks/s, Redis ${r.redis.cpuUsPerTask.toFixed(0)} µs/task${r.errors.length ? `, errors: ${r.errors[0]}` : ''}`,
    )
  for (let rep = 0; rep < reps; rep++) {
    // the traced run alternates first and last with the other two
    if (ctx.cfg.flatTracing !== undefined && rep % 2 === 1) traced.push(await tracedRun(ctx, rep, log))
    for (const impl of order(rep)) {
      const r = await throughputRun(ctx, impl, { tasks, procs, concurrency })
      log(rep, impl, r)
      runs.push(r)
    }
    if (ctx.cfg.flatTracing !== undefined && rep % 2 === 0) traced.push(await tracedRun(ctx, rep, log))
  }
  const out = summarizeRuns(runs, { tasks, procs, concurrency })
  if (traced.length === 0) return out
  const t = medianOf(traced)
  t.errors = traced.flatMap((r) => r.errors)
  const oursTps = median(runs.filter((r) => r.impl === 'ours').map((r) => r.tasksPerSec))
  return { ...out, reps: [...runs, ...traced], traced: t, tracedRatio: median(traced.map((r) => r.tasksPerSec)) / oursTps }
}

/** One run of ours with an OpenTelemetry SDK in the producer (this process) and every worker process. */
async function tracedRun(ctx: Ctx, rep: number, log: (rep: number, label: string, r: ThroughputRun) => void): Promise<ThroughputRun> {
  const { flatTasks: tasks, procs, concurrency, flatTracing: ratio = 1 } = ctx.cfg
  const stop = registerTracing(ratio)
  try {
    const r = await throughputRun(ctx, 'ours', { tasks, procs, concurrency, spec: { tracing: ratio } })
    log(rep, `ours traced (sampling ${ratio})`, r)
    return r
  } finally {
    await stop()
  }
}

export function summarizeRuns(runs: ThroughputRun[], shape: { tasks: number; procs: number; concurrency: number }): FlatResult {
  const ours = medianOf(runs.filter((r) => r.impl === 'ours'))
  const bullmq = medianOf(runs.filter((r) => r.impl === 'bullmq'))
  ours.errors = runs.filter((r) => r.impl === 'ours').flatMap((r) => r.errors)
  bullmq.errors = runs.filter((r) => r.impl === 'bullmq').flatMap((r) => r.errors)
  return {
    ...shape,
    reps: runs,
    ours,
    bullmq,
    ratio: median(runs.filter((r) => r.impl === 'ours').map((r) => r.tasksPerSec)) / median(runs.filter((r) => r.impl === 'bullmq').map((r) => r.tasksPerSec)),
  }
}
