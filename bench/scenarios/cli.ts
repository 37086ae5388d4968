/**
 * Scenario cli — what one `kanban` call costs, beside bare Node and redis-cli in the same
 * run: each command `cliCalls` times in sequence after a warm-up call, wall time per call
 * and CPU-seconds per call (the children's user+sys from /proc/self/stat, read before and
 * after the batch), Redis's time in commands per call (INFO commandstats); then eight `kanban create` started
 * at once (the slowest one's wall time), and a board of `cliBoard` tasks created by as many
 * sequential `kanban create --assignee` calls. Runs the compiled bin (`npm run build`
 * first), or the bins given with --cli-bin (e.g. an older build, for a before/after).
 */
import { spawn } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import type { Ctx } from '../lib/context.js'
import { openBoard } from '../lib/context.js'
import { median, round, summarize, type Summary } from '../lib/stats.js'
import { childrenCpuMs } from '../lib/childCpu.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const DEFAULT_CLI = join(root, 'dist', 'cli', 'kanban.js')
const LANE = 'cli'

export interface CliRow {
  /** which bin (relative to the repository), '' for node / redis-cli */
  bin: string
  label: string
  /** the command, as a person would type it */
  command: string
  note: string
  calls: number
  wallMs: Summary
  /** children's user+sys per call, ms (clock-tick resolution over the whole batch) */
  cpuMs: number
  /** µs Redis spent in commands per call (INFO commandstats) */
  redisUs: number
}

export interface CliBinResult {
  bin: string
  rows: CliRow[]
  /** eight creates started at once, per repetition: the slowest one's wall time */
  concurrent: { n: number; slowestMs: number[]; slowestMedianMs: number; cpuMsPerCall: number }
  /** `tasks` sequential `kanban create --assignee` calls: the whole board's wall time */
  board: { tasks: number; wallMs: number; perTaskMs: number; cpuMsPerCall: number }
}

export interface CliResult {
  calls: number
  baseline: CliRow[]
  bins: CliBinResult[]
}

/** µs Redis spent running commands since the last CONFIG RESETSTAT (not its idle cron, which INFO cpu would add). */
async function commandUs(conn: Redis): Promise<number> {
  const info = await conn.info('commandstats')
  let us = 0
  for (const m of info.matchAll(/^cmdstat_[^:]+:.*?usec=(\d+)/gm)) us += Number(m[1])
  return us
}

interface Ran {
  code: number | null
  stdout: string
  stderr: string
  ms: number
}

function runOnce(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const t = performance.now()
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - t }))
  })
}

