/**
 * Who is calling, and may they (docs/http-api.md#auth, docs/deployment.md#tokens):
 * bearer tokens configured by their sha256 (never the token itself), each with a role and
 * optionally a list of boards; a browser session made by logging in with a token, kept in
 * Redis (sessions.ts) and carried by an HttpOnly, SameSite=Strict cookie; the origin
 * check every state-changing cookie request must pass; and the login's rate limit.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { Cluster, Redis } from 'ioredis'
import { z } from 'zod'
import { HttpError } from './errors.js'
import { SessionStore } from './sessions.js'

export const ROLES = ['viewer', 'operator', 'admin'] as const
export type Role = (typeof ROLES)[number]
const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 }

const BOARD = /^[a-z0-9][a-z0-9_-]{0,63}$/

/** One configured token: `sha256` is the hex digest of the token (`printf %s "$TOKEN" | sha256sum`). */
export const TokenEntry = z.strictObject({
  name: z.string().trim().min(1, { error: 'expected a name of 1-200 characters' }).max(200, { error: 'expected a name of 1-200 characters' }),
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, { error: 'expected the token\'s sha256 as 64 hex digits (printf %s "$TOKEN" | sha256sum)' })
    .transform((s) => s.toLowerCase()),
  role: z.enum(ROLES, { error: 'expected viewer, operator or admin' }),
  boards: z
    .array(z.string().regex(BOARD, { error: 'expected board names' }))
    .min(1)
    .optional(),
})
export type TokenEntry = z.output<typeof TokenEntry>

export const TokenList = z
  .array(TokenEntry)
  .min(1, { error: 'expected at least one token' })
  .superRefine((list, ctx) => {
    const names = new Set<string>()
    const hashes = new Set<string>()
    for (const [i, t] of list.entries()) {
      if (names.has(t.name)) ctx.addIssue({ code: 'custom', message: `expected unique names, got ${JSON.stringify(t.name)} twice`, path: [i, 'name'] })
      if (hashes.has(t.sha256)) ctx.addIssue({ code: 'custom', message: 'expected each token once, got the same sha256 twice', path: [i, 'sha256'] })
      names.add(t.name)
      hashes.add(t.sha256)
    }
  })

export interface Principal {
  /** the token's name: the actor recorded on every write */
  name: string
  role: Role
  /** the boards it may use; null = every board the server serves */
  boards: string[] | null
  via: 'bearer' | 'cookie' | 'open'
  /** a session whose TTL this request renewed: the Set-Cookie that renews the cookie's Max-Age too */
  renewCookie?: string
}

export interface AuthOptions {
  /** the configured tokens, or 'none': no auth at all (every caller is admin "anonymous"; loopback only) */
  tokens: TokenEntry[] | 'none'
  /** mark the session cookie Secure (the server is reached over HTTPS) */
  secureCookie?: boolean
  /** the dashboard's origin as browsers see it (behind a proxy); default: the request's own */
  publicOrigin?: string
  /** take the client IP for the login limit from X-Forwarded-For's first hop */
  trustProxy?: boolean
  sessionTtlMs?: number
  /** failed logins per client IP per window before 429 (default 10 per 60 s) */
  loginLimit?: { max: number; windowMs: number }
}

export const SESSION_COOKIE = 'kanban_session'

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest()

export class Auth {
  private readonly byHash = new Map<string, TokenEntry>()
  private readonly sessions: SessionStore | null
  private readonly failures = new Map<string, number[]>()
  readonly open: boolean
  private readonly ttlMs: number
  private readonly limit: { max: number; windowMs: number }

  /** `redis` keeps the sessions; it is needed unless `tokens` is 'none' */
  constructor(
    readonly options: AuthOptions,
    redis?: Redis | Cluster,
  ) {
    this.open = options.tokens === 'none'
    if (options.tokens !== 'none') for (const t of TokenList.parse(options.tokens)) this.byHash.set(t.sha256, t)
    this.ttlMs = options.sessionTtlMs ?? 12 * 3600_000
    if (!this.open && !redis) throw new Error('Auth: a Redis connection is needed for the sessions')
    this.sessions = redis && !this.open ? new SessionStore(redis, this.ttlMs) : null
    this.limit = options.loginLimit ?? { max: 10, windowMs: 60_000 }
  }

  /** The token's entry, or undefined; the digest is compared in constant time. */
  private lookup(token: string): TokenEntry | undefined {
    const d = sha256(token)
    const t = this.byHash.get(d.toString('hex'))
    return t && timingSafeEqual(Buffer.from(t.sha256, 'hex'), d) ? t : undefined
  }

  private principal(t: TokenEntry, via: Principal['via']): Principal {
    return { name: t.name, role: t.role, boards: t.boards ?? null, via }
  }

