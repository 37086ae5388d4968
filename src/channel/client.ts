/**
 * The handler's end of the channel (docs/handler-protocol.md), for the CLI run inside a
 * subprocess handler: `kanban complete` and the other reporting commands send their call to
 * the worker that started the handler instead of connecting to Redis. Light on purpose —
 * node:net, JSON and the error classes only, never ioredis, zod, bullmq or the Board (type
 * imports aside): a handler pays for a small module load and one local round trip.
 */
import { createConnection, type Socket } from 'node:net'
import { ERROR_CODES, KanbanError, ValidationError, type ErrorCode } from '../errors.js'
import type { Board } from '../board.js'
import type { CreateTaskInput, WorkerContextOptions as WorkerContextCaps } from '../schemas.js'
import type { FailureResult, Task, WorkerContext } from '../types.js'
import { ENV_CHANNEL, ENV_SECRET, type Op, type Reply, type ReplyError } from './protocol.js'

/** The CLI commands that go through the channel inside a handler. */
export const CHANNEL_COMMANDS: ReadonlySet<string> = new Set(['complete', 'block', 'heartbeat', 'fail', 'review', 'context', 'comment', 'create'])

/**
 * The board a CLI command uses inside a handler: a channel-backed one when the process is
 * a handler's (KANBAN_CHANNEL set), the command reports on a run, and the board is the
 * handler's own (`--board` naming another board goes to Redis as usual).
 */
export function handlerChannel(command: string, boardName: string, env: NodeJS.ProcessEnv = process.env): ChannelBoard | undefined {
  const path = env[ENV_CHANNEL]
  if (!path || !CHANNEL_COMMANDS.has(command)) return undefined
  if (env.KANBAN_BOARD && boardName !== env.KANBAN_BOARD) return undefined
  return new ChannelBoard(new ChannelClient(path, env[ENV_SECRET] ?? ''))
}

type Waiter = { resolve(v: { result: unknown; task?: unknown }): void; reject(e: Error): void }

/** One connection, requests answered in order (the protocol's framing: a JSON object per line). */
export class ChannelClient {
  private sock: Promise<Socket> | undefined
  private buf = ''
  private readonly waiting: Waiter[] = []

  constructor(
    readonly path: string,
    private readonly secret: string,
  ) {}

  /** The reply's result; a write's reply also carries its task (protocol.ts). */
  async call(op: Op, fields: Record<string, unknown> = {}): Promise<{ result: unknown; task?: unknown }> {
    const sock = await (this.sock ??= this.connect())
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject })
      sock.write(`${JSON.stringify({ op, secret: this.secret, ...fields })}\n`)
    })
  }

  close(): void {
    void this.sock?.then(
      (s) => s.destroy(),
      () => undefined,
    )
  }

  private connect(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const sock = createConnection(this.path)
      let connected = false
      sock.setEncoding('utf8')
      sock.on('connect', () => {
        connected = true
        resolve(sock)
      })
      sock.on('data', (d: string) => this.receive(d))
      sock.on('error', (e) => {
        const err = failed(
          connected
            ? `channel: lost the connection to the worker: ${e.message}`
            : `channel: cannot reach the worker at ${this.path} (${e.message}); the worker that started this handler has stopped`,
        )
        if (!connected) reject(err)
        this.failAll(err)
      })
      sock.on('close', () => this.failAll(failed('channel: the worker closed the channel before replying')))
    })
  }

  private receive(d: string): void {
    this.buf += d
    for (let nl = this.buf.indexOf('\n'); nl >= 0; nl = this.buf.indexOf('\n')) {
      const line = this.buf.slice(0, nl)
      this.buf = this.buf.slice(nl + 1)
      const w = this.waiting.shift()
      if (!w) continue
      let r: Reply
      try {
        r = JSON.parse(line) as Reply
      } catch {
        w.reject(failed(`channel: expected a JSON reply from the worker, got ${JSON.stringify(line.slice(0, 80))}`))
        continue
      }
      if (r.ok) w.resolve(r)
      else w.reject(errorOf(r.error))
    }
  }

  private failAll(e: Error): void {
    for (const w of this.waiting.splice(0)) w.reject(e)
  }
}

