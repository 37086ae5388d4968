/**
 * The bench's query scenario at toy size, as a real process (`bench/run.ts --quick --only
 * query`): it built the board it says, timed every filter as many times as asked, and each
 * first page held what the filter matches (all of it, or 50 and a cursor). Figures are
 * never asserted.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import type { BenchResults } from '../../bench/lib/report.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const out = mkdtempSync(join(tmpdir(), 'kanban-bench-query-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

describe('npm run bench -- --only query (smoke)', () => {
  it('builds the board, times each filter and reports the pages', { timeout: 180_000 }, () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', '--quick', '--only', 'query', '--query', '2k', '--query-reps', '10', '--out', out],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 170_000,
      },
    )
    expect(run.status, run.stderr.slice(-3000)).toBe(0)
    const json = readdirSync(out).find((f) => f.endsWith('.json'))!
    const r = JSON.parse(readFileSync(join(out, json), 'utf8')) as BenchResults
    const [q] = r.query!.runs
    expect(q!.tasks).toBe(2000)
    expect(q!.memoryPerTask).toBeGreaterThan(0)
    expect(Number.isFinite(q!.loadBefore) && Number.isFinite(q!.loadAfter)).toBe(true)
    expect(q!.filters.length).toBeGreaterThanOrEqual(10)
    for (const x of q!.filters) {
      expect(x.ms.n, x.name).toBe(10)
      // a first page holds every match, or 50 of them and a cursor (the deep page has none at this size)
      expect([x.returned, x.hasNext], x.name).toEqual([Math.min(50, x.matches), x.matches > 50])
    }
    const by = Object.fromEntries(q!.filters.map((x) => [x.name, x]))
    expect([by['a tenant of 3 tasks']!.matches, by['a lane of 3 tasks']!.matches, by['a tenant with no task']!.matches]).toEqual([3, 3, 0])
    expect(by['no filter']!.matches).toBeGreaterThan(1500)
    const md = readFileSync(join(out, json.replace(/\.json$/, '.md')), 'utf8')
    expect(md).toContain('## Query — a page of 50 on a board of 2,000 tasks')
    expect(md).toContain('a filtered page of 50 < 5 ms at 1M')
  })
})
