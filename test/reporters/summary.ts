/**
 * Prints exactly one closing line, after everything else:
 *
 *   N passed, N failed[, N skipped]
 *
 * Counts individual tests. A test file that failed as a whole (load/collect
 * error, failing beforeAll/afterAll) without any failed test in it counts as
 * 1 failed; so does each unhandled error, so "0 failed" implies a green run.
 */
import type { Reporter, SerializedError, TestModule, TestRunEndReason } from 'vitest/node'

export interface SummaryCounts {
  passed: number
  failed: number
  skipped: number
}

export function countResults(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>, reason: TestRunEndReason): SummaryCounts {
  let passed = 0
  let failed = 0
  let skipped = 0
  for (const mod of testModules) {
    let failedHere = 0
    for (const test of mod.children.allTests()) {
      const state = test.result().state
      if (state === 'passed') passed++
      else if (state === 'failed') failedHere++
      else skipped++ // 'skipped' (skip/todo/only elsewhere) or 'pending' (never ran)
    }
    const moduleFailed = mod.state() === 'failed' || mod.errors().length > 0
    if (moduleFailed && failedHere === 0) failedHere = 1
    failed += failedHere
  }
  failed += unhandledErrors.length
  if (reason === 'failed' && failed === 0) failed = 1
  return { passed, failed, skipped }
}

export function formatSummary(c: SummaryCounts): string {
  return `${c.passed} passed, ${c.failed} failed${c.skipped > 0 ? `, ${c.skipped} skipped` : ''}`
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>, reason: TestRunEndReason): void {
    const line = formatSummary(countResults(testModules, unhandledErrors, reason))
    // Own line, no colours, written directly so nothing can prefix it.
    process.stdout.write(`\n${line}\n`)
  }
}
