/**
 * `npm run bench` — kanban-queue vs plain BullMQ, measured on a private redis-server
 * (free port, persistence off) that this process starts and stops.
 *
 *   npm run bench                  full run (1M-task board included; takes a while)
 *   npm run bench -- --quick       ~1 minute smoke run: smaller N, fewer repetitions, no 100k/1M
 *   options: --only flat,enqueue,dag,promotion,scale,fleet,profile,shell,cli,soak,query,http   --reps N   --tasks N
 *            --scale 1k,10k,100k,1m   --out DIR (default bench/results)   --tracing R (flat: also ours with an OpenTelemetry SDK sampling R)
 *            --redis-nice N (its nice value)   --redis-rt N (SCHED_FIFO at priority N; root)
 *            --shell-before bin.js (the shell scenario also runs this kanban bin over Redis)   --shell-tasks N
 *            --cli-bin a.js,b.js (the kanban bins the cli scenario measures; default dist/cli/kanban.js)
 *            --cli-calls N   --cli-board N (sequential calls per command; tasks of the CLI-made board)
 *            --soak-days N   --soak-hour-ms N   --soak-rate N (the soak: simulated days, real ms per simulated hour, tasks per hour)
 *            --query 50k,1m   --query-reps N (board sizes of the query scenario; pages timed per filter)
 *            --http-requests N (task reads; a quarter as many completes)   --http-clients N   --http-events N (SSE fan-out)
 *   npm run bench -- --render bench/results/<stamp>.json   rewrite <stamp>.md from its JSON
 *
 * Writes bench/results/<stamp>.json (every repetition) and <stamp>.md (the tables, also
 * printed). Progress goes to stderr.
 */
import { execFileSync } from 'node:child_process'
import os from 'node:os'
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startRedisServer } from '../src/testing/index.js'
import type { BenchConfig, Ctx } from './lib/context.js'
import { Pool } from './lib/procs.js'
import { RedisProbe } from './lib/redis.js'
import { writeReport, type BenchResults } from './lib/report.js'
import { markdown } from './lib/tables.js'
import { throughputRun } from './lib/throughput.js'
import { flat } from './scenarios/flat.js'
import { enqueue } from './scenarios/enqueue.js'
import { dag } from './scenarios/dag.js'
import { promotion } from './scenarios/promotion.js'
import { scale } from './scenarios/scale.js'
import { fleet } from './scenarios/fleet.js'
import { profile } from './scenarios/profile.js'
import { shell } from './scenarios/shell.js'
import { cli, DEFAULT_CLI } from './scenarios/cli.js'
import { soak } from './scenarios/soak.js'
import { query } from './scenarios/query.js'
import { http } from './scenarios/http.js'
import { boards } from './scenarios/boards.js'

const here = dirname(fileURLToPath(import.meta.url))
const SCENARIOS = ['flat', 'enqueue', 'dag', 'promotion', 'scale', 'fleet', 'profile', 'shell', 'cli', 'soak', 'query', 'http', 'boards'] as const
/** the scenarios that run tasks in the worker pool (the others start no worker process) */
const POOLED: readonly string[] = ['flat', 'dag', 'promotion', 'fleet', 'profile', 'shell']
type Scenario = (typeof SCENARIOS)[number]

const FULL: BenchConfig = {
  quick: false,
  reps: 5,
  flatTasks: 20_000,
  concurrency: 50,
  procs: 2,
  enqueueSingle: 10_000,
  enqueueBatches: 20,
  fanIn: 1000,
  chain: 1000,
  lattice: { layers: 40, width: 25 },
  dagReps: 3,
  pairs: 500,
  pairWave: 10,
  scaleSizes: [1_000, 10_000, 100_000, 1_000_000],
  fleetProcs: [1, 2, 4],
  fleetTasks: 20_000,
  fleetReps: 3,
  profileTasks: 3000,
  shellTasks: 40,
  shellProcs: 1,
  shellConcurrency: 4,
  shellReps: 2,
  cliCalls: 20,
  cliConcurrentReps: 3,
  cliBoard: 300,
  soakDays: 7,
  soakHourMs: 500,
  soakRate: 200,
  querySizes: [1_000_000],
  queryReps: 500,
  httpReads: 20_000,
  httpCompletes: 5000,
  httpConcurrency: 32,
  httpClients: 100,
  httpEvents: 5000,
  boardsIdle: [10, 100, 500],
  boardsSpread: { boards: 20, tasks: 250, procs: 2, concurrency: 4, reps: 2 },
}

