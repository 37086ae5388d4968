/**
 * The cost of Board.open's durability (docs/failover.md#durability-wait-for-a-replica): a
 * master and a replica of its own on loopback (started and stopped here), the same board
 * work with terminal transitions plain and with WAIT for one replica, alternating, so both
 * see the same machine load.
 *
 *   npx tsx bench/durability.ts [--tasks 5000] [--concurrency 50] [--reps 3] [--serial 500]
 *
 * Two measures per mode and repetition:
 *   - fleet: an in-process Worker (concurrency --concurrency, no-op handler that completes)
 *     drains --tasks tasks created ready: tasks per second, claim to completion;
 *   - serial: --serial claim + completeTask pairs one after another: the completion's
 *     latency (p50, p99), where WAIT's round trip to the replica shows whole.
 */
import { parseArgs } from 'node:util'
import os from 'node:os'
import { Board, Worker } from '../src/index.js'
import type { Durability } from '../src/durability.js'
import { startRedisServer } from '../src/testing/index.js'

const { values: o } = parseArgs({
  options: {
    tasks: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '50' },
    reps: { type: 'string', default: '3' },
    serial: { type: 'string', default: '500' },
  },
})
const N = Number(o.tasks)
const C = Number(o.concurrency)
const REPS = Number(o.reps)
const SERIAL = Number(o.serial)
const WAIT: Durability = { replicas: 1, timeoutMs: 1000 }

const master = await startRedisServer()
const replica = await startRedisServer({ extraArgs: ['--replicaof', '127.0.0.1', String(master.port)] })
const probe = await Board.open({ redis: replica.url, board: 'probe' })
for (let i = 0; i < 200 && !(await probe.redis.info('replication')).includes('master_link_status:up'); i++) await new Promise((r) => setTimeout(r, 50))
await probe.close()

let boardNo = 0
async function fleet(durability: Durability | undefined): Promise<number> {
  const board = await Board.open({ redis: master.url, board: `dur-${boardNo++}`, autoEnqueue: true, ...(durability ? { durability } : {}) })
  for (let i = 0; i < N; i += 500) {
    await board.createTasks(Array.from({ length: Math.min(500, N - i) }, (_, k) => ({ ref: `t${k}`, title: 't', assignee: 'l' })))
  }
  let done = 0
  let finished!: () => void
  const all = new Promise<void>((r) => (finished = r))
  const t0 = performance.now()
  const worker = await new Worker({
    board,
    lanes: ['l'],
    concurrency: C,
    handler: async (_t, ctx) => {
      await ctx.complete()
      if (++done === N) finished()
    },
  }).start()
  await all
  const s = (performance.now() - t0) / 1000
  await worker.close()
  await board.close()
  return N / s
}

async function serial(durability: Durability | undefined): Promise<{ p50: number; p99: number }> {
  const board = await Board.open({ redis: master.url, board: `dur-${boardNo++}`, ...(durability ? { durability } : {}) })
  const ids = Object.values(await board.createTasks(Array.from({ length: SERIAL }, (_, k) => ({ ref: `t${k}`, title: 't' }))))
  const ms: number[] = []
  for (const id of ids) {
    const { runId } = (await board.claimTask(id, { claimer: 'bench' }))!
    const t0 = performance.now()
    await board.completeTask(id, { runId })
    ms.push(performance.now() - t0)
  }
  await board.close()
  ms.sort((a, b) => a - b)
  return { p50: ms[Math.floor(ms.length / 2)]!, p99: ms[Math.floor(ms.length * 0.99)]! }
}

const rows: Record<'plain' | 'wait', { tps: number[]; p50: number[]; p99: number[] }> = {
  plain: { tps: [], p50: [], p99: [] },
  wait: { tps: [], p50: [], p99: [] },
}
try {
  for (let rep = 0; rep < REPS; rep++) {
    for (const mode of rep % 2 ? (['wait', 'plain'] as const) : (['plain', 'wait'] as const)) {
      const d = mode === 'wait' ? WAIT : undefined
      const tps = await fleet(d)
      const lat = await serial(d)
      rows[mode].tps.push(tps)
      rows[mode].p50.push(lat.p50)
      rows[mode].p99.push(lat.p99)
      process.stderr.write(`rep ${rep + 1} ${mode}: ${tps.toFixed(0)} tasks/s, complete p50 ${lat.p50.toFixed(3)} ms p99 ${lat.p99.toFixed(3)} ms\n`)
    }
  }
} finally {
  await replica.stop()
  await master.stop()
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const load = os
  .loadavg()
  .map((x) => x.toFixed(2))
  .join(' ')
console.log(
  `durability bench: ${N} tasks, concurrency ${C}, ${REPS} reps (medians), ${SERIAL} serial completions; load average ${load} on ${os.cpus().length} cores`,
)
console.log('| mode | fleet tasks/s | completeTask p50 ms | p99 ms |')
console.log('| --- | --- | --- | --- |')
for (const mode of ['plain', 'wait'] as const) {
  const r = rows[mode]
  console.log(
    `| ${mode === 'plain' ? 'no WAIT' : 'WAIT 1 replica'} | ${median(r.tps).toFixed(0)} | ${median(r.p50).toFixed(3)} | ${median(r.p99).toFixed(3)} |`,
  )
}
const cost = 1 - median(rows.wait.tps) / median(rows.plain.tps)
console.log(`fleet throughput with WAIT: ${(Math.abs(cost) * 100).toFixed(1)}% ${cost >= 0 ? 'lower' : 'higher'} than without`)
