/**
 * The soak scenario at toy size (3 simulated days of 40 ms hours, 20 tasks an hour): as a
 * real `bench/run.ts` process with its own redis-server. Figures are not asserted (memory
 * belongs to the machine and its load); what is asserted is that the scenario measured what
 * it says — a sample per simulated hour on both runs, retention archiving, deleting and
 * trimming in the run that has it and nothing removed in the control.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import type { BenchResults } from '../../bench/lib/report.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const out = mkdtempSync(join(tmpdir(), 'kanban-soak-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

describe('npm run bench -- --only soak (smoke)', () => {
  it('samples memory every simulated hour, with retention removing what the control keeps', { timeout: 120_000 }, () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', '--quick', '--only', 'soak', '--soak-days', '3', '--soak-hour-ms', '40', '--soak-rate', '20', '--out', out],
      { cwd: ROOT, encoding: 'utf8', timeout: 110_000 },
    )
    expect(run.status, run.stderr.slice(-3000)).toBe(0)
    const files = readdirSync(out).sort()
    expect(files).toHaveLength(2)
    const r = JSON.parse(readFileSync(join(out, files[0]!), 'utf8')) as BenchResults
    const s = r.soak!
    expect(s).toMatchObject({ days: 3, hourMs: 40, tasksPerHour: 20 })
    const on = s.withRetention
    const off = s.without
    for (const x of [on, off]) {
      expect(x.samples.map((p) => p.hour)).toEqual(Array.from({ length: 72 }, (_, i) => i))
      expect(x.created).toBe(72 * 20)
      expect(x.baseline).toBeGreaterThan(0)
      for (const p of x.samples) expect(p.usedMemory).toBeGreaterThan(0)
    }
    expect(on.archived).toBeGreaterThan(0)
    expect(on.deleted).toBeGreaterThan(0)
    expect(on.eventsTrimmed).toBeGreaterThan(0)
    expect(on.samples.at(-1)!.live).toBe(on.created - on.deleted)
    expect(on.samples.at(-1)!.live).toBeLessThan(on.created)
    expect([off.archived, off.deleted, off.eventsTrimmed]).toEqual([0, 0, 0])
    expect(off.samples.at(-1)!.live).toBe(off.created)
    const md = readFileSync(join(out, files[1]!), 'utf8')
    expect(md).toContain('## Soak — 3 simulated days, 20 tasks per simulated hour')
    expect(md).toMatch(/\| 3 \| [\d,]+ \| [\d,]+ \|/)
  })
})
