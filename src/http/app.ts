/**
 * The HTTP API and the dashboard (docs/http-api.md): `createApp()` gives a Hono app — one
 * `fetch(Request) => Response` handler that mounts in any framework speaking the Fetch API
 * — and `close()` for what it holds (the boards' connection, the event readers, the lane
 * brokers of HTTP workers). `kanban serve` runs it on Node's HTTP server (node.ts).
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { OpenAPIHono } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { Cluster, Redis } from 'ioredis'
import { Auth, checkOrigin, requireBoard, type AuthOptions } from './auth.js'
import { Claims, type ClaimsOptions } from './claims.js'
import { registerBodies, route, type Env, type Registry } from './define.js'
import { HttpError, toHttpError } from './errors.js'
import { BoardPool } from './pool.js'
import { boardRoutes } from './routes/board.js'
import { operationRoutes } from './routes/operations.js'
import { taskRoutes } from './routes/tasks.js'
import { workerRoutes } from './routes/worker.js'
import { SHAPES } from './shapes.js'
import { FleetFeeds, type FleetFeed } from './fleetFeed.js'
import { EventHub } from './sse.js'
import { serveDashboard, SECURITY_HEADERS } from './static.js'

export interface AppOptions {
  /** a Redis URL (one connection, closed by close()) or an ioredis instance (left open) */
  redis: string | Redis | Cluster
  /** the boards served */
  boards: string[]
  auth: AuthOptions
  /** the dashboard's build (index.html, assets/); default dist/dashboard of the package; null: none */
  dashboardDir?: string | null
  /** SSE keep-alive comment period (default 15 s) */
  keepAliveMs?: number
  /** the lane brokers of HTTP workers */
  claims?: ClaimsOptions
  /** errors the server survives (a broken SSE reader, a bug behind a 500) */
  onError?: (e: unknown, where: string) => void
}

export interface KanbanApp {
  app: OpenAPIHono<Env>
  fetch: OpenAPIHono<Env>['fetch']
  /** the OpenAPI 3.1 document (also served at /api/openapi.json) */
  openapi(): Record<string, unknown>
  close(): Promise<void>
}

export const OPENAPI_INFO = {
  openapi: '3.1.0',
  info: {
    title: 'kanban-queue HTTP API',
    version: '1',
    description: 'Every board operation, the dashboard reads, live events (SSE) and worker endpoints. Guide: docs/http-api.md.',
  },
} as const

export async function createApp(opts: AppOptions): Promise<KanbanApp> {
  if (opts.boards.length === 0) throw new HttpError(400, 'INVALID_INPUT', 'createApp: boards: expected at least one board')
  const onError = opts.onError ?? (() => undefined)
  const pool = await BoardPool.open(opts.redis, opts.boards)
  const auth = new Auth(opts.auth, pool.redis)
  const hubs = new Map<string, EventHub>()
  const claims = new Claims({ ...opts.claims, onError: opts.claims?.onError ?? ((e) => onError(e, 'claims')) })
  const hub = (board: string) => {
    let h = hubs.get(board)
    if (!h) {
      h = new EventHub(pool.reader(board), 5000, (e) => onError(e, 'sse'))
      hubs.set(board, h)
    }
    return h
  }
  const feeds = new FleetFeeds(
    (b) => pool.reader(b),
    (b) => claims.waiting(b),
    (e) => onError(e, 'fleet'),
  )
  const dashboardDir = opts.dashboardDir === undefined ? defaultDashboardDir() : opts.dashboardDir

  const app = buildApp({
    auth,
    pool,
    hub,
    feed: (b) => feeds.of(b),
    claims,
    keepAliveMs: opts.keepAliveMs ?? 15_000,
    publicOrigin: opts.auth.publicOrigin,
    dashboardDir,
    onError,
  })
  const openapi = () => document(app)

  let closing: Promise<void> | null = null
  return {
    app,
    fetch: app.fetch,
    openapi,
    close: () =>
      (closing ??= (async () => {
        await Promise.all([...hubs.values()].map((h) => h.close()))
        await feeds.close()
        await claims.close()
        await pool.close()
      })()),
  }
}

