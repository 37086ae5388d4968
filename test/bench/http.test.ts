/**
 * The http scenario of the benchmark at toy size (`bench/run.ts --only http`): `kanban
 * serve` as a process, task reads and completes over HTTP, SSE fan-out. Figures are never
 * asserted; what is: every request succeeded and every client got every event.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import type { BenchResults } from '../../bench/lib/report.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const out = mkdtempSync(join(tmpdir(), 'kanban-bench-http-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

describe('npm run bench -- --only http (smoke)', () => {
  it('measures reads, completes and SSE fan-out with no error and no event missing', { timeout: 180_000 }, () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', '--quick', '--only', 'http', '--http-requests', '200', '--http-clients', '5', '--http-events', '120', '--out', out],
      { cwd: ROOT, encoding: 'utf8', timeout: 170_000 },
    )
    expect(run.status, run.stderr.slice(-3000)).toBe(0)
    const json = readdirSync(out).find((f) => f.endsWith('.json'))!
    const r = (JSON.parse(readFileSync(join(out, json), 'utf8')) as BenchResults).http!
    expect(r.read).toMatchObject({ requests: 200, errors: 0 })
    expect(r.complete).toMatchObject({ requests: 50, errors: 0 })
    expect(r.read.perSec).toBeGreaterThan(0)
    expect(r.sse).toMatchObject({ clients: 5, events: 120, missing: 0 })
    expect(readFileSync(join(out, json.replace(/\.json$/, '.md')), 'utf8')).toContain('## HTTP API')
  })
})
