/**
 * The benchmark's cli scenario end to end, small: `bench/run.ts --only cli` as a real
 * process (its own redis-server) spawning the compiled `kanban` bin, then what it wrote.
 * Figures are never asserted; what is asserted is that every row measured what it says
 * (each call ran and exited 0, CPU was counted, the board holds every task it created).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import type { BenchResults } from '../../bench/lib/report.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const out = mkdtempSync(join(tmpdir(), 'kanban-bench-cli-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

describe('npm run bench -- --only cli (smoke)', () => {
  it('measures node, redis-cli and each kanban command side by side, eight concurrent creates and a CLI-made board', { timeout: 240_000 }, () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', '--quick', '--only', 'cli', '--cli-calls', '2', '--cli-board', '5', '--out', out],
      { cwd: ROOT, encoding: 'utf8', timeout: 230_000 },
    )
    expect(run.status, run.stderr.slice(-3000)).toBe(0)
    const files = readdirSync(out).sort()
    expect(files).toHaveLength(2)
    const r = JSON.parse(readFileSync(join(out, files[0]!), 'utf8')) as BenchResults
    const md = readFileSync(join(out, files[1]!), 'utf8')

    const c = r.cli!
    expect(c.calls).toBe(2)
    expect(c.baseline[0]!.label).toBe('node -e 0')
    expect(c.bins).toHaveLength(1)
    const b = c.bins[0]!
    expect(b.bin).toBe(join('dist', 'cli', 'kanban.js'))
    expect(b.rows.map((x) => x.label)).toEqual([
      'kanban --help',
      'kanban show',
      'kanban create',
      'kanban create --assignee',
      'kanban complete',
      'kanban complete (child enqueued)',
    ])
    for (const x of [...c.baseline, ...b.rows]) {
      expect(x.wallMs.n).toBe(2)
      expect(x.wallMs.p50).toBeGreaterThan(0)
      // children's CPU is read in clock ticks (10 ms, bench/lib/childCpu.ts): two calls of
      // redis-cli, a C client, may well stay under one tick; a Node process never does
      if (x.label === 'redis-cli ping') expect(x.cpuMs).toBeGreaterThanOrEqual(0)
      else expect(x.cpuMs).toBeGreaterThan(0)
    }
    // the board commands ran commands in Redis; --help never touched it
    for (const x of b.rows.slice(1)) expect(x.redisUs).toBeGreaterThan(0)
    expect(b.concurrent.n).toBe(8)
    expect(b.concurrent.slowestMs).toHaveLength(r.config.cliConcurrentReps)
    expect(b.board.tasks).toBe(5)
    expect(b.board.wallMs).toBeGreaterThan(0)

    expect(md).toContain('## CLI')
    expect(md).toContain('| kanban --help |')
  })
})