function mustPass(r: Ran, what: string): Ran {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${r.stderr.trim().slice(-500)}`)
  return r
}

export async function cli(ctx: Ctx, bins: string[]): Promise<CliResult> {
  const n = ctx.cfg.cliCalls
  const conn = new Redis(ctx.url)
  const env = (board: string): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = { ...process.env, KANBAN_REDIS_URL: ctx.url, KANBAN_BOARD: board }
    for (const k of ['REDIS_URL', 'KANBAN_TASK', 'KANBAN_RUN_ID', 'KANBAN_CHANNEL', 'NODE_OPTIONS']) delete e[k]
    return e
  }
  // A batch: one warm-up call, then `n` in sequence; args(i) gives call i its arguments.
  const batch = async (
    bin: string,
    label: string,
    command: string,
    note: string,
    exe: string,
    args: (i: number) => string[],
    board = 'cli-none',
  ): Promise<CliRow> => {
    mustPass(await runOnce(exe, args(-1), env(board)), `${command} (warm-up)`)
    const ms: number[] = []
    const cpu0 = childrenCpuMs()
    await conn.config('RESETSTAT')
    for (let i = 0; i < n; i++) ms.push(mustPass(await runOnce(exe, args(i), env(board)), command).ms)
    const row: CliRow = {
      bin,
      label,
      command,
      note,
      calls: n,
      wallMs: summarize(ms),
      cpuMs: (childrenCpuMs() - cpu0) / n,
      redisUs: (await commandUs(conn)) / n,
    }
    ctx.log(`cli ${label}${bin ? ` (${bin})` : ''}: ${row.wallMs.p50.toFixed(0)} ms wall p50, ${row.cpuMs.toFixed(0)} ms CPU per call`)
    return row
  }
  try {
    const baseline = [await batch('', 'node -e 0', 'node -e 0', 'bare Node: the floor of any Node CLI', process.execPath, () => ['-e', '0'])]
    const url = new URL(ctx.url)
    const redisCli = await runOnce('redis-cli', ['-h', url.hostname, '-p', url.port || '6379', 'ping'], env('x')).catch(() => null)
    if (redisCli?.code === 0) {
      baseline.push(
        await batch('', 'redis-cli ping', 'redis-cli ping', 'a C client: one connection, one round trip', 'redis-cli', () => [
          '-h',
          url.hostname,
          '-p',
          url.port || '6379',
          'ping',
        ]),
      )
    } else ctx.log('cli: no redis-cli on PATH, its row is left out')
    const out: CliBinResult[] = []
    for (const bin of bins) out.push(await oneBin(ctx, bin, batch, env))
    return { calls: n, baseline, bins: out }
  } finally {
    conn.disconnect()
  }
}

type Batch = (bin: string, label: string, command: string, note: string, exe: string, args: (i: number) => string[], board?: string) => Promise<CliRow>

async function oneBin(ctx: Ctx, binPath: string, batch: Batch, env: (board: string) => NodeJS.ProcessEnv): Promise<CliBinResult> {
  if (!existsSync(binPath)) throw new Error(`${binPath} does not exist: run \`npm run build\` first (or give --cli-bin)`)
  const rel = relative(root, binPath)
  const bin = rel && !rel.startsWith('..') ? rel : binPath
  const newestSrc = Math.max(...['src/cli/main.ts', 'src/board.ts', 'src/lanes.ts'].map((f) => statSync(join(root, f)).mtimeMs))
  if (binPath === DEFAULT_CLI && statSync(binPath).mtimeMs < newestSrc)
    ctx.log(`cli: ${bin} is older than src/: run \`npm run build\` to measure the current code`)
  const n = ctx.cfg.cliCalls
  const node = process.execPath
  const k = (args: string[]) => [binPath, ...args]
  const name = ctx.name('cli')
  const board = await openBoard(ctx, name)
  try {
    // show: a task with a parent, a child, a comment and a few events
    const p = await board.createTask({ title: 'parent' })
    const shown = await board.createTask({ title: 'shown', parents: [p], body: 'what to do' })
    await board.createTask({ title: 'child', parents: [shown] })
    await board.addComment(shown, { author: 'bench', body: 'a comment' })
    // complete: ready leaves (no lane job), and parents whose child in a lane becomes ready (a lane job)
    const leaves = await board.createTasks(Array.from({ length: n + 1 }, (_, i) => ({ ref: `l${i}`, title: `leaf ${i}` })))
    const pairs = await board.createTasks(
      Array.from({ length: n + 1 }, (_, i) => [
        { ref: `p${i}`, title: `parent ${i}` },
        { ref: `c${i}`, title: `child ${i}`, assignee: LANE, dependsOn: [`p${i}`] },
      ]).flat(),
    )
    const at = (i: number) => i + 1 // call -1 is the warm-up
    const rows = [
      await batch(bin, 'kanban --help', 'kanban --help', 'no Redis client, no zod, no BullMQ', node, () => k(['--help']), name),
      await batch(bin, 'kanban show', 'kanban show <id>', 'a task with parent, child, comment, events', node, () => k(['show', shown]), name),
      await batch(bin, 'kanban create', 'kanban create --title <t>', 'no lane: no BullMQ job', node, (i) => k(['create', '--title', `plain ${i}`]), name),
      await batch(
        bin,
        'kanban create --assignee',
        `kanban create --title <t> --assignee ${LANE}`,
        'ready in a lane: adds its BullMQ job',
        node,
        (i) => k(['create', '--title', `laned ${i}`, '--assignee', LANE]),
        name,
      ),
      await batch(bin, 'kanban complete', 'kanban complete <id>', 'a leaf: no BullMQ job', node, (i) => k(['complete', leaves[`l${at(i)}`]!]), name),
      await batch(
        bin,
        'kanban complete (child enqueued)',
        'kanban complete <id>',
        `promotes a child in lane ${LANE}: adds its BullMQ job`,
        node,
        (i) => k(['complete', pairs[`p${at(i)}`]!]),
        name,
      ),
    ]

    // eight at once: every one must be done within the aim; the slowest is what counts
    const conc = { n: 8, slowestMs: [] as number[], slowestMedianMs: NaN, cpuMsPerCall: NaN }
    const reps = ctx.cfg.cliConcurrentReps
    const cpu0 = childrenCpuMs()
    for (let rep = 0; rep < reps; rep++) {
      const runs = await Promise.all(
        Array.from({ length: conc.n }, (_, i) => runOnce(node, k(['create', '--title', `concurrent ${rep}.${i}`, '--assignee', LANE]), env(name))),
      )
      for (const r of runs) mustPass(r, 'kanban create (concurrent)')
      conc.slowestMs.push(Math.max(...runs.map((r) => r.ms)))
    }
    conc.cpuMsPerCall = (childrenCpuMs() - cpu0) / (reps * conc.n)
    conc.slowestMedianMs = median(conc.slowestMs)
    ctx.log(`cli 8 concurrent creates: slowest ${conc.slowestMs.map((x) => x.toFixed(0)).join(', ')} ms`)

    // a board through the CLI: sequential creates, each ready in a lane (so each adds its job)
    const tasks = ctx.cfg.cliBoard
    const boardName = ctx.name('cli-board')
    const cpu1 = childrenCpuMs()
    const t = performance.now()
    for (let i = 0; i < tasks; i++)
      mustPass(await runOnce(node, k(['create', '--title', `task ${i}`, '--assignee', LANE]), env(boardName)), 'kanban create (board)')
    const wallMs = performance.now() - t
    const made = await openBoard(ctx, boardName)
    const count = (await made.stats()).total
    await made.close()
    if (count !== tasks) throw new Error(`cli board: ${count} tasks on the board, ${tasks} created`)
    const built = { tasks, wallMs: round(wallMs), perTaskMs: wallMs / tasks, cpuMsPerCall: (childrenCpuMs() - cpu1) / tasks }
    ctx.log(`cli board of ${tasks} tasks: ${(wallMs / 1000).toFixed(1)} s`)
    return { bin, rows, concurrent: conc, board: built }
  } finally {
    await board.close()
  }
}