const QUICK: BenchConfig = {
  ...FULL,
  quick: true,
  reps: 3,
  flatTasks: 10_000,
  enqueueSingle: 5000,
  enqueueBatches: 5,
  chain: 200,
  lattice: { layers: 20, width: 25 },
  dagReps: 1,
  pairs: 100,
  scaleSizes: [1_000, 10_000],
  fleetTasks: 5000,
  fleetReps: 1,
  profileTasks: 1000,
  shellTasks: 30,
  shellReps: 1,
  cliCalls: 10,
  soakHourMs: 250,
  soakRate: 100,
  querySizes: [20_000],
  queryReps: 100,
  httpReads: 5000,
  httpCompletes: 1000,
  httpEvents: 1000,
  boardsIdle: [10, 100],
  boardsSpread: { boards: 10, tasks: 100, procs: 2, concurrency: 4, reps: 1 },
}

function usage(msg?: string): never {
  if (msg) process.stderr.write(`bench: ${msg}\n`)
  process.stderr.write(
    'usage: npm run bench [-- --quick] [--only a,b] [--reps N] [--tasks N] [--tracing R] [--scale 1k,10k,100k,1m] [--out DIR] [--redis-nice N] [--redis-rt N]\n' +
      '                     [--cli-bin a.js,b.js] [--cli-calls N] [--cli-board N] [--shell-before bin.js] [--shell-tasks N]\n' +
      '                     [--soak-days N] [--soak-hour-ms N] [--soak-rate N]\n' +
      '                     [--query 50k,1m] [--query-reps N]\n' +
      '                     [--http-requests N] [--http-clients N] [--http-events N] [--boards-idle 10,100,500] [--boards-spread 20x250]\n' +
      '       npm run bench -- --render bench/results/<stamp>.json\n' +
      `scenarios: ${SCENARIOS.join(', ')}\n`,
  )
  process.exit(msg ? 2 : 0)
}

const size = (s: string): number => {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(s.trim())
  if (!m) usage(`not a size: ${s}`)
  return Math.round(Number(m[1]) * (m[2]?.toLowerCase() === 'k' ? 1e3 : m[2]?.toLowerCase() === 'm' ? 1e6 : 1))
}

