/**
 * One end-to-end throughput run, shared by the flat, fleet and profile scenarios:
 * `procs` worker processes at `concurrency` serve a fresh board (ours) or queue (BullMQ);
 * the parent produces `tasks` no-op tasks in batches — ours: createTasks(batch) with an
 * assignee on an autoEnqueue handle (it reserves the batch and adds its lane jobs before
 * returning); BullMQ: Queue.addBulk(batch) — and polls until all are done. Time runs from
 * the first create to the last completion.
 */
import os from 'node:os'
import type { Impl, WorkerReport, WorkerSpec } from '../procs/protocol.js'
import { CREATE_CHUNK, LANE, doneCount, openBoard, openBull, workerSpec, type Ctx } from './context.js'
import type { RedisCost, SlowEntry } from './redis.js'
import { waitUntil } from './stats.js'

export interface ThroughputRun {
  impl: Impl
  tasks: number
  procs: number
  concurrency: number
  wallMs: number
  tasksPerSec: number
  /** when the producer had created (and, ours, dispatched) every task, ms after start */
  produceMs: number
  /** worker processes' CPU over the run, ms, and as cores busy */
  clientCpuMs: number
  clientBusy: number
  /** CPU of the processes the workers started and that ended during the run (subprocess handlers), ms */
  handlerCpuMs: number
  /** the producer/observer (parent) CPU, ms */
  parentCpuMs: number
  /** every process on the machine (ours, BullMQ's, anyone else's), cores busy (os.cpus) */
  machineBusy: number
  redis: RedisCost
  errors: string[]
  /** with keepEntries: the run's slowlog, oldest first */
  entries?: SlowEntry[]
}

export interface ThroughputOpts {
  tasks: number
  procs: number
  concurrency: number
  batch?: number
  /** slowlog threshold for this run (0 = log every command: the profile scenario) */
  slowlogUs?: number
  slowlogLen?: number
  /** return every slowlog entry of the run (with slowlogUs 0: every command) */
  keepEntries?: boolean
  /** more of the worker processes' spec (the shell scenario: a command per task) */
  spec?: Partial<WorkerSpec>
  /** how long to wait for the last task (default 60 s + 10 ms per task) */
  timeoutMs?: number
  /** how often to count the done tasks (default 5 ms; each count is a Redis command) */
  pollMs?: number
}

/** Busy and total CPU ticks of the machine; with a start sample, the cores busy since. */
function hostCpu(): { busy: number; total: number }
function hostCpu(since: { busy: number; total: number }): number
function hostCpu(since?: { busy: number; total: number }): { busy: number; total: number } | number {
  let busy = 0
  let total = 0
  const cpus = os.cpus()
  for (const c of cpus) {
    const t = c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle
    total += t
    busy += t - c.times.idle
  }
  if (!since) return { busy, total }
  return total > since.total ? ((busy - since.busy) / (total - since.total)) * cpus.length : NaN
}

export async function throughputRun(ctx: Ctx, impl: Impl, o: ThroughputOpts): Promise<ThroughputRun> {
  const batch = o.batch ?? CREATE_CHUNK
  const name = ctx.name(`tp-${impl}`)
  await ctx.probe.flush()
  await ctx.pool.start(o.procs, { ...workerSpec(ctx, impl, name, o.concurrency), ...o.spec })
  const board = impl === 'ours' ? await openBoard(ctx, name, { autoEnqueue: true }) : null
  const bull = impl === 'bullmq' ? openBull(ctx, name) : null
  if (bull) await bull.queue.waitUntilReady()
  await ctx.probe.begin({ slowlogUs: o.slowlogUs, slowlogLen: o.slowlogLen })
  const cpu0 = process.cpuUsage()
  const host0 = hostCpu()
  const t0 = performance.now()
  let reports: WorkerReport[] = []
  let wallMs = NaN
  let produceMs = NaN
  let machineBusy = NaN
  let cpuAtDone = 0
  try {
    for (let i = 0; i < o.tasks; i += batch) {
      const n = Math.min(batch, o.tasks - i)
      if (board) {
        // autoEnqueue: returns once the batch's tasks are reserved and their jobs added
        await board.createTasks(Array.from({ length: n }, (_, k) => ({ ref: `n${i + k}`, title: `task ${i + k}`, assignee: LANE })))
      } else {
        await bull!.queue.addBulk(Array.from({ length: n }, (_, k) => ({ name: 'task', data: { i: i + k } })))
      }
    }
    produceMs = performance.now() - t0
    const count = board ? () => doneCount(board) : () => bull!.completed()
    await waitUntil(`${o.tasks} ${impl} tasks done`, async () => (await count()) >= o.tasks, o.timeoutMs ?? 60_000 + o.tasks * 10, o.pollMs ?? 5)
    wallMs = performance.now() - t0
    machineBusy = hostCpu(host0)
    cpuAtDone = await ctx.probe.cpuUs()
  } finally {
    reports = await ctx.pool.stop()
  }
  const parentCpu = process.cpuUsage(cpu0)
  const entries = o.keepEntries ? await ctx.probe.slowEntries() : undefined
  const redis = await ctx.probe.end(o.tasks, { cpuAtDone, wallMs, entries })
  await board?.close()
  await bull?.close()
  const clientCpuMs = reports.reduce((a, r) => a + r.cpuUserMs + r.cpuSysMs, 0)
  const handlerCpuMs = reports.reduce((a, r) => a + r.childCpuMs, 0)
  const errors = reports.flatMap((r) => r.errors)
  const processed = reports.reduce((a, r) => a + r.processed, 0)
  if (processed < o.tasks) errors.push(`workers reported ${processed} of ${o.tasks} tasks processed`)
  return {
    impl,
    tasks: o.tasks,
    procs: o.procs,
    concurrency: o.concurrency,
    wallMs,
    tasksPerSec: (o.tasks / wallMs) * 1000,
    produceMs,
    clientCpuMs,
    clientBusy: clientCpuMs / wallMs,
    handlerCpuMs,
    parentCpuMs: (parentCpu.user + parentCpu.system) / 1000,
    machineBusy,
    redis,
    errors,
    entries,
  }
}