interface Deps {
  auth: Auth
  pool: Pick<BoardPool, 'has' | 'reader' | 'as' | 'names' | 'redis'>
  hub(board: string): EventHub
  /** the fleet pushed on event streams (none in the document-only app) */
  feed?(board: string): FleetFeed
  claims: Claims
  keepAliveMs: number
  publicOrigin?: string | undefined
  dashboardDir: string | null
  onError(e: unknown, where: string): void
}

/** The routes and their middleware over what they use: the served boards, the event hubs, the lane brokers. */
function buildApp(d: Deps): OpenAPIHono<Env> {
  const app = new OpenAPIHono<Env>()
  app.onError((e, c) => {
    const r = toHttpError(e)
    if (r.internal) d.onError(e, `${c.req.method} ${c.req.path}`)
    return c.json(r.body, r.status, r.headers)
  })
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `no route ${c.req.method} ${c.req.path}` } }, 404))
  app.use('*', async (c, next) => {
    await next()
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) if (!c.res.headers.has(k)) c.res.headers.set(k, v)
  })

  // who is calling: every /api route but health, the document and login needs it (each
  // route checks its role); a state-changing cookie request must pass the origin check
  app.use('/api/*', async (c, next) => {
    const principal = await d.auth.authenticate(c.req.header('authorization'), c.req.header('cookie'))
    c.set('principal', principal)
    if (principal?.via === 'cookie' && !SAFE.has(c.req.method)) checkOrigin(originHeaders(c), ownOrigin(c, d.publicOrigin))
    await next()
    // the session's TTL slides in Redis: the cookie's Max-Age slides with it (unless the route set one: logout)
    if (principal?.renewCookie && !c.res.headers.has('set-cookie')) c.res.headers.append('set-cookie', principal.renewCookie)
  })
  app.use('/api/boards/:board/*', async (c, next) => {
    const board = c.req.param('board') ?? ''
    if (!d.pool.has(board))
      throw new HttpError(404, 'BOARD_NOT_FOUND', `board: expected one of the boards this server serves, got ${JSON.stringify(board)}`, { field: 'board' })
    const p = c.get('principal')
    if (!p) throw new HttpError(401, 'UNAUTHENTICATED', 'authentication required: no credentials', { headers: { 'www-authenticate': 'Bearer realm="kanban"' } })
    requireBoard(p, board)
    c.set('board', board)
    await next()
  })

  const reg: Registry = { app, reader: (b) => d.pool.reader(b), handle: (b, actor) => d.pool.as(b, actor) }
  for (const [name, schema] of Object.entries(SHAPES)) app.openAPIRegistry.registerComponent('schemas', name, schema as never)
  registerBodies(reg)
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'a configured token (docs/deployment.md#tokens)',
  })
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: 'kanban_session',
    description: 'the session cookie set by POST /api/login',
  })

  sessionRoutes(reg, d.auth, d.pool, d.publicOrigin)
  taskRoutes(reg)
  boardRoutes(reg, { hub: d.hub, fleet: d.feed, httpWorkers: (b) => d.claims.waiting(b), keepAliveMs: d.keepAliveMs, onError: (e) => d.onError(e, 'sse') })
  workerRoutes(reg, d.claims)
  operationRoutes(reg, { redis: () => d.pool.redis, boards: () => d.pool.names })

  let doc: Record<string, unknown> | null = null
  app.get('/api/openapi.json', (c) => c.json((doc ??= document(app))))
  app.all('/api/*', (c) => c.json({ error: { code: 'NOT_FOUND', message: `no route ${c.req.method} ${c.req.path}` } }, 404))
  if (d.dashboardDir) serveDashboard(app, d.dashboardDir)
  else app.get('/', (c) => c.text('kanban-queue: the API is under /api (docs/http-api.md); the dashboard is not built here (dist/dashboard is missing)\n', 404))

  return app
}

const document = (app: OpenAPIHono<Env>) => app.getOpenAPI31Document(OPENAPI_INFO) as unknown as Record<string, unknown>

