/**
 * The worker's end of the handler channel (docs/handler-protocol.md): a Unix socket in a
 * private directory (mkdtemp, mode 0700) that a worker's subprocess handlers call to report
 * on their run. Each run gets a session keyed by a random secret; a request is performed
 * through that run's HandlerContext — on the worker's open connection, fenced by the run
 * id — and only for that run's own task. When the run ends (the handler exits, or its
 * signal fires: timeout, lost lease, shutdown) the secret is refused.
 */
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KanbanError, ValidationError, show } from '../errors.js'
import type { HandlerContext } from '../worker.js'
import { ENVELOPE, MAX_LINE_BYTES, OP_FIELDS, OPS, WRITES, type Op, type Reply } from './protocol.js'

interface Session {
  taskId: string
  runId: string
  ctx: HandlerContext
}

/** Ended runs remembered so a late call hears "run r12 has ended" rather than "unknown secret". */
const ENDED_KEPT = 1000

export class ChannelServer {
  private readonly sessions = new Map<string, Session>()
  private readonly ended = new Map<string, { taskId: string; runId: string; why: string }>()
  private readonly sockets = new Set<Socket>()
  private readonly cleanup = () => rmSync(this.dir, { recursive: true, force: true })
  private closed = false

  private constructor(
    readonly dir: string,
    readonly path: string,
    private readonly server: Server,
  ) {}