const failed = (message: string) => new KanbanError('CHANNEL_FAILED', message)

/** The library's error back from its wire form: ValidationError (bad input, CLI exit 2) or KanbanError (refused, exit 1). */
function errorOf(e: ReplyError): KanbanError {
  const code = (ERROR_CODES as readonly string[]).includes(e.code) ? (e.code as ErrorCode) : 'CHANNEL_FAILED'
  return e.name === 'ValidationError' ? new ValidationError(code, e.message) : new KanbanError(code, e.message)
}

type Reporting =
  'completeTask' | 'blockTask' | 'heartbeat' | 'requestReview' | 'recordFailure' | 'workerContext' | 'addComment' | 'createTask' | 'getTask' | 'now' | 'close'

/** The Board methods the reporting commands call, performed by the worker through the channel. */
export class ChannelBoard implements Pick<Board, Reporting> {
  /**
   * Tasks as the last reply carrying them showed them: the handler's own after a write
   * (the CLI prints its new status), a task it created (`create --json` prints it).
   */
  private readonly known = new Map<string, Task | null>()

  constructor(readonly client: ChannelClient) {}

  private async call(op: Op, fields: Record<string, unknown>): Promise<unknown> {
    const r = await this.client.call(op, fields)
    if (r.task !== undefined && typeof fields.task === 'string') this.known.set(fields.task, r.task as Task | null)
    return r.result
  }

  async completeTask(id: string, opts: { runId?: string; result?: string; summary?: string; metadata?: Record<string, unknown> } = {}): Promise<boolean> {
    const { runId, ...f } = opts
    return (await this.call('complete', { ...target(id, runId), ...f })) as boolean
  }

  async blockTask(id: string, opts: { reason: string; kind?: string; runId?: string }): Promise<boolean> {
    const { runId, ...f } = opts
    return (await this.call('block', { ...target(id, runId), ...f })) as boolean
  }

  async heartbeat(id: string, opts: { runId: string; note?: string }): Promise<boolean> {
    return (await this.call('heartbeat', { ...target(id, opts.runId), note: opts.note })) as boolean
  }

  async requestReview(id: string, opts: { runId?: string; reviewer?: string; summary?: string } = {}): Promise<boolean> {
    const { runId, ...f } = opts
    return (await this.call('review', { ...target(id, runId), ...f })) as boolean
  }

  async recordFailure(id: string, opts: { runId?: string; outcome: string; error: string; cooldownMs?: number }): Promise<FailureResult> {
    const { runId, ...f } = opts
    return (await this.call('fail', { ...target(id, runId), ...f })) as FailureResult
  }

  async workerContext(id: string, opts: WorkerContextCaps = {}): Promise<WorkerContext> {
    return (await this.call('context', { ...target(id), ...opts })) as WorkerContext
  }

  async addComment(id: string, opts: { author: string; body: string }): Promise<number> {
    return (await this.call('comment', { ...target(id), ...opts })) as number
  }

  async createTask(input: CreateTaskInput): Promise<string> {
    const r = (await this.call('create', { ...input })) as { id: string; task: Task | null }
    this.known.set(r.id, r.task)
    return r.id
  }

  async getTask(id: string): Promise<Task | null> {
    const t = this.known.get(id)
    if (t !== undefined) return t
    return (await this.call('get', target(id))) as Task | null
  }

  /** For `--run-at +10m`: the worker is on this machine, and without Redis this is the clock there is. */
  async now(): Promise<number> {
    return Date.now()
  }

  async close(): Promise<void> {
    this.client.close()
  }
}

const target = (task: string, run?: string) => (run === undefined ? { task } : { task, run })