  /**
   * The caller, from a bearer token or the session cookie; null when it gave neither; 401 for
   * a wrong one. A session takes its token's role and boards as configured now, and ends when
   * its token is no longer configured.
   */
  async authenticate(authorization: string | undefined, cookie: string | undefined): Promise<Principal | null> {
    if (this.open) return { name: 'anonymous', role: 'admin', boards: null, via: 'open' }
    if (authorization !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
      if (!m) throw unauthenticated('Authorization: expected "Bearer <token>"')
      const t = this.lookup(m[1]!)
      if (!t) throw unauthenticated('unknown token')
      return this.principal(t, 'bearer')
    }
    const sid = cookieValue(cookie, SESSION_COOKIE)
    if (sid === undefined) return null
    const s = await this.sessions!.get(sid)
    if (!s) throw unauthenticated('the session has ended; log in again')
    const t = this.byHash.get(s.token)
    if (!t) {
      await this.sessions!.delete(sid)
      throw unauthenticated("the session's token is no longer configured; log in again")
    }
    const p = this.principal(t, 'cookie')
    return s.renewed ? { ...p, renewCookie: this.sessionCookie(sid) } : p
  }

  /**
   * A login: the token's principal and a new session id, or 401; 429 once the client IP
   * failed `loginLimit.max` times within the window (then even a right token waits).
   */
  async login(token: unknown, ip: string): Promise<{ principal: Principal; sessionId: string }> {
    const now = Date.now()
    const recent = (this.failures.get(ip) ?? []).filter((t) => t > now - this.limit.windowMs)
    if (recent.length >= this.limit.max) {
      const retry = Math.max(1, Math.ceil((recent[0]! + this.limit.windowMs - now) / 1000))
      throw new HttpError(429, 'RATE_LIMITED', `too many failed logins from this address; try again in ${retry} s`, {
        headers: { 'retry-after': String(retry) },
      })
    }
    const t = typeof token === 'string' && token.length > 0 && token.length <= 4096 ? this.lookup(token) : undefined
    if (!t) {
      recent.push(now)
      this.failures.set(ip, recent)
      if (this.failures.size > 100_000) this.pruneFailures(now)
      throw typeof token === 'string'
        ? unauthenticated('unknown token')
        : new HttpError(400, 'INVALID_INPUT', 'login: token: expected a string', { field: 'token' })
    }
    if (!this.sessions) throw new HttpError(400, 'INVALID_INPUT', 'login: this server runs without auth (KANBAN_AUTH=none): there is nothing to log in to')
    const principal = this.principal(t, 'cookie')
    const sessionId = await this.sessions.create({ token: t.sha256, name: t.name, role: t.role, boards: principal.boards })
    return { principal, sessionId }
  }

  async logout(cookie: string | undefined): Promise<void> {
    const sid = cookieValue(cookie, SESSION_COOKIE)
    if (sid !== undefined && this.sessions) await this.sessions.delete(sid)
  }

  sessionCookie(sessionId: string): string {
    return `${SESSION_COOKIE}=${sessionId}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.floor(this.ttlMs / 1000)}${this.options.secureCookie ? '; Secure' : ''}`
  }

  clearCookie(): string {
    return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0${this.options.secureCookie ? '; Secure' : ''}`
  }

  private pruneFailures(now: number): void {
    for (const [ip, ts] of this.failures) if (!ts.some((t) => t > now - this.limit.windowMs)) this.failures.delete(ip)
  }
}

/** 403 unless the principal has the role; the message says what was needed and what it has. */
export function requireRole(p: Principal, role: Role): void {
  if (RANK[p.role] < RANK[role])
    throw new HttpError(403, 'FORBIDDEN', `role ${role} required; token ${JSON.stringify(p.name)} has ${p.role}`, { details: { required: role, role: p.role } })
}

/** 403 unless the principal may use the board. */
export function requireBoard(p: Principal, board: string): void {
  if (p.boards && !p.boards.includes(board))
    throw new HttpError(403, 'FORBIDDEN', `token ${JSON.stringify(p.name)} is not allowed on board ${JSON.stringify(board)}`, { details: { board } })
}

/**
 * The origin check of a state-changing request made with the session cookie: it must come
 * from the dashboard's own origin — `Sec-Fetch-Site: same-origin` (or `none`: typed by the
 * user), else, from a browser that sends no Sec-Fetch-Site, an `Origin` equal to ours.
 * A cookie request with neither header is refused too: scripts use bearer tokens.
 */
export function checkOrigin(headers: { secFetchSite?: string; origin?: string }, ownOrigin: string): void {
  const site = headers.secFetchSite?.toLowerCase()
  if (site !== undefined) {
    if (site === 'same-origin' || site === 'none') return
    throw crossSite(`Sec-Fetch-Site is ${site}`)
  }
  if (headers.origin === undefined) throw crossSite('the request has neither Sec-Fetch-Site nor Origin')
  if (headers.origin !== ownOrigin) throw crossSite(`Origin ${headers.origin} is not ${ownOrigin}`)
}

const crossSite = (why: string) =>
  new HttpError(403, 'CROSS_SITE', `refused: a state-changing request with the session cookie must come from the dashboard's own origin (${why})`)

const unauthenticated = (why: string) =>
  new HttpError(401, 'UNAUTHENTICATED', `authentication required: ${why}`, { headers: { 'www-authenticate': 'Bearer realm="kanban"' } })

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const i = part.indexOf('=')
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim()
  }
  return undefined
}
