/**
 * A worker process of ours: a real `Worker` (src/worker.ts) serving one lane, whose
 * handler does nothing but ctx.complete() — or, with `spec.command`, runs that shell
 * command per task (commandHandler, with or without its channel). The board handle
 * enqueues the children its completions promote at once (autoEnqueue), as workers do in
 * production. With `spec.tracing`, an OpenTelemetry SDK is registered for the run.
 */
import { Board } from '../../src/board.js'
import { Worker, type Handler } from '../../src/worker.js'
import { commandHandler, type CommandHandler } from '../../src/command.js'
import type { Running, WorkerSpec } from './protocol.js'

export async function startOurs(spec: WorkerSpec): Promise<Running> {
  const untrace = spec.tracing !== undefined ? (await import('../lib/tracingSdk.js')).registerTracing(spec.tracing) : null
  const board = await Board.open({ redis: spec.url, board: spec.name, autoEnqueue: true })
  let processed = 0
  const errors: string[] = []
  const command: CommandHandler | null = spec.command
    ? commandHandler(spec.command, { redisUrl: spec.url, board: spec.name, channel: spec.channel ?? true })
    : null
  const handler: Handler = command
    ? async (task, ctx) => {
        await command(task, ctx)
        processed++
      }
    : async (_task, ctx) => {
        if (await ctx.complete()) processed++
      }
  const worker = await new Worker({
    board,
    lanes: [spec.queue, ...(spec.moreLanes ?? [])],
    concurrency: spec.concurrency,
    name: `bench-${process.pid}`,
    handler,
    onError: (e) => {
      if (errors.length < 20) errors.push(String(e))
    },
  }).start()
  return {
    async stop() {
      await worker.close()
      await command?.close()
      await board.close()
      const spans = await untrace?.()
      // a traced run that exported no span measured nothing
      if (untrace && !spans && errors.length < 20) errors.push('tracing: no span exported')
      return { processed, errors }
    },
  }
}
