import { defineConfig } from 'vitest/config'
import SummaryReporter from './test/reporters/summary.js'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/setup/global.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    pool: 'forks',
    fileParallelism: true,
    // The summary reporter must come last: it prints the closing "N passed, N failed" line.
    reporters: ['default', new SummaryReporter()],
  },
})
