/**
 * The flat scenario's metrics comparison (`--flat-metrics`, docs/operations.md#what-metrics-cost)
 * at toy size, as a real process: both sides processed every task without errors, and the
 * report has its table. Figures are never asserted.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import type { BenchResults } from '../../bench/lib/report.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const out = mkdtempSync(join(tmpdir(), 'kanban-bench-metrics-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

describe('npm run bench -- --only flat --flat-metrics', () => {
  it('runs ours without and with metrics, alternating, and reports their ratio', { timeout: 240_000 }, () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', '--quick', '--only', 'flat', '--flat-metrics', '--reps', '2', '--tasks', '1000', '--out', out],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 230_000,
      },
    )
    expect(run.status, run.stderr.slice(-3000)).toBe(0)
    expect(run.stderr).toMatch(
      /flat metrics rep 1\/2 without[\s\S]*flat metrics rep 1\/2 with:[\s\S]*flat metrics rep 2\/2 with:[\s\S]*flat metrics rep 2\/2 without/,
    )
    const files = readdirSync(out).sort()
    const r = JSON.parse(readFileSync(join(out, files[0]!), 'utf8')) as BenchResults
    const m = r.flat!.metrics!
    expect(m.reps).toHaveLength(4)
    for (const x of [m.without, m.with, ...m.reps]) {
      expect(x.impl).toBe('ours')
      expect(x.tasks).toBe(1000)
      expect(x.errors).toEqual([])
      expect(x.tasksPerSec).toBeGreaterThan(0)
    }
    expect(m.ratio).toBeGreaterThan(0)
    expect(readFileSync(join(out, files[1]!), 'utf8')).toMatch(/\| with \/ without \| [\d.]+× \|/)
  })
})
