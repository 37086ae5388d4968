/**
 * `kanban serve` and the dashboard container (serveMain.ts): the HTTP API and the
 * dashboard for one or more boards (docs/http-api.md, docs/deployment.md). Its
 * configuration is read and checked before anything starts: the tokens (hashed, from
 * KANBAN_TOKENS or the file KANBAN_TOKENS_FILE — never argv), the boards, the address.
 * SIGTERM/SIGINT: stop accepting, end the event streams and long-polls, close the boards.
 */
import { readFileSync } from 'node:fs'
import { ValidationError } from '../errors.js'
import type { ServeEnv } from './config.js'
import { jsonLog, onSignals, refuseEviction, type Log } from './run.js'
import { TokenList, type TokenEntry } from '../http/auth.js'
import { createApp } from '../http/app.js'
import { listen, type Listening } from '../http/node.js'
import { redactUrl } from '../connection.js'
import { createMetrics } from '../metrics/registry.js'

export interface ServeConfig {
  redisUrl: string
  boards: string[]
  port: number
  host: string
  tokens: TokenEntry[] | 'none'
  publicOrigin?: string
  trustProxy: boolean
  secureCookie: boolean
  dashboardDir?: string
  /** start on a Redis that may evict keys (KANBAN_ALLOW_EVICTION; memory.ts) */
  allowEviction?: boolean
  /** GET /metrics with the boards' gauges (docs/operations.md#metrics) */
  metrics: boolean
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])

/** The server's configuration from its environment (config.ts#ServeEnv), checked whole. */
export function serveConfig(env: ServeEnv): ServeConfig {
  const boards = env.KANBAN_BOARDS ?? [env.KANBAN_BOARD]
  let tokens: TokenEntry[] | 'none'
  if (env.KANBAN_AUTH === 'none') {
    if (env.KANBAN_TOKENS || env.KANBAN_TOKENS_FILE) throw bad('KANBAN_AUTH', 'none with no tokens configured, got tokens as well')
    if (!LOOPBACK.has(env.KANBAN_HOST))
      throw bad('KANBAN_AUTH', `none only on a loopback address (KANBAN_HOST 127.0.0.1), got host ${JSON.stringify(env.KANBAN_HOST)}`)
    tokens = 'none'
  } else {
    if (env.KANBAN_TOKENS && env.KANBAN_TOKENS_FILE) throw bad('KANBAN_TOKENS', 'either KANBAN_TOKENS or KANBAN_TOKENS_FILE, got both')
    const name = env.KANBAN_TOKENS ? 'KANBAN_TOKENS' : 'KANBAN_TOKENS_FILE'
    let text = env.KANBAN_TOKENS
    if (!text && env.KANBAN_TOKENS_FILE) {
      try {
        text = readFileSync(env.KANBAN_TOKENS_FILE, 'utf8')
      } catch (e) {
        throw bad('KANBAN_TOKENS_FILE', `a readable file, got ${JSON.stringify(env.KANBAN_TOKENS_FILE)} (${(e as Error).message})`)
      }
    }
    if (!text) {
      throw new ValidationError(
        'INVALID_INPUT',
        'no tokens configured: set KANBAN_TOKENS_FILE (or KANBAN_TOKENS) to a JSON list of { name, sha256, role, boards? } (`kanban token --name <n> --role <r>` makes one), or KANBAN_AUTH=none on a loopback address',
        { field: 'KANBAN_TOKENS' },
      )
    }
    let data: unknown
    try {
      data = JSON.parse(text)
    } catch {
      throw bad(name, 'a JSON list of { name, sha256, role, boards? }, got text that does not parse')
    }
    const r = TokenList.safeParse(data)
    if (!r.success) {
      const issue = r.error.issues[0]!
      const where = issue.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('')
      const expected = issue.message.startsWith('expected') ? issue.message : `expected ${issue.message}`
      throw new ValidationError('INVALID_INPUT', `environment variable ${name}: ${where ? `${where.replace(/^\./, '')}: ` : ''}${expected}`, { field: name })
    }
    tokens = r.data
    const unknown = tokens.flatMap((t) => (t.boards ?? []).filter((b) => !boards.includes(b)))
    if (unknown.length) throw bad(name, `boards the server serves (${boards.join(', ')}), got ${JSON.stringify(unknown[0])} in a token's boards`)
  }
  return {
    redisUrl: env.REDIS_URL,
    boards,
    port: env.KANBAN_PORT,
    host: env.KANBAN_HOST,
    tokens,
    ...(env.KANBAN_PUBLIC_ORIGIN ? { publicOrigin: env.KANBAN_PUBLIC_ORIGIN } : {}),
    trustProxy: env.KANBAN_TRUST_PROXY,
    secureCookie: env.KANBAN_SECURE_COOKIE ?? env.KANBAN_PUBLIC_ORIGIN?.startsWith('https://') ?? false,
    ...(env.KANBAN_DASHBOARD_DIR ? { dashboardDir: env.KANBAN_DASHBOARD_DIR } : {}),
    allowEviction: env.KANBAN_ALLOW_EVICTION,
    metrics: env.KANBAN_METRICS,
  }
}

const bad = (name: string, expected: string) => new ValidationError('INVALID_INPUT', `environment variable ${name}: expected ${expected}`, { field: name })

export async function runServe(cfg: ServeConfig, log: Log = jsonLog({ component: 'serve' })): Promise<Listening> {
  await refuseEviction(cfg.redisUrl, cfg.allowEviction ?? false, log)
  const metrics = cfg.metrics ? await createMetrics() : undefined
  const app = await createApp({
    ...(metrics ? { metrics } : {}),
    redis: cfg.redisUrl,
    boards: cfg.boards,
    auth: {
      tokens: cfg.tokens,
      secureCookie: cfg.secureCookie,
      trustProxy: cfg.trustProxy,
      ...(cfg.publicOrigin ? { publicOrigin: cfg.publicOrigin } : {}),
    },
    ...(cfg.dashboardDir ? { dashboardDir: cfg.dashboardDir } : {}),
    onError: (e, where) => log.error('error', { where, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
  })
  let l: Listening
  try {
    l = await listen(app, { port: cfg.port, host: cfg.host })
  } catch (e) {
    await app.close()
    throw e
  }
  if (cfg.tokens === 'none') log.info('auth is off (KANBAN_AUTH=none): every caller is admin "anonymous"; loopback only')
  log.info('serving', { url: l.url, redis: redactUrl(cfg.redisUrl), boards: cfg.boards, tokens: cfg.tokens === 'none' ? 0 : cfg.tokens.length })
  onSignals(async () => {
    log.info('stopping')
    await l.close()
  })
  return l
}
