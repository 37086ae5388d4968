/**
 * A worker process of ours: a real `Worker` (src/worker.ts) serving one lane, whose
 * handler does nothing but ctx.complete(). The board handle enqueues the children its
 * completions promote at once (autoEnqueue), as workers do in production.
 */
import { Board } from '../../src/board.js'
import { Worker } from '../../src/worker.js'
import type { Running, WorkerSpec } from './protocol.js'

export async function startOurs(spec: WorkerSpec): Promise<Running> {
  const board = await Board.open({ redis: spec.url, board: spec.name, autoEnqueue: true })
  let processed = 0
  const errors: string[] = []
  const worker = await new Worker({
    board,
    lanes: [spec.queue, ...(spec.moreLanes ?? [])],
    concurrency: spec.concurrency,
    name: `bench-${process.pid}`,
    handler: async (_task, ctx) => {
      if (await ctx.complete()) processed++
    },
    onError: (e) => {
      if (errors.length < 20) errors.push(String(e))
    },
  }).start()
  return {
    async stop() {
      await worker.close()
      await board.close()
      return { processed, errors }
    },
  }
}
