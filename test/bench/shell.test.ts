/**
 * The benchmark's shell scenario end to end, small: `bench/run.ts --only shell` as a real
 * process (its own redis-server, a worker process running a shell command per task) with
 * the compiled `kanban` bin the global setup built. Figures are never asserted; what is
 * asserted is that each row measured what it says: every task done, no handler error, the
 * handler processes' CPU counted for the subprocess rows and not for the in-process one.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import type { BenchResults } from '../../bench/lib/report.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const out = mkdtempSync(join(tmpdir(), 'kanban-bench-shell-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

describe('npm run bench -- --only shell (smoke)', () => {
  it('runs shell handlers over Redis and over the channel beside the in-process handler', { timeout: 240_000 }, () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--only', 'shell', '--shell-tasks', '4', '--out', out], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 230_000,
    })
    expect(run.status, run.stderr.slice(-3000)).toBe(0)
    const files = readdirSync(out).sort()
    expect(files).toHaveLength(2)
    const r = JSON.parse(readFileSync(join(out, files[0]!), 'utf8')) as BenchResults
    const md = readFileSync(join(out, files[1]!), 'utf8')
    expect(r.failed).toEqual({})

    const s = r.shell!
    const modes = s.medians.map((m) => m.mode)
    expect(modes.slice(0, 3)).toEqual(['in-process', 'shell via Redis', 'shell via channel'])
    for (const m of s.reps) {
      expect(m.errors, m.mode).toEqual([])
      expect(m.tasks, m.mode).toBe(m.mode === 'in-process' ? 40 : 4)
      expect(m.tasksPerSec, m.mode).toBeGreaterThan(0)
      if (m.mode === 'in-process') expect(m.handlerCpuMs).toBe(0)
      else expect(m.handlerCpuMs, m.mode).toBeGreaterThan(0)
    }
    expect(md).toContain('| shell via channel |')
  })
})
