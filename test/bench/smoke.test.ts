/**
 * The benchmark harness end to end, small: `bench/run.ts --quick` with a few scenarios
 * as a real process (its own redis-server, its worker pool), then what it wrote. Figures
 * are never asserted (they belong to the machine); what is asserted is that each scenario
 * measured what it says — every task processed with no errors, a promotion breakdown
 * with a sample per pair, a tick whose command count does not grow with the board — so a
 * change that silently breaks a measurement fails here instead of printing an empty table.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import type { BenchResults } from '../../bench/lib/report.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const out = mkdtempSync(join(tmpdir(), 'kanban-bench-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

describe('npm run bench (smoke)', () => {
  it('runs flat, dag, promotion and scale for both implementations and writes JSON and markdown', { timeout: 240_000 }, () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', '--quick', '--only', 'flat,dag,promotion,scale', '--reps', '1', '--tasks', '2000', '--scale', '1k,5k', '--out', out],
      { cwd: ROOT, encoding: 'utf8', timeout: 230_000 },
    )
    expect(run.status, run.stderr.slice(-3000)).toBe(0)
    const files = readdirSync(out).sort()
    expect(files).toHaveLength(2)
    expect(files[0]).toMatch(/^\d{4}-\d{2}-\d{2}-\d{4}-quick\.json$/)
    expect(files[1]).toBe(files[0]!.replace(/\.json$/, '.md'))
    const r = JSON.parse(readFileSync(join(out, files[0]!), 'utf8')) as BenchResults
    const md = readFileSync(join(out, files[1]!), 'utf8')

    // flat: every task processed by each implementation, nothing reported wrong
    for (const x of [r.flat!.ours, r.flat!.bullmq]) {
      expect(x.tasks).toBe(2000)
      expect(x.errors).toEqual([])
      expect(x.tasksPerSec).toBeGreaterThan(0)
      expect(x.redis.cpuUsPerTask).toBeGreaterThan(0)
    }
    expect(r.flat!.ratio).toBeGreaterThan(0)
    // dag: each shape finished, ours and BullMQ's
    for (const shape of [r.dag!.fanIn, r.dag!.chain]) {
      expect(shape.ours.errors).toEqual([])
      expect(shape.bullmq.errors).toEqual([])
      expect(shape.ours.ms).toBeGreaterThan(0)
    }
    expect(r.dag!.lattice.ours.ms).toBeGreaterThan(0)
    // promotion: one latency sample per pair on each path; same-lane children are taken over
    // by the completing worker (no lane job); the cross-lane ones each have a breakdown
    // sample (the breakdown finds each child's lane job in BullMQ's event stream)
    const p = r.promotion!
    expect(p.ours.latencyMs.n).toBe(p.pairs)
    expect(p.ours.handedOver).toBe(p.pairs)
    expect(p.ours.viaBullmqMs!.n).toBe(p.pairs)
    expect(p.ours.breakdown!.enqueue.n).toBe(p.pairs)
    expect(p.ours.breakdown!.claim.n).toBe(p.pairs)
    expect(p.ours.errors).toEqual([])
    // scale: an idle tick costs the same commands on a 5x bigger board, and dispatches nothing
    const [small, big] = r.scale!.runs
    expect([small!.tasks, big!.tasks]).toEqual([1000, 5000])
    expect(big!.tickCommands).toBe(small!.tickCommands)
    expect(small!.tickEnqueued + big!.tickEnqueued).toBe(0)
    expect(big!.memoryPerTask).toBeGreaterThan(0)

    expect(md).toContain('## Targets (reported, not asserted)')
    for (const h of ['## 1. Flat', '## 3. DAG', '## 4. Promotion latency', '## 5. Scale']) expect(md).toContain(h)
  })
})
