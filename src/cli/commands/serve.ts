/**
 * `kanban serve`: the HTTP API and the dashboard for one or more boards (docs/http-api.md),
 * loaded only when it starts — hono and the server never load for another command.
 * `kanban token`: a new token and the hashed entry to configure it with.
 */
import { createHash, randomBytes } from 'node:crypto'
import { KanbanError, ValidationError, type ErrorCode } from '../../errors.js'
import { UsageError } from '../args.js'
import { print, type Command } from '../context.js'

const serve: Command = {
  name: 'serve',
  summary: 'serve the HTTP API and the dashboard for one or more boards (--board a,b)',
  usage: 'serve [--port <n>] [--host <addr>] [--board <name>[,<name>]...]',
  options: { port: { type: 'string' }, host: { type: 'string' } },
  // --board names several boards: the server opens them (and checks Redis) itself
  board: 'none',
  async run(ctx) {
    const f = ctx.flags
    f.args(0, '')
    const port = f.str('port')
    const host = f.str('host')
    // --board (or KANBAN_BOARDS, else KANBAN_BOARD) may name several boards
    const boards = f.str('board') ?? process.env.KANBAN_BOARDS ?? ctx.boardName
    const { readEnv, ServeEnv } = await import('../../runtime/config.js')
    const { runServe, serveConfig } = await import('../../runtime/serve.js')
    const env = readEnv(ServeEnv, {
      ...process.env,
      REDIS_URL: ctx.redisUrl,
      KANBAN_BOARDS: boards,
      ...(port !== undefined ? { KANBAN_PORT: port } : {}),
      ...(host !== undefined ? { KANBAN_HOST: host } : {}),
    })
    try {
      await runServe(serveConfig(env))
    } catch (e) {
      throw asOwnError(e)
    }
    return 'running'
  },
}

/**
 * The server runs from the library's build, not from the bundle (scripts/bundle-cli.mjs), so
 * its errors are the library's classes, not the bundle's: the same error as the bundle's
 * class, so that `kanban serve` reports them as every command does (exit 2 for bad input).
 */
function asOwnError(e: unknown): unknown {
  if (!(e instanceof Error) || e instanceof KanbanError) return e
  const { code, details } = e as Error & { code?: unknown; details?: Record<string, unknown> }
  if (typeof code !== 'string') return e
  if (e.name === 'ValidationError') return new ValidationError(code as ErrorCode, e.message, details)
  if (e.name === 'KanbanError') return new KanbanError(code as ErrorCode, e.message, details)
  return e
}

const ROLES = ['viewer', 'operator', 'admin']

const token: Command = {
  name: 'token',
  summary: 'make a token for `kanban serve`: prints it once, and the hashed entry for KANBAN_TOKENS_FILE',
  usage: 'token --name <name> --role viewer|operator|admin [--boards <a>[,<b>]...] [--stdin]',
  options: { name: { type: 'string' }, role: { type: 'string' }, boards: { type: 'string' }, stdin: { type: 'boolean' } },
  board: 'none',
  async run(ctx) {
    const f = ctx.flags
    f.args(0, '')
    const name = f.need('name').trim()
    if (!name || name.length > 200) throw new UsageError(`--name: expected 1-200 characters, got ${JSON.stringify(name)}`)
    const role = f.need('role')
    if (!ROLES.includes(role)) throw new UsageError(`--role: expected viewer, operator or admin, got ${JSON.stringify(role)}`)
    const boards = f
      .str('boards')
      ?.split(',')
      .map((b) => b.trim())
      .filter(Boolean)
    let secret: string
    if (f.bool('stdin')) {
      // an existing token, read from stdin (never from argv)
      const chunks: Buffer[] = []
      for await (const c of process.stdin) chunks.push(c as Buffer)
      secret = Buffer.concat(chunks)
        .toString('utf8')
        .replace(/\r?\n$/, '')
      if (!secret) throw new UsageError('--stdin: expected a token on stdin, got nothing')
    } else secret = `kq_${randomBytes(32).toString('base64url')}`
    const entry = { name, sha256: createHash('sha256').update(secret, 'utf8').digest('hex'), role, ...(boards?.length ? { boards } : {}) }
    print(ctx, { token: f.bool('stdin') ? undefined : secret, entry }, () =>
      [
        ...(f.bool('stdin') ? [] : [`token: ${secret}`, '(shown once: give it to its user; only its sha256 is configured)']),
        `entry for KANBAN_TOKENS_FILE: ${JSON.stringify(entry)}`,
      ].join('\n'),
    )
    return 0
  },
}

export const serveCommands: Command[] = [serve, token]
