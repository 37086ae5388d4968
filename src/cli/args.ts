/**
 * Flag parsing for the CLI: node:util parseArgs (strict) plus small typed readers. Bad or
 * missing flags raise UsageError, which the CLI turns into exit code 2 with a message
 * that names the flag.
 */
import { parseArgs } from 'node:util'

export type OptionSpec = { type: 'string' | 'boolean'; multiple?: boolean; short?: string }
export type Options = Record<string, OptionSpec>
export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>

export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export const GLOBAL_OPTIONS: Options = {
  board: { type: 'string' },
  redis: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
}

/** The first argument that is neither a flag nor the value of a global string flag. */
export function splitCommand(argv: string[]): { name: string | undefined; rest: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--') break
    if (a === '--board' || a === '--redis') {
      i++
      continue
    }
    if (a.startsWith('-')) continue
    return { name: a, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] }
  }
  return { name: undefined, rest: argv }
}

export function parse(argv: string[], options: Options): { values: Values; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options: { ...GLOBAL_OPTIONS, ...options }, strict: true, allowPositionals: true })
    return { values: r.values as Values, positionals: r.positionals }
  } catch (e) {
    const code = (e as { code?: string }).code
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError((e as Error).message.replace(/\s*\n\s*/g, ' ').replace(/ To specify a positional.*$/, ''))
    }
    throw e
  }
}

/** Typed readers over parsed flags; every error names the flag. */
export class Flags {
  constructor(
    readonly values: Values,
    readonly positionals: string[],
  ) {}

  str(name: string): string | undefined {
    const v = this.values[name]
    if (Array.isArray(v)) return v.length ? String(v[v.length - 1]) : undefined
    return typeof v === 'string' ? v : undefined
  }

  need(name: string): string {
    const v = this.str(name)
    if (v === undefined) throw new UsageError(`missing required flag --${name}`)
    return v
  }

  bool(name: string): boolean {
    return this.values[name] === true
  }

  /** A repeatable flag, also accepting comma-separated values: --status a,b --status c. */
  list(name: string): string[] | undefined {
    const v = this.values[name]
    if (v === undefined) return undefined
    const raw = (Array.isArray(v) ? v : [v]).map(String)
    const out = raw
      .flatMap((s) => s.split(','))
      .map((s) => s.trim())
      .filter(Boolean)
    if (out.length === 0) throw new UsageError(`--${name}: expected at least one value, got ${JSON.stringify(raw.join(','))}`)
    return out
  }

  int(name: string): number | undefined {
    const v = this.str(name)
    if (v === undefined) return undefined
    if (!/^-?\d+$/.test(v.trim())) throw new UsageError(`--${name}: expected an integer, got ${JSON.stringify(v)}`)
    return Number(v)
  }

  /** An integer, or null for "-" / "none" (clears the field). */
  intOrNull(name: string): number | null | undefined {
    const v = this.str(name)
    if (v === '-' || v === 'none') return null
    return this.int(name)
  }

  json(name: string): Record<string, unknown> | undefined {
    const v = this.str(name)
    if (v === undefined) return undefined
    let parsed: unknown
    try {
      parsed = JSON.parse(v)
    } catch {
      throw new UsageError(`--${name}: expected a JSON object, got ${JSON.stringify(v)}`)
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new UsageError(`--${name}: expected a JSON object, got ${JSON.stringify(v)}`)
    }
    return parsed as Record<string, unknown>
  }

  /** At most `max` positionals; `names` describes them for the error. */
  args(max: number, names: string): string[] {
    if (this.positionals.length > max) {
      throw new UsageError(`unexpected argument ${JSON.stringify(this.positionals[max])} (expected ${names || 'no arguments'})`)
    }
    return this.positionals
  }

  /** The task id: the first positional, else --task (when the command has that flag). */
  task(opts: { flag?: boolean; env?: boolean } = {}): string {
    const pos = this.positionals[0]
    const flag = opts.flag ? this.str('task') : undefined
    if (pos !== undefined && flag !== undefined && pos !== flag) {
      throw new UsageError(`two task ids given: ${JSON.stringify(pos)} and --task ${JSON.stringify(flag)}`)
    }
    const id = pos ?? flag ?? (opts.env ? process.env.KANBAN_TASK || undefined : undefined)
    if (id === undefined) throw new UsageError(opts.flag ? 'missing the task id: give it as an argument or with --task' : 'missing the task id argument')
    return id
  }

  /**
   * The run id: --run, else $KANBAN_RUN_ID when the task itself came from $KANBAN_TASK
   * (a worker's subprocess reporting on its own run), never for a task named on the
   * command line.
   */
  run(required: boolean): string | undefined {
    const r = this.str('run')
    if (r !== undefined) return r
    const fromEnv = this.positionals[0] === undefined && this.str('task') === undefined
    const env = fromEnv ? process.env.KANBAN_RUN_ID || undefined : undefined
    if (env !== undefined) return env
    if (required) throw new UsageError('missing required flag --run')
    return undefined
  }
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/**
 * A point in time: epoch ms, an ISO date, or "+<n><unit>" (ms, s, m, h, d) from `now`
 * (the Redis server's clock, the one clock of the board).
 */
export function parseTime(flag: string, v: string, now: () => Promise<number>): Promise<number> | number {
  const s = v.trim()
  if (/^\d+$/.test(s)) return Number(s)
  const rel = /^\+(\d+)(ms|s|m|h|d)?$/.exec(s)
  if (rel) return now().then((n) => n + Number(rel[1]) * UNITS[rel[2] ?? 'ms']!)
  const t = Date.parse(s)
  if (Number.isFinite(t) && /^\d{4}-\d{2}-\d{2}/.test(s)) return t
  throw new UsageError(`--${flag}: expected epoch ms, an ISO date or +<n>(ms|s|m|h|d), got ${JSON.stringify(v)}`)
}
