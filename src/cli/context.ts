/**
 * What every command gets: the open board, its flags, and the output helpers that keep
 * `--json` (machine-readable JSON on stdout, the API's shapes) and the human form apart.
 */
import type { Board } from '../board.js'
import type { Task } from '../types.js'
import { Flags, UsageError, type Options } from './args.js'
import { REDIS_URL_EXPECTED, REDIS_URL_FORM } from '../redisUrlForm.js'

export interface Ctx {
  cmd: string
  flags: Flags
  json: boolean
  boardName: string
  redisUrl: string
  /** The board, opened with autoEnqueue (so promoted children are enqueued at once). */
  board: Board
}

/** A command's result: an exit code, or 'running' for a long-lived process (dispatcher, worker). */
export type Exit = number | 'running'

export interface Command {
  name: string
  summary: string
  /** e.g. 'complete <id> | --task <id> --run <run> [--result <text>]' */
  usage: string
  options?: Options
  /** false: the command opens no board itself (dispatcher, worker); 'none': nor checks Redis first (serve, token) */
  board?: boolean | 'none'
  run(ctx: Ctx): Promise<Exit>
}

/**
 * A command's open board and how to let it go. main.ts gets it from openBoard (open.ts:
 * ioredis and the library, loaded only once a command needs them).
 */
export interface Opened {
  /** undefined for a command that opens its own connections (cmd.board === false) */
  board: Board | undefined
  close(): Promise<void>
}

/** Redis unreachable, or the connection broke: exit 1 with this message. */
export class ConnectError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ConnectError'
  }
}

export function redisUrlOf(flag: string | undefined): string {
  const url = flag ?? (process.env.KANBAN_REDIS_URL || process.env.REDIS_URL || 'redis://127.0.0.1:6379')
  if (!REDIS_URL_FORM.test(url)) throw new UsageError(`--redis: ${REDIS_URL_EXPECTED}, got ${JSON.stringify(url)}`)
  return url
}

export function boardNameOf(flag: string | undefined): string {
  return flag ?? (process.env.KANBAN_BOARD || 'default')
}

export function isConnectionError(e: unknown): boolean {
  const m = e instanceof Error ? e.message : ''
  return /Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|max retries per request|Stream isn't writeable/i.test(m)
}

export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
}

export function err(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`)
}

/** JSON on stdout with --json, else the human text. */
export function print(ctx: Ctx, data: unknown, human: () => string): void {
  if (ctx.json) out(JSON.stringify(data, null, 2))
  else {
    const h = human()
    if (h) out(h)
  }
}

/**
 * The end of a boolean operation: ok -> the task's new status (exit 0); refused -> the
 * task's actual state on stderr (exit 1). `--json` prints `{ ok, task }` either way.
 */
export async function finish(ctx: Ctx, ok: boolean, id: string, verb: string, why?: (t: Task) => string | undefined): Promise<Exit> {
  const task = await ctx.board.getTask(id)
  if (ctx.json) out(JSON.stringify({ ok, task }, null, 2))
  if (ok) {
    if (!ctx.json) out(task ? `${id}: ${task.status}` : `${id}: ${verb}`)
    return 0
  }
  const detail = task ? (why?.(task) ?? `task ${id} is ${task.status}${task.currentRunId ? ` (open run ${task.currentRunId})` : ''}`) : `task ${id} is gone`
  err(`kanban ${ctx.cmd}: refused: ${detail}`)
  return 1
}
