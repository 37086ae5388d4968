/**
 * How every process and the library turn a Redis URL into an ioredis connection
 * (docs/security.md#credentials-and-tls): the password from the URL, KANBAN_REDIS_PASSWORD
 * or the file KANBAN_REDIS_PASSWORD_FILE; TLS from a `rediss://` URL, with the CA of
 * KANBAN_REDIS_CA_FILE. Credentials leave the URL here and travel as connection options,
 * so `duplicate()` (BullMQ's connections, blocking reads) carries them, and every URL a
 * process prints goes through `redactUrl`.
 */
import { readFileSync } from 'node:fs'
import { Redis, type RedisOptions } from 'ioredis'
import { ValidationError, show } from './errors.js'
import { openRedis as openTarget, parseSentinelUrl } from './redisTarget.js'

/** The environment variables read here: the compose-file test and the docs name them. */
export const CONNECTION_ENV = ['KANBAN_REDIS_PASSWORD', 'KANBAN_REDIS_PASSWORD_FILE', 'KANBAN_REDIS_CA_FILE'] as const

/**
 * A URL fit to print or log: the password (and any query, where options like a password
 * could hide) replaced by `***`. Text that is no URL is returned with anything after an
 * `@` masked, so a mistyped URL cannot leak either.
 */
export function redactUrl(url: string): string {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@')
  }
  if (u.password) u.password = '***'
  if (u.search) u.search = '?***'
  return u.toString()
}

/** Masks every Redis URL inside a text (an error message that quotes one). */
export const redactText = (text: string): string => text.replace(/rediss?:\/\/[^\s"'`]+/g, (m) => redactUrl(m))

const bad = (field: string, expected: string, got: unknown) =>
  new ValidationError('INVALID_INPUT', `${field}: expected ${expected}, got ${show(got)}`, { field })

function readFile(field: string, path: string): Buffer {
  try {
    return readFileSync(path)
  } catch (e) {
    throw bad(field, `a readable file (${(e as Error).message.replace(/^[A-Z]+: /, '')})`, path)
  }
}

export interface ConnectionSettings {
  /** the URL without its credentials: what ioredis parses (host, port, db, TLS) */
  url: string
  options: RedisOptions
}

/**
 * The connection settings of a URL under an environment. A password in the URL and one in
 * the environment is an error rather than a silent choice; a `rediss://` URL verifies the
 * server against the system CAs, or the CA file's.
 */
export function connectionSettings(url: string, env: NodeJS.ProcessEnv = process.env): ConnectionSettings {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw bad('redis', 'a redis:// or rediss:// URL', redactUrl(url))
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw bad('redis', 'a redis:// or rediss:// URL', redactUrl(url))
  const options: RedisOptions = {}
  const username = decodeURIComponent(u.username)
  let password = u.password ? decodeURIComponent(u.password) : undefined
  const fromEnv = envPassword(env)
  if (fromEnv !== undefined && password !== undefined) {
    throw bad(env.KANBAN_REDIS_PASSWORD ? 'KANBAN_REDIS_PASSWORD' : 'KANBAN_REDIS_PASSWORD_FILE', 'no password in the Redis URL as well', redactUrl(url))
  }
  if (fromEnv !== undefined) password = fromEnv
  if (username) options.username = username
  if (password !== undefined) options.password = password
  const ca = env.KANBAN_REDIS_CA_FILE
  if (ca) {
    if (u.protocol !== 'rediss:') throw bad('KANBAN_REDIS_CA_FILE', 'a rediss:// URL to go with a CA file', redactUrl(url))
    options.tls = { ca: readFile('KANBAN_REDIS_CA_FILE', ca) }
  } else if (u.protocol === 'rediss:') options.tls = {}
  u.username = ''
  u.password = ''
  return { url: u.toString(), options }
}

/**
 * The password of the environment (KANBAN_REDIS_PASSWORD or the file), if any; both is an
 * error. A file's trailing newline (echo, a secret written by hand) is no part of it.
 */
function envPassword(env: NodeJS.ProcessEnv): string | undefined {
  const fromEnv = env.KANBAN_REDIS_PASSWORD
  const file = env.KANBAN_REDIS_PASSWORD_FILE
  if (fromEnv && file) throw bad('KANBAN_REDIS_PASSWORD', 'either KANBAN_REDIS_PASSWORD or KANBAN_REDIS_PASSWORD_FILE', 'both')
  if (fromEnv) return fromEnv
  return file
    ? readFile('KANBAN_REDIS_PASSWORD_FILE', file)
        .toString('utf8')
        .replace(/\r?\n$/, '')
    : undefined
}

/**
 * A new ioredis connection for a URL: its settings (connectionSettings), then `extra`. A
 * `redis+sentinel://` URL goes to redisTarget.ts, with the master's password from the
 * environment when the URL has none.
 */
export function openRedis(url: string, extra: RedisOptions = {}, env: NodeJS.ProcessEnv = process.env): Redis {
  const sentinel = parseSentinelUrl(url)
  if (sentinel) {
    const password = envPassword(env)
    if (password !== undefined && sentinel.password !== undefined) {
      throw bad(env.KANBAN_REDIS_PASSWORD ? 'KANBAN_REDIS_PASSWORD' : 'KANBAN_REDIS_PASSWORD_FILE', 'no password in the Redis URL as well', redactUrl(url))
    }
    return openTarget(url, { ...(password !== undefined ? { password } : {}), ...extra })
  }
  const s = connectionSettings(url, env)
  return new Redis(s.url, { ...s.options, ...extra })
}