  /** `parent`: where the private directory goes (default the OS temp dir; a socket path must stay under ~100 bytes). */
  static async start(parent = tmpdir()): Promise<ChannelServer> {
    const dir = mkdtempSync(join(parent, 'kanban-'))
    chmodSync(dir, 0o700)
    const path = join(dir, 'channel.sock')
    const server = createServer()
    const self = new ChannelServer(dir, path, server)
    server.on('connection', (s) => self.serve(s))
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(path, () => {
          server.off('error', reject)
          resolve()
        })
      })
    } catch (e) {
      self.cleanup()
      throw e
    }
    // the listening socket must not keep a finished worker process alive
    server.unref()
    // a process that exits without close() still leaves no directory behind
    process.on('exit', self.cleanup)
    return self
  }

  /** Opens a run's session; `end` revokes its secret (idempotent). */
  open(taskId: string, ctx: HandlerContext): { secret: string; end(why: string): void } {
    const secret = randomBytes(24).toString('base64url')
    this.sessions.set(secret, { taskId, runId: ctx.runId, ctx })
    return {
      secret,
      end: (why) => {
        if (!this.sessions.delete(secret)) return
        this.ended.set(secret, { taskId, runId: ctx.runId, why })
        if (this.ended.size > ENDED_KEPT) this.ended.delete(this.ended.keys().next().value!)
      },
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    process.off('exit', this.cleanup)
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((r) => this.server.close(() => r()))
    this.cleanup()
  }

  private serve(sock: Socket): void {
    this.sockets.add(sock)
    sock.on('close', () => this.sockets.delete(sock))
    sock.on('error', () => undefined) // the handler went away mid-reply: nothing to tell anyone
    let buf: Buffer = Buffer.alloc(0)
    // one request at a time per connection, so replies come back in request order
    let queue = Promise.resolve()
    const send = (r: Reply) => {
      if (!sock.destroyed) sock.write(`${JSON.stringify(r)}\n`)
    }
    sock.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk
      for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10)) {
        const line = buf.subarray(0, nl).toString('utf8').trim()
        buf = buf.subarray(nl + 1)
        if (line) queue = queue.then(() => this.handle(line).then(send))
      }
      if (buf.length > MAX_LINE_BYTES) {
        buf = Buffer.alloc(0)
        queue = queue.then(() => {
          send(refusal(new ValidationError('INVALID_INPUT', `channel: expected a request line of at most ${MAX_LINE_BYTES} bytes`)))
          sock.end()
        })
      }
    })
  }

  private async handle(line: string): Promise<Reply> {
    try {
      return await this.perform(line)
    } catch (e) {
      return refusal(e)
    }
  }

  private async perform(line: string): Promise<Reply> {
    let req: unknown
    try {
      req = JSON.parse(line)
    } catch {
      throw new ValidationError('INVALID_INPUT', `channel: expected one JSON object per line, got ${show(line)}`)
    }
    if (req === null || typeof req !== 'object' || Array.isArray(req)) {
      throw new ValidationError('INVALID_INPUT', `channel: expected one JSON object per line, got ${show(line)}`)
    }
    const r = req as Record<string, unknown>
    // the secret first: a caller without it learns nothing about runs or ops
    const s = this.session(r.secret)
    const op = r.op
    if (typeof op !== 'string' || !(OPS as string[]).includes(op)) {
      throw new ValidationError('INVALID_INPUT', `channel: op: expected one of ${OPS.join(', ')}, got ${show(op)}`)
    }
    const mine = `${s.taskId}, run ${s.runId}`
    if (r.task !== undefined && r.task !== s.taskId) {
      throw new KanbanError(
        'NOT_OWN_TASK',
        `task ${typeof r.task === 'string' ? r.task : show(r.task)} is not this handler's task (${mine}); nothing was written`,
        {
          task: r.task,
          own: s.taskId,
          run: s.runId,
        },
      )
    }
    if (r.run !== undefined && r.run !== s.runId) {
      throw new KanbanError(
        'NOT_OWN_TASK',
        `run ${typeof r.run === 'string' ? r.run : show(r.run)} is not this handler's run (task ${mine}); nothing was written`,
        {
          run: r.run,
          own: s.runId,
          task: s.taskId,
        },
      )
    }
    const fields: Record<string, unknown> = {}
    const allowed: readonly string[] = OP_FIELDS[op as Op]
    for (const [k, v] of Object.entries(r)) {
      if ((ENVELOPE as readonly string[]).includes(k)) continue
      if (!allowed.includes(k)) {
        throw new ValidationError(
          'INVALID_INPUT',
          `channel ${op}: expected no field named ${k}${allowed.length ? ` (fields: ${allowed.join(', ')})` : ''}, got ${show(v)}`,
          { field: k },
        )
      }
      if (v !== undefined) fields[k] = v
    }
    const result = await this.dispatch(op as Op, fields, s)
    // the task after a write, read here: the CLI prints its new status, and a write that
    // ends the run (or finds it gone) revokes the secret before the handler could ask
    if (!WRITES.includes(op as Op)) return { ok: true, result }
    return { ok: true, result, task: await s.ctx.board.getTask(s.taskId) }
  }

  private session(secret: unknown): Session {
    if (typeof secret !== 'string' || !secret) {
      throw new KanbanError('CHANNEL_REFUSED', 'channel: missing secret (send the value of KANBAN_CHANNEL_SECRET as "secret")')
    }
    const s = this.sessions.get(secret)
    if (s) return s
    const gone = this.ended.get(secret)
    if (gone) {
      throw new KanbanError('CHANNEL_REFUSED', `channel: run ${gone.runId} of task ${gone.taskId} has ended (${gone.why}); its secret is no longer valid`, {
        task: gone.taskId,
        run: gone.runId,
      })
    }
    throw new KanbanError('CHANNEL_REFUSED', 'channel: wrong secret: not the secret of a handler running on this worker')
  }

  /** The fields are passed on as given: the board's zod schemas validate them (strict objects). */
  private async dispatch(op: Op, f: Record<string, unknown>, s: Session): Promise<unknown> {
    const { ctx } = s
    switch (op) {
      case 'complete':
        return ctx.complete(f as never)
      case 'block':
        return ctx.block(f as never)
      case 'review':
        return ctx.requestReview(f as never)
      case 'heartbeat':
        return ctx.heartbeat(f.note as never)
      case 'fail':
        return ctx.fail(f as never)
      case 'context':
        return ctx.workerContext(f as never)
      case 'comment':
        // the CLI names the person (--author, default $USER); a bare client gets the worker's name
        return f.author === undefined ? ctx.comment(f.body as never) : ctx.board.addComment(s.taskId, f as never)
      case 'create': {
        const id = await ctx.createTask(f as never)
        return { id, task: await ctx.board.getTask(id) }
      }
      case 'get':
        return ctx.board.getTask(s.taskId)
    }
  }
}

function refusal(e: unknown): Reply {
  if (e instanceof KanbanError) return { ok: false, error: { code: e.code, name: e.name, message: e.message } }
  // not the handler's fault (Redis unreachable, a bug): the handler hears it, the worker goes on
  const message = e instanceof Error ? e.message : String(e)
  return { ok: false, error: { code: 'CHANNEL_FAILED', name: 'Error', message: `channel: the worker could not perform the request: ${message}` } }
}