/** The report's section. */
export function cliMarkdown(
  r: CliResult,
  f: (x: number | undefined, d?: number) => string,
  table: (head: string[], rows: (string | number)[][]) => string,
): string {
  const floor = r.baseline[0]!.wallMs.p50
  const aims: Record<string, number> = {
    'kanban --help': 2,
    'kanban show': 3,
    'kanban create': 3,
    'kanban create --assignee': 3,
    'kanban complete': 3,
    'kanban complete (child enqueued)': 3,
  }
  const row = (x: CliRow) => {
    const ratio = x.wallMs.p50 / floor
    const aim = aims[x.label]
    return [
      x.label + (x.bin && r.bins.length > 1 ? ` (${x.bin})` : ''),
      x.note,
      f(x.wallMs.p50),
      f(x.wallMs.p90),
      f(x.cpuMs),
      f(x.redisUs),
      `${ratio.toFixed(1)}×${aim ? (ratio <= aim ? ` (aim ≤ ${aim}×: met)` : ` (aim ≤ ${aim}×: **not met**)`) : ''}`,
    ]
  }
  const out: string[] = []
  out.push(`## CLI — one \`kanban\` call beside bare Node and redis-cli; ${r.calls} sequential calls each after a warm-up\n`)
  out.push(
    "Wall = spawn to exit, as seen by the parent. CPU = the children's user+sys (from /proc/self/stat, over the batch), per call. Redis = time in commands per call (INFO commandstats).\n",
  )
  out.push(
    table(
      ['command', 'what it does', 'wall p50 ms', 'wall p90 ms', 'CPU ms/call', 'Redis µs/call', 'wall / node -e 0'],
      [...r.baseline.map(row), ...r.bins.flatMap((b) => b.rows.map(row))],
    ),
  )
  out.push('')
  for (const b of r.bins) {
    const c = b.concurrent
    const at = r.bins.length > 1 ? ` (${b.bin})` : ''
    out.push(
      `- ${c.n} \`kanban create --assignee\` started at once${at}: the slowest done in ${c.slowestMs.map((x) => f(x)).join(', ')} ms (median ${f(c.slowestMedianMs)} ms; aim ≤ 2,000 ms: ${c.slowestMedianMs <= 2000 ? 'met' : '**not met**'}), ${f(c.cpuMsPerCall)} ms CPU per call.`,
    )
    out.push(
      `- A board of ${f(b.board.tasks)} tasks through the CLI${at}: ${f(b.board.tasks)} sequential \`kanban create --title <t> --assignee ${LANE}\` calls (each ready, so each adds its BullMQ job) took ${f(b.board.wallMs / 1000, 1)} s (${f(b.board.perTaskMs)} ms per task, ${f(b.board.cpuMsPerCall)} ms CPU per call).`,
    )
  }
  out.push('')
  return out.join('\n')
}
