/**
 * Process configuration for the dispatcher and worker processes (containers, the CLI),
 * from environment variables, validated with zod: a bad variable stops start-up with a
 * message naming it. The names here are the contract docker-compose.yml is tested against.
 * zod/mini, as the library's schemas: the CLI bundle then carries one zod, and its board
 * chunk none of classic zod's extras (docs/cli.md#how-the-cli-loads).
 */
import * as z from 'zod/mini'
import { ValidationError, show } from '../errors.js'
import { BOARD_NAME } from '../keys.js'
import { BOARD_OR_PATTERN } from '../boardSelector.js'
import { REDIS_URL_EXPECTED, REDIS_URL_FORM } from '../redisUrlForm.js'

const INT = { error: 'expected an integer' }
const int = (min: number, max: number) =>
  z.coerce
    .number(INT)
    .check(z.int(INT), z.gte(min, { error: `expected an integer of at least ${min}` }), z.lte(max, { error: `expected an integer of at most ${max}` }))
const text = (min: number, max?: number) => z.string().check(z.minLength(min), ...(max === undefined ? [] : [z.maxLength(max)]))
/** a comma-separated list: trimmed, empty items dropped */
const list = (lower: boolean) =>
  z.pipe(
    z.string(),
    z.transform((s: string) =>
      s
        .split(',')
        .map((x) => (lower ? x.trim().toLowerCase() : x.trim()))
        .filter(Boolean),
    ),
  )

export const CommonEnv = z.object({
  REDIS_URL: z.string().check(z.regex(REDIS_URL_FORM, { error: REDIS_URL_EXPECTED })),
  KANBAN_BOARD: z._default(z.string().check(z.regex(BOARD_NAME, { error: 'expected a board name matching [a-z0-9][a-z0-9_-]{0,63}' })), 'default'),
})

/**
 * Many boards in one dispatcher or worker process (docs/fleet.md#many-boards): board names and
 * patterns (`*`, `team-*`), comma-separated — KANBAN_BOARDS of ServeEnv, with patterns too.
 * Set, it replaces KANBAN_BOARD.
 */
const BOARD_SELECTION = {
  KANBAN_BOARDS: z.optional(
    z.pipe(
      list(false),
      z
        .array(z.string().check(z.regex(BOARD_OR_PATTERN, { error: 'expected comma-separated board names or patterns like team-*' })))
        .check(z.minLength(1, { error: 'expected at least one board or pattern' })),
    ),
  ),
  KANBAN_DISCOVER_EVERY_MS: z._default(int(100, 3_600_000), 5000),
}

export const DispatcherEnv = z.extend(CommonEnv, {
  ...BOARD_SELECTION,
  KANBAN_DISPATCH_INTERVAL_MS: z._default(int(50, 3_600_000), 1000),
  KANBAN_LEASE_TTL_MS: z._default(int(1000, 3_600_000), 30_000),
  KANBAN_METRICS_PORT: z.optional(int(0, 65535)),
})
export type DispatcherEnv = z.infer<typeof DispatcherEnv>

export const WorkerEnv = z.extend(CommonEnv, {
  ...BOARD_SELECTION,
  KANBAN_LANES: z.pipe(
    list(true),
    z.array(z.string().check(z.regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, { error: 'expected comma-separated lane names' }))).check(z.minLength(1)),
  ),
  KANBAN_COMMAND: text(1),
  KANBAN_CONCURRENCY: z._default(int(1, 10_000), 1),
  KANBAN_GRACE_MS: z._default(int(0, 3_600_000), 10_000),
  KANBAN_WORKER_NAME: z.optional(text(1, 200)),
})
export type WorkerEnv = z.infer<typeof WorkerEnv>

const flag = z.pipe(
  z.enum(['0', '1', 'true', 'false'], { error: 'expected 1 or 0' }),
  z.transform((v: '0' | '1' | 'true' | 'false') => v === '1' || v === 'true'),
)

/**
 * `kanban serve` and the dashboard container (docs/deployment.md#the-http-api-and-dashboard).
 * Tokens come from KANBAN_TOKENS (JSON) or the file KANBAN_TOKENS_FILE, never from argv;
 * they are checked in serve.ts (src/http/auth.ts#TokenList) once read.
 */
export const ServeEnv = z.extend(CommonEnv, {
  KANBAN_BOARDS: z.optional(
    z.pipe(
      list(false),
      z
        .array(z.string().check(z.regex(BOARD_NAME, { error: 'expected comma-separated board names' })))
        .check(z.minLength(1, { error: 'expected at least one board' })),
    ),
  ),
  KANBAN_PORT: z._default(int(0, 65535), 8080),
  KANBAN_HOST: z._default(text(1), '127.0.0.1'),
  KANBAN_TOKENS: z.optional(text(1)),
  KANBAN_TOKENS_FILE: z.optional(text(1)),
  KANBAN_AUTH: z._default(z.enum(['tokens', 'none'], { error: 'expected tokens or none' }), 'tokens'),
  KANBAN_PUBLIC_ORIGIN: z.optional(z.string().check(z.regex(/^https?:\/\/[^/]+$/, { error: 'expected an origin like https://kanban.example.com (no path)' }))),
  KANBAN_TRUST_PROXY: z._default(flag, false),
  KANBAN_SECURE_COOKIE: z.optional(flag),
  KANBAN_DASHBOARD_DIR: z.optional(text(1)),
})
export type ServeEnv = z.infer<typeof ServeEnv>

/** Every environment variable the processes read, for the compose-file test. */
export const ENV_NAMES = {
  dispatcher: Object.keys(DispatcherEnv.shape),
  worker: Object.keys(WorkerEnv.shape),
  serve: Object.keys(ServeEnv.shape),
}

export function readEnv<S extends z.ZodMiniObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const r = z.safeParse(schema, env)
  if (r.success) return r.data
  const issue = r.error.issues[0]!
  const name = String(issue.path[0] ?? 'environment')
  if (env[name] === undefined) throw new ValidationError('INVALID_INPUT', `environment variable ${name} is required`, { field: name })
  const expected = issue.message.startsWith('expected') ? issue.message : `expected ${issue.message}`
  throw new ValidationError('INVALID_INPUT', `environment variable ${name}: ${expected}, got ${show(env[name])}`, { field: name })
}