/** The OpenAPI 3.1 document without a server (scripts/openapi.mjs writes docs/openapi.json from it). */
export function openapiDocument(): Record<string, unknown> {
  const none = () => {
    throw new Error('no boards: a document-only app')
  }
  const pool = { has: () => false, reader: none, as: none, names: [], redis: { ping: async () => 'PONG' } as unknown as BoardPool['redis'] }
  return document(
    buildApp({ auth: new Auth({ tokens: 'none' }), pool, hub: none, claims: new Claims(), keepAliveMs: 15_000, dashboardDir: null, onError: () => undefined }),
  )
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS'])

function originHeaders(c: Context<Env>) {
  const site = c.req.header('sec-fetch-site')
  const origin = c.req.header('origin')
  return { ...(site !== undefined ? { secFetchSite: site } : {}), ...(origin !== undefined ? { origin } : {}) }
}

function ownOrigin(c: Context<Env>, publicOrigin?: string): string {
  return publicOrigin ?? new URL(c.req.url).origin
}

function sessionRoutes(reg: Registry, auth: Auth, pool: Deps['pool'], publicOrigin?: string): void {
  route(
    reg,
    {
      method: 'post',
      path: '/api/login',
      role: null,
      tag: 'session',
      op: 'login',
      summary: 'log in with a token: sets the HttpOnly, SameSite=Strict session cookie',
      description: 'Rate limited: 10 failed logins per client IP per minute (429 with Retry-After).',
      body: 'LoginBody',
      responses: {
        200: { description: 'logged in; Set-Cookie', schema: 'Me' },
        401: { description: 'unknown token', schema: 'Error' },
        403: { description: 'a cross-site login', schema: 'Error' },
        429: { description: 'too many failed logins', schema: 'Error' },
      },
    },
    async (call) => {
      const c = call.c
      const h = originHeaders(c)
      // a login from another site (login CSRF) is refused like any cross-site write
      if (h.secFetchSite !== undefined || h.origin !== undefined) checkOrigin(h, ownOrigin(c, publicOrigin))
      const { principal, sessionId } = await auth.login(call.body.token, clientIp(c, auth.options.trustProxy))
      c.header('set-cookie', auth.sessionCookie(sessionId))
      c.header('cache-control', 'no-store')
      return c.json({ name: principal.name, role: principal.role, boards: principal.boards })
    },
  )
  route(
    reg,
    {
      method: 'post',
      path: '/api/logout',
      role: null,
      tag: 'session',
      op: 'logout',
      summary: 'end the session and clear its cookie',
      responses: { 204: { description: 'logged out' } },
    },
    async (call) => {
      await auth.logout(call.c.req.header('cookie'))
      call.c.header('set-cookie', auth.clearCookie())
      return call.c.body(null, 204)
    },
  )
  route(
    reg,
    {
      method: 'get',
      path: '/api/me',
      role: 'viewer',
      tag: 'session',
      op: 'me',
      summary: 'who the caller is',
      responses: { 200: { description: 'the token', schema: 'Me' } },
    },
    async (call) => call.c.json({ name: call.principal.name, role: call.principal.role, boards: call.principal.boards }),
  )
  route(
    reg,
    {
      method: 'get',
      path: '/api/boards',
      role: 'viewer',
      tag: 'session',
      op: 'boards',
      summary: 'the boards served that the caller may use',
      responses: {
        200: {
          description: 'board names',
          schema: { type: 'object', properties: { boards: { type: 'array', items: { type: 'string' } } }, required: ['boards'] },
        },
      },
    },
    async (call) => call.c.json({ boards: pool.names.filter((b) => !call.principal.boards || call.principal.boards.includes(b)) }),
  )
  route(
    reg,
    {
      method: 'get',
      path: '/api/health',
      role: null,
      tag: 'session',
      op: 'health',
      summary: 'ok when Redis answers',
      responses: { 200: { description: 'ok' }, 503: { description: 'Redis unreachable', schema: 'Error' } },
    },
    async (call) => {
      await pool.redis.ping()
      return call.c.json({ ok: true })
    },
  )
}

/** The client's address for the login limit: the socket's peer, or X-Forwarded-For's first hop behind a trusted proxy. */
function clientIp(c: Context<Env>, trustProxy?: boolean): string {
  if (trustProxy) {
    const fwd = c.req.header('x-forwarded-for')?.split(',')[0]?.trim()
    if (fwd) return fwd
  }
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined
  return env?.incoming?.socket?.remoteAddress ?? 'unknown'
}

function defaultDashboardDir(): string | null {
  // dist/http/app.js and the CLI bundle's dist/cli/*.js: ../dashboard; src/http/app.ts: ../../dist/dashboard
  for (const rel of ['../dashboard/', '../../dist/dashboard/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url))
    if (existsSync(`${dir}index.html`)) return dir
  }
  return null
}
