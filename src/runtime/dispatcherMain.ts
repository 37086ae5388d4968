/** Container entrypoint (`node dist/runtime/dispatcherMain.js`): one dispatcher replica, configured by environment (config.ts). */
import { DispatcherEnv, readEnv } from './config.js'
import { runDispatcher } from './run.js'

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