function parseArgs(argv: string[]): {
  cfg: BenchConfig
  only: Set<Scenario>
  out: string
  nice?: number
  rt?: number
  cliBins: string[]
  shellBefore: string | undefined
} {
  let cfg = argv.includes('--quick') ? { ...QUICK } : { ...FULL }
  let only = new Set<Scenario>(SCENARIOS)
  let out = join(here, 'results')
  let nice: number | undefined
  let rt: number | undefined
  let cliBins = [DEFAULT_CLI]
  let shellBefore: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    const val = () => argv[++i] ?? usage(`${a} needs a value`)
    if (a === '--quick') continue
    else if (a === '--help' || a === '-h') usage()
    else if (a === '--only') {
      const names = val().split(',')
      for (const n of names) if (!SCENARIOS.includes(n as Scenario)) usage(`unknown scenario ${n}`)
      only = new Set(names as Scenario[])
    } else if (a === '--reps') cfg = { ...cfg, reps: size(val()) }
    else if (a === '--tasks') cfg = { ...cfg, flatTasks: size(val()) }
    else if (a === '--tracing') {
      const ratio = Number(val())
      if (!(ratio > 0 && ratio <= 1)) usage('--tracing needs a sample ratio in (0, 1]')
      cfg = { ...cfg, flatTracing: ratio }
    } else if (a === '--scale') cfg = { ...cfg, scaleSizes: val().split(',').map(size) }
    else if (a === '--out') out = val()
    else if (a === '--shell-before') shellBefore = val()
    else if (a === '--shell-tasks') cfg = { ...cfg, shellTasks: size(val()) }
    else if (a === '--cli-bin')
      cliBins = val()
        .split(',')
        .map((b) => resolve(b))
    else if (a === '--cli-calls') cfg = { ...cfg, cliCalls: size(val()) }
    else if (a === '--cli-board') cfg = { ...cfg, cliBoard: size(val()) }
    else if (a === '--soak-days') cfg = { ...cfg, soakDays: size(val()) }
    else if (a === '--soak-hour-ms') cfg = { ...cfg, soakHourMs: size(val()) }
    else if (a === '--soak-rate') cfg = { ...cfg, soakRate: size(val()) }
    else if (a === '--query') cfg = { ...cfg, querySizes: val().split(',').map(size) }
    else if (a === '--query-reps') cfg = { ...cfg, queryReps: size(val()) }
    else if (a === '--http-requests') {
      const n = size(val())
      cfg = { ...cfg, httpReads: n, httpCompletes: Math.max(1, Math.round(n / 4)) }
    } else if (a === '--http-clients') cfg = { ...cfg, httpClients: size(val()) }
    else if (a === '--http-events') cfg = { ...cfg, httpEvents: size(val()) }
    else if (a === '--boards-idle') cfg = { ...cfg, boardsIdle: val().split(',').map(size) }
    else if (a === '--boards-spread') {
      const m = /^(\d+)x(\d+)$/.exec(val()) ?? usage('--boards-spread needs <boards>x<tasks per board>, e.g. 20x250')
      cfg = { ...cfg, boardsSpread: { ...cfg.boardsSpread, boards: Number(m[1]), tasks: Number(m[2]) } }
    } else if (a === '--redis-nice') {
      nice = Number(val())
      if (!Number.isInteger(nice) || nice < -20 || nice > 19) usage('--redis-nice needs an integer from -20 to 19')
    } else if (a === '--redis-rt') {
      rt = Number(val())
      if (!Number.isInteger(rt) || rt < 1 || rt > 99) usage('--redis-rt needs a SCHED_FIFO priority from 1 to 99')
    } else usage(`unknown option ${a}`)
  }
  return { cfg, only, out, nice, rt, cliBins, shellBefore }
}

/** Gives the process that nice value; returns the nice value it has afterwards. */
function setNice(pid: number, nice: number): number {
  try {
    os.setPriority(pid, nice)
  } catch {
    // not permitted (needs root or CAP_SYS_NICE): leave it as it is
  }
  try {
    return os.getPriority(pid)
  } catch {
    return 0
  }
}

/**
 * Puts every thread of the process under SCHED_FIFO at that priority (chrt, root): the
 * OS then never preempts it for an ordinary process. Returns the priority it runs at, or
 * undefined when that was not permitted.
 */
function setRealtime(pid: number, prio: number): number | undefined {
  try {
    execFileSync('chrt', ['-f', '-a', '-p', String(prio), String(pid)], { stdio: 'ignore' })
    const now = execFileSync('chrt', ['-p', String(pid)], { encoding: 'utf8' })
    return /SCHED_FIFO/.test(now) ? Number(/priority: (\d+)/.exec(now)?.[1]) : undefined
  } catch {
    return undefined
  }
}

