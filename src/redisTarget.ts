/**
 * Where a board's Redis is, as one URL (docs/failover.md#connecting-through-sentinel):
 * `redis://` and `rediss://` name one server, `redis+sentinel://` a set of Sentinels and
 * the master name they watch. Every connection the library opens from a URL goes through
 * `openRedis`, so BullMQ's duplicated connections (`Board.duplicateConnection`) carry the
 * same Sentinel options and follow a failover like the board's own.
 */
import { Redis, type RedisOptions } from 'ioredis'
import { ValidationError, show } from './errors.js'

export interface SentinelTarget {
  sentinels: { host: string; port: number }[]
  /** the master name the Sentinels monitor */
  name: string
  username?: string
  password?: string
  db?: number
  /** the Sentinels' own password (`?sentinelPassword=`), when they require one */
  sentinelPassword?: string
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/

/**
 * `redis+sentinel://[user:password@]host[:port][,host[:port]...]/<master>[/<db>][?sentinelPassword=...]`
 * (port 26379 when omitted). Null for any other scheme; a coded error naming the part that
 * is wrong for a malformed Sentinel URL.
 */
export function parseSentinelUrl(url: string): SentinelTarget | null {
  if (!url.startsWith('redis+sentinel://')) return null
  const bad = (what: string): never => {
    throw new ValidationError('INVALID_INPUT', `redis: ${what}, got ${show(redact(url))}`, { field: 'redis' })
  }
  const rest = url.slice('redis+sentinel://'.length)
  const [beforeQuery, query = ''] = splitOnce(rest, '?')
  const [authority, path = ''] = splitOnce(beforeQuery, '/')
  const at = authority.lastIndexOf('@')
  const userinfo = at >= 0 ? authority.slice(0, at) : ''
  const hosts = at >= 0 ? authority.slice(at + 1) : authority
  const sentinels = hosts.split(',').map((hp) => {
    const m = HOST_PORT.exec(hp.trim())
    if (!m) return bad('expected comma-separated sentinel host:port pairs')
    const port = m[2] === undefined ? 26379 : Number(m[2])
    if (port < 1 || port > 65535) bad('expected sentinel ports from 1 to 65535')
    return { host: m[1]!.replace(/^\[|\]$/g, ''), port }
  })
  const [name = '', dbText] = path.split('/')
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(name)) bad('expected the master name after the sentinel list (redis+sentinel://host:port/<master>)')
  if (dbText !== undefined && dbText !== '' && !/^\d{1,5}$/.test(dbText)) bad('expected a database number after the master name')
  const out: SentinelTarget = { sentinels, name }
  if (userinfo) {
    const [user, pass] = splitOnce(userinfo, ':')
    if (pass === undefined) out.password = decodeURIComponent(user)
    else {
      if (user) out.username = decodeURIComponent(user)
      out.password = decodeURIComponent(pass)
    }
  }
  if (dbText) out.db = Number(dbText)
  const sp = new URLSearchParams(query).get('sentinelPassword')
  if (sp) out.sentinelPassword = sp
  return out
}

/** A new ioredis connection to the server or Sentinel-watched master a URL names. */
export function openRedis(url: string, opts: RedisOptions): Redis {
  const s = parseSentinelUrl(url)
  if (!s) return new Redis(url, opts)
  const { sentinels, name, sentinelPassword, ...auth } = s
  // a connection that must fail fast (the CLI: no reconnect) gives up on the Sentinels too,
  // rather than asking them again forever
  const sentinelRetryStrategy = opts.sentinelRetryStrategy ?? (opts.retryStrategy && opts.retryStrategy(1) === null ? () => null : undefined)
  return new Redis({
    ...opts,
    ...auth,
    sentinels,
    name,
    ...(sentinelPassword ? { sentinelPassword } : {}),
    ...(sentinelRetryStrategy ? { sentinelRetryStrategy } : {}),
  })
}

/** The URL with its password hidden, for messages. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep)
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)]
}
