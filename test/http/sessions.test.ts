/**
 * Sessions in Redis (docs/deployment.md#sessions): two servers on their own connections
 * share them — log in on A, use the cookie on B, restart A and it still works; Redis holds
 * the id's sha256 only, with a TTL that slides (and the cookie's Max-Age with it); logout deletes it, an expired key ends it,
 * and a token removed from the configuration ends its sessions on their next request. Last,
 * the same with two real `kanban serve` processes (needs the build: dist/cli).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createApp, type KanbanApp } from '../../src/http/app.js'
import type { TokenEntry } from '../../src/http/auth.js'
import { sessionKey } from '../../src/http/sessions.js'
import { SESSION_PREFIX } from '../../src/keys.js'
import { extraConnection, openBoard } from '../helpers/board.js'
import { startKanban } from '../helpers/cli.js'
import { redisUrl } from '../helpers/redis.js'
import { sha } from './helpers.js'

const TOKENS: TokenEntry[] = [
  { name: 'otto', sha256: sha('otto-session-secret'), role: 'operator' },
  { name: 'ada', sha256: sha('ada-session-secret'), role: 'admin' },
]
const SAME = { 'sec-fetch-site': 'same-origin' }

const apps: KanbanApp[] = []
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close()
})

/** A server process of its own: its own connection to Redis, nothing shared in memory. */
async function server(board: string, tokens = TOKENS, sessionTtlMs = 60_000): Promise<KanbanApp> {
  const app = await createApp({ redis: redisUrl(), boards: [board], auth: { tokens, sessionTtlMs }, dashboardDir: null })
  apps.push(app)
  return app
}