function stampOf(d: Date, quick: boolean): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${quick ? '-quick' : ''}`
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  if (argv[0] === '--render') {
    const file = argv[1] ?? usage('--render needs a results .json file')
    const text = markdown(JSON.parse(readFileSync(file, 'utf8')) as BenchResults)
    writeFileSync(file.replace(/\.json$/, '.md'), text)
    process.stdout.write(text)
    return
  }
  const { cfg, only, out, nice: niceArg, rt: rtArg, cliBins, shellBefore } = parseArgs(argv)
  const started = new Date()
  const log = (m: string) => process.stderr.write(`[bench ${((Date.now() - started.getTime()) / 1000).toFixed(0).padStart(4)} s] ${m}\n`)

  const srv = await startRedisServer({ appendonly: false })
  // --redis-nice N: the bench's redis-server at that nice value (e.g. -10: the worker
  // processes on the same cores never preempt it, as if Redis had a core of its own)
  const redisNice = niceArg === undefined ? undefined : setNice(srv.pid, niceArg)
  // --redis-rt N: SCHED_FIFO, so SLOWLOG's durations are the commands' own, not the time
  // the OS gave the cores to the worker processes meanwhile
  const redisRt = rtArg === undefined ? undefined : setRealtime(srv.pid, rtArg)
  if (rtArg !== undefined && redisRt === undefined) throw new Error('--redis-rt: chrt could not make the redis-server SCHED_FIFO (needs root)')
  const probe = new RedisProbe(srv.url)
  const poolSize = [...only].some((s) => POOLED.includes(s)) ? Math.max(cfg.procs, ...(only.has('fleet') ? cfg.fleetProcs : [])) : 0
  let pool: Pool | null = null
  const cleanup = async () => {
    await pool?.close().catch(() => undefined)
    await probe.close().catch(() => undefined)
    await srv.stop()
  }
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)))
  try {
    pool = await Pool.spawn(poolSize)
    const server = await probe.server()
    const require = createRequire(import.meta.url)
    const cpus = os.cpus()
    let seq = 0
    const ctx: Ctx = { url: srv.url, probe, pool, cfg, log, name: (tag) => `${tag}-${++seq}` }
    const results: BenchResults = {
      startedAt: started.toISOString(),
      mode: cfg.quick ? 'quick' : 'full',
      command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
      machine: {
        cpu: cpus[0]?.model.trim() ?? '?',
        cores: cpus.length,
        memoryGb: Math.round(os.totalmem() / 2 ** 30),
        platform: `${os.type()} ${os.release()} ${os.arch()}`,
        node: process.version,
        redis: server.version,
        bullmq: (require('bullmq/package.json') as { version: string }).version,
        loadStart: os.loadavg()[0]!,
        redisNice,
        redisRt,
      },
      config: cfg,
      failed: {},
    }
    log(`redis ${server.version} on ${srv.url}, ${poolSize} worker processes, ${cpus.length} cores, ${cfg.quick ? 'quick' : 'full'} run`)

    // warm-up, not recorded: JIT in every worker process, scripts loaded into Redis
    if (['flat', 'dag', 'promotion', 'fleet', 'profile'].some((s) => only.has(s as Scenario))) {
      for (const impl of ['ours', 'bullmq'] as const) await throughputRun(ctx, impl, { tasks: 1000, procs: poolSize, concurrency: cfg.concurrency })
    }

    const steps: [Scenario, () => Promise<void>][] = [
      ['flat', async () => void (results.flat = await flat(ctx))],
      ['enqueue', async () => void (results.enqueue = await enqueue(ctx))],
      ['dag', async () => void (results.dag = await dag(ctx))],
      ['promotion', async () => void (results.promotion = await promotion(ctx))],
      ['fleet', async () => void (results.fleet = await fleet(ctx, cpus.length))],
      ['profile', async () => void (results.profile = await profile(ctx))],
      ['scale', async () => void (results.scale = await scale(ctx))],
      ['shell', async () => void (results.shell = await shell(ctx, shellBefore))],
      ['cli', async () => void (results.cli = await cli(ctx, cliBins))],
      ['soak', async () => void (results.soak = await soak(ctx))],
      ['query', async () => void (results.query = await query(ctx))],
      ['http', async () => void (results.http = await http(ctx))],
      ['boards', async () => void (results.boards = await boards(ctx))],
    ]
    for (const [name, step] of steps) {
      if (!only.has(name)) continue
      const t = Date.now()
      try {
        await step()
        log(`${name} finished in ${((Date.now() - t) / 1000).toFixed(1)} s`)
      } catch (e) {
        results.failed[name] = e instanceof Error ? e.message : String(e)
        log(`${name} FAILED: ${e instanceof Error ? e.stack : String(e)}`)
        await pool.stop().catch(() => undefined)
      }
    }
    results.finishedAt = new Date().toISOString()
    results.machine.loadEnd = os.loadavg()[0]!
    const { json, md, text } = writeReport(out, stampOf(started, cfg.quick), results)
    process.stdout.write(text)
    log(`wrote ${relative(process.cwd(), json)} and ${relative(process.cwd(), md)}`)
    if (Object.keys(results.failed).length) process.exitCode = 1
  } finally {
    await cleanup()
  }
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`)
  process.exit(1)
})
