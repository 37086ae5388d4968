/** Container entrypoint (`node dist/runtime/workerMain.js`): a worker running KANBAN_COMMAND per task of KANBAN_LANES, configured by environment (config.ts). */
import { WorkerEnv, readEnv } from './config.js'
import { entrypoint, runWorker } from './run.js'

await entrypoint('worker', () => {
  const env = readEnv(WorkerEnv)
  return runWorker({
    redisUrl: env.REDIS_URL,
    board: env.KANBAN_BOARD,
    lanes: env.KANBAN_LANES,
    command: env.KANBAN_COMMAND,
    concurrency: env.KANBAN_CONCURRENCY,
    graceMs: env.KANBAN_GRACE_MS,
    name: env.KANBAN_WORKER_NAME,
    metricsPort: env.KANBAN_METRICS_PORT,
  })
})
