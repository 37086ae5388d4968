/**
 * The auth matrix (docs/http-api.md#auth): roles viewer < operator < admin, a token scoped
 * to boards, 401 (who are you) vs 403 (not allowed, with why), the cookie session with its
 * origin check — a cross-site request fails and writes nothing — and the login's rate limit.
 */
import { describe, expect, it } from 'vitest'
import { snapshot } from '../helpers/board.js'
import { SECRETS, startApi, type Api } from './helpers.js'

async function login(api: Api, token: string, headers: Record<string, string> = {}) {
  const res = await api.call('POST', '/api/login', { as: null, body: { token }, headers })
  const cookie = res.headers.get('set-cookie')
  return { res, cookie, session: cookie?.split(';')[0] ?? '' }
}

describe('auth', () => {
  it('401 without or with a wrong token, saying why', async () => {
    const api = await startApi()
    const none = await api.json('GET', `${api.b}/tasks`, { as: null })
    expect(none.status).toBe(401)
    expect(none.body.error.code).toBe('UNAUTHENTICATED')
    expect(none.res.headers.get('www-authenticate')).toMatch(/^Bearer/)
    const wrong = await api.json('GET', `${api.b}/tasks`, { as: null, headers: { authorization: 'Bearer nope' } })
    expect(wrong.status).toBe(401)
    expect(wrong.body.error.message).toMatch(/unknown token/)
    // health and the document need no token
    expect((await api.call('GET', '/api/health', { as: null })).status).toBe(200)
    expect((await api.call('GET', '/api/openapi.json', { as: null })).status).toBe(200)
  })

  it('roles: viewer reads, operator acts on tasks, admin changes the board', async () => {
    const api = await startApi()
    const id = await api.board.createTask({ title: 'x', initialStatus: 'blocked' })
    const matrix: [string, string, unknown, Record<string, number>][] = [
      ['GET', `${api.b}/tasks/${id}`, undefined, { viewer: 200, operator: 200, admin: 200 }],
      ['GET', `${api.b}/needs-you`, undefined, { viewer: 200, operator: 200, admin: 200 }],
      ['POST', `${api.b}/tasks`, { title: 'new' }, { viewer: 403, operator: 201, admin: 201 }],
      ['PATCH', `${api.b}/settings`, { failureLimit: 3 }, { viewer: 403, operator: 403, admin: 200 }],
      ['POST', `${api.b}/pause`, {}, { viewer: 403, operator: 403, admin: 200 }],
      ['POST', `${api.b}/bulk`, { op: 'unblock', filter: { status: 'blocked' }, dryRun: true }, { viewer: 403, operator: 403, admin: 200 }],
      ['POST', `${api.b}/tasks/${id}/rerun`, {}, { viewer: 403, operator: 409, admin: 409 }],
      ['POST', `${api.b}/purge`, { dryRun: true }, { viewer: 403, operator: 403, admin: 200 }],
      ['POST', `${api.b}/reindex`, {}, { viewer: 403, operator: 403, admin: 200 }],
      ['GET', `${api.b}/workers`, undefined, { viewer: 200, operator: 200, admin: 200 }],
      ['GET', `${api.b}/subscribers`, undefined, { viewer: 200, operator: 200, admin: 200 }],
      ['GET', '/api/admin/boards', undefined, { viewer: 403, operator: 403, admin: 200 }],
    ]
    for (const [method, path, body, want] of matrix) {
      for (const who of ['viewer', 'operator', 'admin'] as const) {
        const r = await api.json(method, path, { as: who, body })
        expect(r.status, `${who} ${method} ${path}`).toBe(want[who])
        if (r.status === 403) {
          expect(r.body.error.code).toBe('FORBIDDEN')
          expect(r.body.error.message).toMatch(/role (operator|admin) required; token "\w+" has (viewer|operator)/)
        }
      }
    }
    // a viewer's forged action changed nothing
    const forged = await api.json('POST', `${api.b}/tasks/${id}/unblock`, { as: 'viewer', body: {} })
    expect(forged.status).toBe(403)
    expect((await api.board.getTask(id))!.status).toBe('blocked')
  })

  it('a scoped token sees only its boards', async () => {
    const api = await startApi()
    const mine = `/api/boards/${api.other.name}`
    expect((await api.json('GET', `${mine}/stats`, { as: 'scoped' })).status).toBe(200)
    const r = await api.json('GET', `${api.b}/stats`, { as: 'scoped' })
    expect(r.status).toBe(403)
    expect(r.body.error.message).toMatch(new RegExp(`not allowed on board "${api.board.name}"`))
    expect((await api.json('GET', '/api/boards', { as: 'scoped' })).body).toEqual({ boards: [api.other.name] })
    expect((await api.json('GET', '/api/me', { as: 'scoped' })).body).toEqual({ name: 'sam', role: 'admin', boards: [api.other.name] })
  })

  it('login sets an HttpOnly SameSite=Strict cookie; state-changing cookie requests need the same origin', async () => {
    const api = await startApi()
    const { res, cookie, session } = await login(api, SECRETS.operator, { origin: 'http://kanban.test', 'sec-fetch-site': 'same-origin' })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ name: 'otto', role: 'operator', boards: null })
    expect(cookie).toMatch(/^kanban_session=[\w-]{43}; HttpOnly; SameSite=Strict; Path=\//)
    const id = await api.board.createTask({ title: 'x', initialStatus: 'blocked' })

    // reads with the cookie alone
    expect((await api.call('GET', `${api.b}/tasks/${id}`, { as: null, headers: { cookie: session } })).status).toBe(200)
    // a cross-site POST with the cookie fails, and changes nothing
    const before = await snapshot(api.board)
    for (const headers of <Record<string, string>[]>[
      { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      { 'sec-fetch-site': 'same-site', origin: 'https://sub.kanban.test' },
      { origin: 'https://evil.example' },
      {},
    ]) {
      const r = await api.json('POST', `${api.b}/tasks/${id}/unblock`, { as: null, body: {}, headers: { cookie: session, ...headers } })
      expect(r.status, JSON.stringify(headers)).toBe(403)
      expect(r.body.error.code).toBe('CROSS_SITE')
    }
    expect(await snapshot(api.board)).toEqual(before)
    // the same request from the page's own origin goes through
    const ok = await api.json('POST', `${api.b}/tasks/${id}/unblock`, {
      as: null,
      body: {},
      headers: { cookie: session, 'sec-fetch-site': 'same-origin', origin: 'http://kanban.test' },
    })
    expect(ok.status).toBe(200)
    expect(ok.body.task.status).toBe('ready')
    // an older browser: no Sec-Fetch-Site, but our Origin
    const id2 = await api.board.createTask({ title: 'y', initialStatus: 'blocked' })
    expect(
      (await api.json('POST', `${api.b}/tasks/${id2}/unblock`, { as: null, body: {}, headers: { cookie: session, origin: 'http://kanban.test' } })).status,
    ).toBe(200)
    // the session's role still applies
    const admin = await api.json('PATCH', `${api.b}/settings`, {
      as: null,
      body: { failureLimit: 3 },
      headers: { cookie: session, 'sec-fetch-site': 'same-origin' },
    })
    expect(admin.status).toBe(403)
    expect(admin.body.error.code).toBe('FORBIDDEN')
    // logout ends the session
    expect((await api.call('POST', '/api/logout', { as: null, headers: { cookie: session, 'sec-fetch-site': 'same-origin' } })).status).toBe(204)
    const after = await api.json('GET', `${api.b}/tasks/${id}`, { as: null, headers: { cookie: session } })
    expect(after.status).toBe(401)
  })

  it('refuses a cross-site login, and rate-limits failed logins per address', async () => {
    const api = await startApi()
    const cross = await login(api, SECRETS.admin, { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' })
    expect(cross.res.status).toBe(403)
    expect(cross.cookie).toBeNull()
    for (let i = 0; i < 10; i++) expect((await login(api, 'wrong')).res.status).toBe(401)
    const limited = await login(api, 'wrong')
    expect(limited.res.status).toBe(429)
    expect(Number(limited.res.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(((await limited.res.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED')
    // even the right token waits now
    expect((await login(api, SECRETS.admin)).res.status).toBe(429)
  })
})
