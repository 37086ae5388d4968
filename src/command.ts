/**
 * Subprocess handler (docs/fleet.md): runs a shell command per task, for workers in any
 * language. The command gets KANBAN_BOARD, KANBAN_TASK, KANBAN_RUN_ID, KANBAN_REDIS_URL
 * and a private channel to this worker, KANBAN_CHANNEL (a Unix socket) with the run's
 * KANBAN_CHANNEL_SECRET (docs/handler-protocol.md): `kanban complete` and the other
 * reporting commands go through it — the worker performs them on its own connection,
 * fenced by the run id, for this task only — and a handler in any language can speak the
 * protocol itself. Exit 0 without a terminal call = protocol violation (the worker records
 * it; a run already closed refuses it), 75 = rate limited, any other exit or a signal =
 * crash with the tail of its output as the error. The abort signal kills the process group.
 * When the run is traced, TRACEPARENT (and TRACESTATE) name its process span.
 */
import { spawn } from 'node:child_process'
import type { Handler } from './worker.js'
import { RateLimitedError } from './worker.js'
import { ChannelServer } from './channel/server.js'
import { ENV_CHANNEL, ENV_SECRET } from './channel/protocol.js'
import { traceEnv } from './runTrace.js'

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
  /**
   * false: no channel; the command reports through the CLI's own Redis connection, as
   * before the channel existed (the bench's baseline). Default true.
   */
  channel?: boolean
  /** where the channel's private directory is made (default the OS temp dir) */
  channelDir?: string
}

/** A Handler holding the channel's socket: close() it after the worker to remove the socket's directory. */
export type CommandHandler = Handler & { close(): Promise<void> }

export function commandHandler(command: string, opts: CommandOptions): CommandHandler {
  const tailBytes = opts.tailBytes ?? 4000
  // one socket per handler, made at the first run: a worker that never runs a task makes none
  let server: Promise<ChannelServer> | undefined
  const channel = () => {
    server ??= ChannelServer.start(opts.channelDir).catch((e) => {
      server = undefined
      throw e
    })
    return server
  }
  const handler: Handler = async (task, ctx) => {
    const srv = opts.channel === false ? undefined : await channel()
    const session = srv?.open(task.id, ctx)
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...opts.env,
      KANBAN_BOARD: opts.board,
      KANBAN_TASK: task.id,
      KANBAN_RUN_ID: ctx.runId,
      KANBAN_REDIS_URL: opts.redisUrl,
    }
    // a worker started inside another handler must not hand that handler's channel down
    delete env[ENV_CHANNEL]
    delete env[ENV_SECRET]
    if (srv && session) Object.assign(env, { [ENV_CHANNEL]: srv.path, [ENV_SECRET]: session.secret })
    // the run's process span, when traced (docs/tracing.md#subprocess-handlers): not the worker's own
    const trace = traceEnv(ctx)
    if (trace.TRACEPARENT) {
      delete env.TRACESTATE
      Object.assign(env, trace)
    }
    // the run ends at abort (timeout, lost lease, shutdown): its secret is refused from then on
    const revoke = () => session?.end(`aborted: ${reasonOf(ctx.signal.reason)}`)
    ctx.signal.addEventListener('abort', revoke, { once: true })
    try {
      await run(command, env, tailBytes, opts, ctx.signal)
    } finally {
      ctx.signal.removeEventListener('abort', revoke)
      session?.end('the handler exited')
    }
  }
  return Object.assign(handler, {
    close: async () => {
      const s = server
      server = undefined
      if (s) await (await s.catch(() => undefined))?.close()
    },
  })
}

function run(command: string, env: NodeJS.ProcessEnv, tailBytes: number, opts: CommandOptions, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env })
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
    signal.addEventListener('abort', kill, { once: true })
    child.on('error', (e) => reject(new Error(`could not start ${JSON.stringify(command)}: ${e.message}`)))
    child.on('close', (code, sig) => {
      signal.removeEventListener('abort', kill)
      const out = tail.toString('utf8').trim()
      if (code === 0) resolve()
      else if (code === EXIT_RATE_LIMITED) reject(new RateLimitedError(out || 'command exited 75 (rate limited)'))
      else reject(new Error(`command ${sig ? `killed by ${sig}` : `exited ${code}`}${out ? `; output tail:\n${out}` : ''}`))
    })
  })
}

const reasonOf = (r: unknown) => (r instanceof Error ? r.message : String(r))
