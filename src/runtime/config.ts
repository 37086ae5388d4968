/**
 * Process configuration for the dispatcher and worker processes (containers, the CLI),
 * from environment variables, validated with zod: a bad variable stops start-up with a
 * message naming it. The names here are the contract docker-compose.yml is tested against.
 */
import { z } from 'zod'
import { ValidationError, show } from '../errors.js'
import { BOARD_NAME } from '../keys.js'

const int = (min: number, max: number) =>
  z.coerce
    .number({ error: 'expected an integer' })
    .int({ error: 'expected an integer' })
    .min(min, { error: `expected an integer of at least ${min}` })
    .max(max, { error: `expected an integer of at most ${max}` })

export const CommonEnv = z.object({
  REDIS_URL: z.string().regex(/^rediss?:\/\//, { error: 'expected a redis:// or rediss:// URL' }),
  KANBAN_BOARD: z.string().regex(BOARD_NAME, { error: 'expected a board name matching [a-z0-9][a-z0-9_-]{0,63}' }).default('default'),
})

export const DispatcherEnv = CommonEnv.extend({
  KANBAN_DISPATCH_INTERVAL_MS: int(50, 3_600_000).default(1000),
  KANBAN_LEASE_TTL_MS: int(1000, 3_600_000).default(30_000),
  KANBAN_METRICS_PORT: int(0, 65535).optional(),
})
export type DispatcherEnv = z.infer<typeof DispatcherEnv>

export const WorkerEnv = CommonEnv.extend({
  KANBAN_LANES: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim().toLowerCase())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, { error: 'expected comma-separated lane names' })).min(1)),
  KANBAN_COMMAND: z.string().min(1),
  KANBAN_CONCURRENCY: int(1, 10_000).default(1),
  KANBAN_GRACE_MS: int(0, 3_600_000).default(10_000),
  KANBAN_WORKER_NAME: z.string().min(1).max(200).optional(),
})
export type WorkerEnv = z.infer<typeof WorkerEnv>

const flag = z.enum(['0', '1', 'true', 'false'], { error: 'expected 1 or 0' }).transform((v) => v === '1' || v === 'true')

/**
 * `kanban serve` and the dashboard container (docs/deployment.md#the-http-api-and-dashboard).
 * Tokens come from KANBAN_TOKENS (JSON) or the file KANBAN_TOKENS_FILE, never from argv;
 * they are checked in serve.ts (src/http/auth.ts#TokenList) once read.
 */
export const ServeEnv = CommonEnv.extend({
  KANBAN_BOARDS: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(BOARD_NAME, { error: 'expected comma-separated board names' })).min(1, { error: 'expected at least one board' }))
    .optional(),
  KANBAN_PORT: int(0, 65535).default(8080),
  KANBAN_HOST: z.string().min(1).default('127.0.0.1'),
  KANBAN_TOKENS: z.string().min(1).optional(),
  KANBAN_TOKENS_FILE: z.string().min(1).optional(),
  KANBAN_AUTH: z.enum(['tokens', 'none'], { error: 'expected tokens or none' }).default('tokens'),
  KANBAN_PUBLIC_ORIGIN: z
    .string()
    .regex(/^https?:\/\/[^/]+$/, { error: 'expected an origin like https://kanban.example.com (no path)' })
    .optional(),
  KANBAN_TRUST_PROXY: flag.default(false),
  KANBAN_SECURE_COOKIE: flag.optional(),
  KANBAN_DASHBOARD_DIR: z.string().min(1).optional(),
})
export type ServeEnv = z.infer<typeof ServeEnv>

/** Every environment variable the processes read, for the compose-file test. */
export const ENV_NAMES = {
  dispatcher: Object.keys(DispatcherEnv.shape),
  worker: Object.keys(WorkerEnv.shape),
  serve: Object.keys(ServeEnv.shape),
}

export function readEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const r = schema.safeParse(env)
  if (r.success) return r.data
  const issue = r.error.issues[0]!
  const name = String(issue.path[0] ?? 'environment')
  if (env[name] === undefined) throw new ValidationError('INVALID_INPUT', `environment variable ${name} is required`, { field: name })
  const expected = issue.message.startsWith('expected') ? issue.message : `expected ${issue.message}`
  throw new ValidationError('INVALID_INPUT', `environment variable ${name}: ${expected}, got ${show(env[name])}`, { field: name })
}
