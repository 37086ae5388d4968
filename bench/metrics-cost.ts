/**
 * What the metrics hooks cost a worker per run, alone: `runStarted` and `completed` (the
 * calls a run makes: 4 counter increments and 3 histogram observations) `--runs` times in a
 * loop, and a scrape of the registry. CPU µs per run, to set against a worker's CPU per
 * task in the flat scenario (docs/operations.md#what-metrics-cost).
 *   npx tsx bench/metrics-cost.ts [--runs 200000] [--lanes 4]
 */
import { createMetrics } from '../src/metrics/registry.js'

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : d
}
const runs = arg('runs', 200_000)
const lanes = arg('lanes', 4)
const metrics = await createMetrics()
const now = Date.now()
const once = (i: number) =>
  metrics.runStarted({ board: 'bench', lane: `lane${i % lanes}`, from: 'ready', readySince: now - 50, claimedAt: now, createdAt: now - 100 }).completed(true)
for (let i = 0; i < 10_000; i++) once(i) // warm-up: the lanes' series exist, the JIT has run
const cpu0 = process.cpuUsage()
for (let i = 0; i < runs; i++) once(i)
const cpu = process.cpuUsage(cpu0)
const s0 = process.cpuUsage()
const body = (await metrics.exposition()).body
const scrape = process.cpuUsage(s0)
const us = (c: NodeJS.CpuUsage) => c.user + c.system
process.stdout.write(
  `${runs} runs over ${lanes} lanes: ${(us(cpu) / runs).toFixed(2)} µs CPU per run; one scrape: ${(us(scrape) / 1000).toFixed(1)} ms CPU, ${body.length} bytes\n`,
)
