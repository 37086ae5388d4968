/** Container entrypoint (`node dist/runtime/workerMain.js`): a worker running KANBAN_COMMAND per task of KANBAN_LANES, configured by environment (config.ts). */
import { WorkerEnv, readEnv } from './config.js'
import { runWorker } from './run.js'

try {
  const env = readEnv(WorkerEnv)
  await runWorker({
    redisUrl: env.REDIS_URL,
    board: env.KANBAN_BOARD,
    lanes: env.KANBAN_LANES,
    command: env.KANBAN_COMMAND,
    concurrency: env.KANBAN_CONCURRENCY,
    graceMs: env.KANBAN_GRACE_MS,
    name: env.KANBAN_WORKER_NAME,
  })
} catch (e) {
  process.stderr.write(`worker: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exit(2)
}