const send = (app: KanbanApp, method: string, path: string, headers: Record<string, string>, body?: unknown) =>
  app.fetch(
    new Request(`http://kanban.test${path}`, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  )

async function login(app: KanbanApp, token: string): Promise<{ cookie: string; id: string }> {
  const res = await send(app, 'POST', '/api/login', SAME, { token })
  expect(res.status).toBe(200)
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!
  return { cookie, id: cookie.slice('kanban_session='.length) }
}

describe('sessions in Redis', () => {
  it('a session made on one server works on another and survives a restart; Redis holds only its hash', async () => {
    const board = await openBoard('sess')
    const redis = extraConnection()
    let a = await server(board.name)
    const b = await server(board.name)
    const { cookie, id } = await login(a, 'otto-session-secret')

    const key = sessionKey(id)
    expect(key).toMatch(new RegExp(`^${SESSION_PREFIX}[0-9a-f]{64}$`))
    const stored = await redis.hgetall(key)
    expect(stored).toMatchObject({ token: TOKENS[0]!.sha256, name: 'otto', role: 'operator', boards: '' })
    expect(JSON.stringify(stored)).not.toContain(id)
    expect(await redis.exists(SESSION_PREFIX + id)).toBe(0)
    const ttl = await redis.pttl(key)
    expect(ttl).toBeGreaterThan(50_000)
    expect(ttl).toBeLessThanOrEqual(60_000)

    // replica B knows the session A made: reads and (same-origin) writes as otto
    const me = await send(b, 'GET', '/api/me', { cookie })
    expect(me.status).toBe(200)
    expect(await me.json()).toEqual({ name: 'otto', role: 'operator', boards: null })
    const created = await send(b, 'POST', `/api/boards/${board.name}/tasks`, { cookie, ...SAME }, { title: 'made through B' })
    expect(created.status).toBe(201)
    const { id: task } = (await created.json()) as { id: string }
    expect((await board.events({ taskId: task }))[0]).toMatchObject({ kind: 'created', actor: 'otto' })

    // A restarts: a new process, the same cookie
    await a.close()
    apps.splice(apps.indexOf(a), 1)
    a = await server(board.name)
    expect((await send(a, 'GET', '/api/me', { cookie })).status).toBe(200)

    // logout on B deletes it for every server
    expect((await send(b, 'POST', '/api/logout', { cookie, ...SAME })).status).toBe(204)
    expect(await redis.exists(key)).toBe(0)
    const after = await send(a, 'GET', '/api/me', { cookie })
    expect(after.status).toBe(401)
    expect(((await after.json()) as { error: { message: string } }).error.message).toMatch(/the session has ended/)
  })

  it('the TTL slides with use, and a session whose key expired is over', async () => {
    const board = await openBoard('sess')
    const redis = extraConnection()
    const app = await server(board.name, TOKENS, 60_000)
    const { cookie, id } = await login(app, 'ada-session-secret')
    const key = sessionKey(id)
    // fresh: no write, no new cookie
    const fresh = await send(app, 'GET', '/api/me', { cookie })
    expect(fresh.status).toBe(200)
    expect(fresh.headers.get('set-cookie')).toBeNull()
    // most of its time gone: a request puts it back to the full TTL, and the cookie's Max-Age with it
    await redis.pexpire(key, 5_000)
    const renewed = await send(app, 'GET', '/api/me', { cookie })
    expect(renewed.status).toBe(200)
    expect(await redis.pttl(key)).toBeGreaterThan(50_000)
    expect(renewed.headers.get('set-cookie')).toBe(`${cookie}; HttpOnly; SameSite=Strict; Path=/; Max-Age=60`)
    // Redis expires it: the next request is 401
    await redis.pexpire(key, 1)
    await expect.poll(() => redis.exists(key)).toBe(0)
    expect((await send(app, 'GET', '/api/me', { cookie })).status).toBe(401)
    // an id of the wrong form is not looked up, just refused
    expect((await send(app, 'GET', '/api/me', { cookie: 'kanban_session=../../x' })).status).toBe(401)
  })

  it('a token removed from the configuration ends its sessions on their next request; a changed role applies at once', async () => {
    const board = await openBoard('sess')
    const redis = extraConnection()
    const a = await server(board.name)
    const otto = await login(a, 'otto-session-secret')
    const ada = await login(a, 'ada-session-secret')
    // B is configured without otto's token, and with ada demoted to viewer
    const b = await server(board.name, [{ ...TOKENS[1]!, role: 'viewer' }])
    const gone = await send(b, 'GET', '/api/me', { cookie: otto.cookie })
    expect(gone.status).toBe(401)
    expect(((await gone.json()) as { error: { message: string } }).error.message).toMatch(/no longer configured/)
    expect(await redis.exists(sessionKey(otto.id))).toBe(0)
    // gone for A as well: the session was deleted, not just refused
    expect((await send(a, 'GET', '/api/me', { cookie: otto.cookie })).status).toBe(401)
    expect(await (await send(b, 'GET', '/api/me', { cookie: ada.cookie })).json()).toEqual({ name: 'ada', role: 'viewer', boards: null })
    await redis.del(sessionKey(ada.id))
  })

  it('two `kanban serve` processes: a login on A works on B, and on A again after A restarts', { timeout: 180_000 }, async () => {
    const board = await openBoard('sess')
    const env = { KANBAN_TOKENS: JSON.stringify(TOKENS) }
    const serve = async () => {
      const p = startKanban(['serve', '--port', '0', '--board', board.name, '--redis', redisUrl()], { env })
      await p.waitFor(/"msg":"serving"/, 'stderr', 90_000)
      const line = p
        .stderr()
        .split('\n')
        .find((l) => l.includes('"msg":"serving"'))!
      return { p, url: (JSON.parse(line) as { url: string }).url }
    }
    const [a, b] = await Promise.all([serve(), serve()])
    const res = await fetch(`${a.url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'ada-session-secret' }),
    })
    expect(res.status).toBe(200)
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!
    const me = (url: string) => fetch(`${url}/api/me`, { headers: { cookie } }).then(async (r) => ({ status: r.status, body: (await r.json()) as unknown }))
    expect(await me(b.url)).toEqual({ status: 200, body: { name: 'ada', role: 'admin', boards: null } })
    a.p.child.kill('SIGTERM')
    await a.p.exited
    const again = await serve()
    expect(await me(again.url)).toEqual({ status: 200, body: { name: 'ada', role: 'admin', boards: null } })
    expect((await fetch(`${b.url}/api/logout`, { method: 'POST', headers: { cookie, 'sec-fetch-site': 'same-origin' } })).status).toBe(204)
    expect((await me(again.url)).status).toBe(401)
  })
})
