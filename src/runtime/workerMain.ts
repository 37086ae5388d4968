/** Container entrypoint (`node dist/runtime/workerMain.js`): a worker running KANBAN_COMMAND per task of KANBAN_LANES, configured by environment (config.ts); KANBAN_BOARDS serves many boards (runMany.ts). */
import { WorkerEnv, readEnv } from './config.js'
import { entrypoint, runWorker } from './run.js'

await entrypoint('worker', async () => {
  const env = readEnv(WorkerEnv)
  const common = {
    redisUrl: env.REDIS_URL,
    lanes: env.KANBAN_LANES,
    command: env.KANBAN_COMMAND,
    concurrency: env.KANBAN_CONCURRENCY,
    graceMs: env.KANBAN_GRACE_MS,
    name: env.KANBAN_WORKER_NAME,
  }
  if (env.KANBAN_BOARDS) {
    const { runMultiWorker } = await import('./runMany.js')
    return runMultiWorker({ ...common, boards: env.KANBAN_BOARDS, discoverEveryMs: env.KANBAN_DISCOVER_EVERY_MS })
  }
  return runWorker({ ...common, board: env.KANBAN_BOARD })
})
