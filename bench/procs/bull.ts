/**
 * A plain BullMQ worker process, the baseline: a `Worker` on one queue with a no-op
 * processor, default options (completed jobs are kept, as our done tasks are).
 */
import { Redis } from 'ioredis'
import { Worker } from 'bullmq'
import type { Running, WorkerSpec } from './protocol.js'

export async function startBull(spec: WorkerSpec): Promise<Running> {
  const connection = new Redis(spec.url, { maxRetriesPerRequest: null })
  let processed = 0
  const errors: string[] = []
  const note = (e: unknown) => {
    if (errors.length < 20) errors.push(String(e))
  }
  const worker = new Worker(
    spec.queue,
    async () => {
      processed++
    },
    { connection, prefix: spec.name, concurrency: spec.concurrency },
  )
  worker.on('error', note)
  worker.on('failed', (_job, e) => note(e))
  await worker.waitUntilReady()
  return {
    async stop() {
      await worker.close()
      connection.disconnect()
      return { processed, errors }
    },
  }
}
