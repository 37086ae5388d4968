/**
 * The HTTP API on a fresh board of the test run's Redis: `startApi()` gives the app (its
 * fetch handler, no socket) with one token per role, and `call()` to send it a request.
 * Apps are closed after each test; the boards are removed by the board fixture.
 */
import { createHash } from 'node:crypto'
import { afterEach } from 'vitest'
import type { Board } from '../../src/index.js'
import { createApp, type AppOptions, type KanbanApp } from '../../src/http/app.js'
import type { TokenEntry } from '../../src/http/auth.js'
import { openBoard } from '../helpers/board.js'
import { redisUrl } from '../helpers/redis.js'

export const sha = (s: string) => createHash('sha256').update(s).digest('hex')

/** token secret per name; the names are the actors recorded on events */
export const SECRETS = { viewer: 'v-secret', operator: 'o-secret', admin: 'a-secret', scoped: 's-secret' } as const
export type Who = keyof typeof SECRETS

const apps: KanbanApp[] = []
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close()
})

export interface Api {
  app: KanbanApp
  board: Board
  /** a second board the server serves; `scoped` may use only this one */
  other: Board
  call(method: string, path: string, opts?: { as?: Who | null; body?: unknown; headers?: Record<string, string> }): Promise<Response>
  json<T = any>(
    method: string,
    path: string,
    opts?: { as?: Who | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: T; res: Response }>
  /** `/api/boards/<board>` */
  b: string
}

export async function startApi(opts: Partial<AppOptions> = {}, prefix = 'http'): Promise<Api> {
  const board = await openBoard(prefix)
  const other = await openBoard(prefix)
  const tokens: TokenEntry[] = [
    { name: 'vera', sha256: sha(SECRETS.viewer), role: 'viewer' },
    { name: 'otto', sha256: sha(SECRETS.operator), role: 'operator' },
    { name: 'ada', sha256: sha(SECRETS.admin), role: 'admin' },
    { name: 'sam', sha256: sha(SECRETS.scoped), role: 'admin', boards: [other.name] },
  ]
  const app = await createApp({ redis: redisUrl(), boards: [board.name, other.name], auth: { tokens }, dashboardDir: null, ...opts })
  apps.push(app)
  const call: Api['call'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...o.headers }
    const as = o.as === undefined ? 'admin' : o.as
    if (as) headers.authorization = `Bearer ${SECRETS[as]}`
    let body: string | undefined
    if (o.body !== undefined) {
      body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body)
      headers['content-type'] ??= 'application/json'
    }
    return app.fetch(new Request(`http://kanban.test${path}`, { method, headers, ...(body !== undefined ? { body } : {}) }))
  }
  const json: Api['json'] = async (method, path, o) => {
    const res = await call(method, path, o)
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : null, res }
  }
  return { app, board, other, call, json, b: `/api/boards/${board.name}` }
}
