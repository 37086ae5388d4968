/** Container entrypoint: one dispatcher replica, configured by environment (src/runtime/config.ts). */
import { DispatcherEnv, readEnv } from '../src/runtime/config.js'
import { runDispatcher } from '../src/runtime/run.js'

try {
  const env = readEnv(DispatcherEnv)
  await runDispatcher({
    redisUrl: env.REDIS_URL,
    board: env.KANBAN_BOARD,
    intervalMs: env.KANBAN_DISPATCH_INTERVAL_MS,
    leaseTtlMs: env.KANBAN_LEASE_TTL_MS,
  })
} catch (e) {
  process.stderr.write(`dispatcher: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exit(2)
}
