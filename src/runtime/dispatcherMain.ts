/** Container entrypoint (`node dist/runtime/dispatcherMain.js`): one dispatcher replica, configured by environment (config.ts). */
import { DispatcherEnv, readEnv } from './config.js'
import { entrypoint, runDispatcher } from './run.js'

await entrypoint('dispatcher', () => {
  const env = readEnv(DispatcherEnv)
  return runDispatcher({
    redisUrl: env.REDIS_URL,
    board: env.KANBAN_BOARD,
    intervalMs: env.KANBAN_DISPATCH_INTERVAL_MS,
    leaseTtlMs: env.KANBAN_LEASE_TTL_MS,
    metricsPort: env.KANBAN_METRICS_PORT,
  })
})
