/**
 * `npm run chaos` (docs/reliability.md#chaos): one chaos run with its report. Flags:
 *   --duration <s>   fault phase (default 20)       --tasks <n>    tasks (default 80)
 *   --seed <n>       random seed (default: random, printed; the same seed repeats the faults' order)
 *   --fsync always|everysec  the AOF's appendfsync (default always)
 *   --workers <n>    in-process worker processes (default 2), plus one command worker
 *   --only <kinds>   only these fault kinds, comma-separated (kill-worker, kill-handler,
 *                    kill-dispatcher, stop-worker, kill-redis, client-kill)
 * Exit 0 when every invariant held, 1 otherwise (the violations are printed).
 */
import { parseArgs } from 'node:util'
import { FAULTS, runChaos, type Fault } from './harness.js'

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '20' },
    tasks: { type: 'string', default: '80' },
    seed: { type: 'string' },
    fsync: { type: 'string', default: 'always' },
    workers: { type: 'string', default: '2' },
    only: { type: 'string' },
  },
})
const num = (name: string, v: string, min: number) => {
  const n = Number(v)
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`chaos: --${name}: expected an integer >= ${min}, got ${JSON.stringify(v)}\n`)
    process.exit(2)
  }
  return n
}
if (values.fsync !== 'always' && values.fsync !== 'everysec') {
  process.stderr.write(`chaos: --fsync: expected always or everysec, got ${JSON.stringify(values.fsync)}\n`)
  process.exit(2)
}
const only = (values.only ?? '').split(',').filter(Boolean) as Fault[]
for (const f of only) {
  if (!(FAULTS as readonly string[]).includes(f)) {
    process.stderr.write(`chaos: --only: expected fault kinds among ${FAULTS.join(', ')}, got ${JSON.stringify(f)}\n`)
    process.exit(2)
  }
}
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : num('seed', values.seed, 0)
const report = await runChaos({
  seed,
  tasks: num('tasks', values.tasks, 1),
  durationMs: num('duration', values.duration, 1) * 1000,
  fsync: values.fsync,
  workers: num('workers', values.workers, 1),
  only,
  log: (l) => process.stderr.write(`${l}\n`),
})
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
if (report.violations.length) {
  process.stderr.write(`chaos: ${report.violations.length} violations (seed ${seed}):\n  ${report.violations.join('\n  ')}\n`)
  process.exit(1)
}
process.stderr.write(`chaos: every invariant held (seed ${seed})\n`)
