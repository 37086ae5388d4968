/**
 * Subprocess handler (SPEC §8): runs a shell command per task, for workers in any
 * language. The command gets KANBAN_BOARD, KANBAN_TASK, KANBAN_RUN_ID and KANBAN_REDIS_URL
 * and reports through the CLI (`kanban complete --task $KANBAN_TASK --run $KANBAN_RUN_ID`).
 * Exit 0 without a terminal call = protocol violation (the worker records it; a run the
 * CLI already closed refuses it), 75 = rate limited, any other exit or a signal = crash
 * with the tail of its output as the error. The abort signal kills the process group.
 */
import { spawn } from 'node:child_process'
import type { Handler } from './worker.js'
import { RateLimitedError } from './worker.js'

export const EXIT_RATE_LIMITED = 75

export interface CommandOptions {
  redisUrl: string
  board: string
  /** bytes of combined stdout/stderr kept for the crash report */
  tailBytes?: number
  /** extra environment */
  env?: Record<string, string>
  /** after the abort signal, SIGKILL follows SIGTERM after this long */
  killAfterMs?: number
  /** where the command's output also goes (default: discarded beyond the tail) */
  onOutput?: (chunk: Buffer) => void
}

export function commandHandler(command: string, opts: CommandOptions): Handler {
  const tailBytes = opts.tailBytes ?? 4000
  return (task, ctx) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', command], {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          ...opts.env,
          KANBAN_BOARD: opts.board,
          KANBAN_TASK: task.id,
          KANBAN_RUN_ID: ctx.runId,
          KANBAN_REDIS_URL: opts.redisUrl,
        },
      })
      let tail = Buffer.alloc(0)
      const keep = (chunk: Buffer) => {
        opts.onOutput?.(chunk)
        tail = Buffer.concat([tail, chunk])
        if (tail.length > tailBytes) tail = tail.subarray(tail.length - tailBytes)
      }
      child.stdout.on('data', keep)
      child.stderr.on('data', keep)
      const kill = () => {
        try {
          process.kill(-child.pid!, 'SIGTERM')
          setTimeout(() => {
            try {
              process.kill(-child.pid!, 'SIGKILL')
            } catch {
              /* already gone */
            }
          }, opts.killAfterMs ?? 5000).unref()
        } catch {
          /* already gone */
        }
      }
      ctx.signal.addEventListener('abort', kill, { once: true })
      child.on('error', (e) => reject(new Error(`could not start ${JSON.stringify(command)}: ${e.message}`)))
      child.on('close', (code, signal) => {
        ctx.signal.removeEventListener('abort', kill)
        const out = tail.toString('utf8').trim()
        if (code === 0) resolve()
        else if (code === EXIT_RATE_LIMITED) reject(new RateLimitedError(out || 'command exited 75 (rate limited)'))
        else reject(new Error(`command ${signal ? `killed by ${signal}` : `exited ${code}`}${out ? `; output tail:\n${out}` : ''}`))
      })
    })
}
