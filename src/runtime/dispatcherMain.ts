/** Container entrypoint (`node dist/runtime/dispatcherMain.js`): one dispatcher replica, configured by environment (config.ts); KANBAN_BOARDS serves many boards (runMany.ts). */
import { DispatcherEnv, readEnv } from './config.js'
import { entrypoint, runDispatcher } from './run.js'

await entrypoint('dispatcher', async () => {
  const env = readEnv(DispatcherEnv)
  const common = { redisUrl: env.REDIS_URL, intervalMs: env.KANBAN_DISPATCH_INTERVAL_MS, leaseTtlMs: env.KANBAN_LEASE_TTL_MS }
  if (env.KANBAN_BOARDS) {
    const { runMultiDispatcher } = await import('./runMany.js')
    return runMultiDispatcher({ ...common, boards: env.KANBAN_BOARDS, discoverEveryMs: env.KANBAN_DISCOVER_EVERY_MS })
  }
  return runDispatcher({ ...common, board: env.KANBAN_BOARD })
})
