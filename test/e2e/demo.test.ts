/**
 * The README's first command runs this demo. Run it for real — its own redis-server, a
 * dispatcher process and two worker processes — and check it ends where it says.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)

describe('npm run demo', () => {
  it('processes the demo DAG and reports what a human must still unblock', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/demo/main.ts', '--embedded'], {
      timeout: 120_000,
      env: { ...process.env, REDIS_URL: '' },
    })
    expect(stdout).toMatch(/a redis-server started for the demo/)
    // 297 tasks: everything but the flaky upload, the human-only notes and the announcement
    // waiting on both is done
    expect(stdout).toMatch(/finished in [\d.]+ s: 294 done, 2 blocked, 0 in triage, 1 waiting on them/)
    expect(stdout).toMatch(/Upload to the mirror \(flaky\) {2}\[blocked\]\n\s+circuit breaker open at 3\/3 failures \(limit from board\)/)
    expect(stdout).toMatch(/Write release notes {2}\[blocked\]\n\s+blocked by a worker or operator \(sticky\)/)
    expect(stdout).toMatch(/npx kanban unblock <id> --board demo-\d+/)
  }, 150_000)
})
