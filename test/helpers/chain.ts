/**
 * A two-task chain (a, then b) on a lane, run to its end by one in-process worker: the
 * tracing tests' board, with or without an SDK registered.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { Worker, type Board } from '../../src/index.js'

export async function runChain(board: Board, lane: string): Promise<{ a: string; b: string }> {
  const ids = await board.createTasks([
    { ref: 'a', title: 'a', assignee: lane },
    { ref: 'b', title: 'b', assignee: lane, dependsOn: ['a'] },
  ])
  const worker = await new Worker({ board, lanes: [lane], handler: (_t, ctx) => void ctx.complete() }).start()
  try {
    for (let i = 0; i < 400 && (await board.getTask(ids.b!))?.status !== 'done'; i++) await sleep(25)
  } finally {
    await worker.close()
  }
  return { a: ids.a!, b: ids.b! }
}
