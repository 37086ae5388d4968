/**
 * Dashboard sessions in Redis (docs/deployment.md#sessions), so every `kanban serve` replica
 * on the same Redis knows them and a restart keeps them. The cookie carries a random id; Redis
 * holds only its sha256 (`kb:session:<hex>`, keys.ts#SESSION_PREFIX), a hash naming the token
 * (by its sha256, as configured) with its role and boards at login, and a TTL that slides.
 * Each call is one key, so a MULTI is atomic in a Redis Cluster too.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Cluster, Redis } from 'ioredis'
import { SESSION_PREFIX } from '../keys.js'

export interface StoredSession {
  /** the sha256 (hex) of the token it logged in with: it must still be configured */
  token: string
  name: string
  role: string
  boards: string[] | null
  createdAt: number
  /** when it ends unless used (from the key's TTL) */
  expiresAt: number
  /** this read put the TTL back to its full length: the cookie's Max-Age is to be renewed too */
  renewed: boolean
}

/** the id's form: 32 random bytes, base64url; anything else is not looked up */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/

export const sessionKey = (sessionId: string) => SESSION_PREFIX + createHash('sha256').update(sessionId, 'utf8').digest('hex')

export class SessionStore {
  /** how much of a session's TTL passes before a request puts it back to the full length */
  private readonly refreshMs: number

  constructor(
    private readonly redis: Redis | Cluster,
    readonly ttlMs: number,
  ) {
    // sliding, but not a write on every request: at most one per tenth of the TTL (or minute)
    this.refreshMs = Math.min(60_000, Math.floor(ttlMs / 10))
  }

  /** A new session for the token; returns its id (the cookie's value — never stored). */
  async create(s: Omit<StoredSession, 'createdAt' | 'expiresAt' | 'renewed'>): Promise<string> {
    const id = randomBytes(32).toString('base64url')
    const key = sessionKey(id)
    const fields = { token: s.token, name: s.name, role: s.role, boards: s.boards ? JSON.stringify(s.boards) : '', createdAt: String(Date.now()) }
    await this.redis.multi().hset(key, fields).pexpire(key, this.ttlMs).exec().then(failed)
    return id
  }

  /** The session, its TTL renewed when due; null when unknown or expired. */
  async get(sessionId: string): Promise<StoredSession | null> {
    if (!SESSION_ID.test(sessionId)) return null
    const key = sessionKey(sessionId)
    const r = failed(await this.redis.multi().hgetall(key).pttl(key).exec())
    const h = r[0] as Record<string, string>
    let ttl = r[1] as number
    if (!h.token || ttl <= 0) return null
    let renewed = false
    if (this.ttlMs - ttl >= this.refreshMs) {
      // PEXPIRE of a key deleted meanwhile (a logout) is a no-op: it never brings one back
      renewed = (await this.redis.pexpire(key, this.ttlMs)) === 1
      if (renewed) ttl = this.ttlMs
    }
    return {
      token: h.token,
      name: h.name ?? '',
      role: h.role ?? '',
      boards: h.boards ? (JSON.parse(h.boards) as string[]) : null,
      createdAt: Number(h.createdAt),
      expiresAt: Date.now() + ttl,
      renewed,
    }
  }

  async delete(sessionId: string): Promise<void> {
    if (SESSION_ID.test(sessionId)) await this.redis.del(sessionKey(sessionId))
  }
}

/** A MULTI's replies, or its first error thrown. */
function failed(r: [Error | null, unknown][] | null): unknown[] {
  if (!r) throw new Error('the session transaction was aborted')
  for (const [e] of r) if (e) throw e
  return r.map(([, v]) => v)
}
