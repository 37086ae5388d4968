/**
 * Scenario 6 — fleet: the flat run with 1, 2 and 4 worker processes (concurrency each),
 * ours vs BullMQ alternating. Alongside tasks/s it records where the CPU went — Redis
 * (INFO cpu, 1.0 = one core busy: Redis runs commands on one thread), the worker
 * processes and the producer — so the report can say why scaling stops.
 */
import { order, type Ctx } from '../lib/context.js'
import { throughputRun, type ThroughputRun } from '../lib/throughput.js'
import { summarizeRuns, type FlatResult } from './flat.js'

export interface FleetResult {
  cores: number
  steps: FlatResult[]
}

export async function fleet(ctx: Ctx, cores: number): Promise<FleetResult> {
  const steps: FlatResult[] = []
  for (const procs of ctx.cfg.fleetProcs) {
    const runs: ThroughputRun[] = []
    for (let rep = 0; rep < ctx.cfg.fleetReps; rep++) {
      for (const impl of order(rep)) {
        const r = await throughputRun(ctx, impl, { tasks: ctx.cfg.fleetTasks, procs, concurrency: ctx.cfg.concurrency })
        ctx.log(
          `fleet ${procs} procs ${impl}: ${r.tasksPerSec.toFixed(0)} tasks/s, Redis busy ${r.redis.cpuBusy.toFixed(2)}, workers busy ${r.clientBusy.toFixed(2)}`,
        )
        runs.push(r)
      }
    }
    steps.push(summarizeRuns(runs, { tasks: ctx.cfg.fleetTasks, procs, concurrency: ctx.cfg.concurrency }))
  }
  return { cores, steps }
}
