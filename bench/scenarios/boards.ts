/**
 * Scenario — boards: many boards, few processes (docs/fleet.md#many-boards).
 *
 * 1. Idle cost: N idle boards (one task scheduled a day ahead each) served by one
 *    MultiDispatcher ticking as fast as it may (intervalMs 50); after a warm-up, the Redis
 *    commands (INFO commandstats, nested script commands included), Redis CPU (INFO cpu) and
 *    the dispatcher process's own CPU, per tick. Then the same boards with two
 *    MultiDispatchers sharing them: commands per board per round for the pair (the owner's
 *    tick and the other's look).
 * 2. Spread: B boards of T ready tasks each, served by P MultiWorker processes (bench/procs/
 *    multiworker.ts, concurrency C per board) and one MultiDispatcher, on one Redis node and
 *    on a cluster of three masters (loopback, started here): tasks/s from the dispatcher's
 *    start until every task is done; each node's Redis CPU and the clients' CPU (1 = one core busy).
 */
import { execFile, fork, type ChildProcess } from 'node:child_process'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { Cluster, Redis } from 'ioredis'
import { Board, MultiDispatcher } from '../../src/index.js'
import { boardKeys } from '../../src/keys.js'
import { findFreePort, startRedisServer, type RedisServerHandle } from '../../src/testing/index.js'
import type { Ctx } from '../lib/context.js'

export interface IdleRow {
  boards: number
  ticks: number
  /** Redis commands per tick (script calls and the commands they ran, counted apart) */
  commandsPerTick: number
  scriptCallsPerTick: number
  /** Redis CPU (INFO cpu) and time inside commands (commandstats) per tick, µs */
  redisCpuUsPerTick: number
  redisCmdUsPerTick: number
  /** the dispatcher process's CPU per tick, µs (the bench's own polling included) */
  clientCpuUsPerTick: number
  /** wall time of one round over every board, ms */
  roundMs: number
  /** two dispatchers: commands per board per round, for the pair, and the share of ticks the second ran */
  pairCommandsPerBoardRound: number
  pairTickShare: number
  /** the commands of a tick, most called first: [command, calls per tick, µs per tick] (nested script commands included) */
  topCommands: [string, number, number][]
  loadAvg: number
}

export interface SpreadRow {
  topology: 'one node' | 'cluster of 3 masters'
  boards: number
  tasks: number
  procs: number
  concurrency: number
  seconds: number
  tasksPerSec: number
  /** Redis CPU per node over the run (1 = one core busy) */
  nodeBusy: number[]
  /** CPU of the worker processes together and of the bench process (the dispatcher, the producer's polling) over the run */
  workersBusy: number
  dispatcherBusy: number
  loadAvg: number
}

export interface BoardsResult {
  idle: IdleRow[]
  spread: SpreadRow[]
}

const run = promisify(execFile)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function until(test: () => boolean | Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await test())) {
    if (Date.now() > end) throw new Error(`boards scenario: timed out waiting for ${what}`)
    await sleep(50)
  }
}

const cpuUsOf = async (c: Redis) => {
  const info = await c.info('cpu')
  const v = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0)
  return (v('used_cpu_user') + v('used_cpu_sys')) * 1e6
}

async function idle(ctx: Ctx, n: number): Promise<IdleRow> {
  await ctx.probe.flush()
  const conn = new Redis(ctx.url)
  try {
    const runAt = Date.now() + 86_400_000
    for (let i = 0; i < n; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, n - i) }, async (_, k) => {
          const b = await Board.open({ redis: conn, board: `idle-${i + k}` })
          await b.createTask({ title: 'later', assignee: 'alpha', runAt })
          await b.close()
        }),
      )
    }
    const d = await new MultiDispatcher({ redis: conn, boards: 'idle-*', intervalMs: 50, discoverEveryMs: 3_600_000, holder: 'bench-d1' }).start()
    await until(() => d.roundCount >= 3, 'warm-up rounds', 120_000)
    const rounds = ctx.cfg.quick ? 5 : 10
    await ctx.probe.begin()
    const ticks0 = d.tickCount
    const rounds0 = d.roundCount
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    await until(() => d.roundCount >= rounds0 + rounds, 'measured rounds', 600_000)
    await d.close()
    const wallMs = performance.now() - t0
    const cpu = process.cpuUsage(cpu0)
    const ticks = d.tickCount - ticks0
    const cost = await ctx.probe.end(ticks)
    const stats = await ctx.probe.commandStats()
    const cmdUs = Object.entries(stats)
      .filter(([c]) => !/^(info|config|slowlog|latency|flushall)/.test(c))
      .reduce((a, [, s]) => a + s.usec, 0)

    // two dispatchers share the boards: each looks at every board per round, ticks its own
    const d1 = await new MultiDispatcher({ redis: conn, boards: 'idle-*', intervalMs: 50, discoverEveryMs: 500, holder: 'bench-p1' }).start()
    const d2 = await new MultiDispatcher({ redis: conn, boards: 'idle-*', intervalMs: 50, discoverEveryMs: 500, holder: 'bench-p2' }).start()
    await sleep(1500) // both have seen each other (discovery every 500 ms)
    await until(() => d1.owned.length + d2.owned.length === n, 'the boards shared out', 30_000)
    await ctx.probe.begin()
    const [a0, b0, r0] = [d1.tickCount, d2.tickCount, d1.roundCount]
    await until(() => d1.roundCount >= r0 + rounds, 'measured pair rounds', 600_000)
    const pairRounds = d1.roundCount - r0
    await Promise.all([d1.close(), d2.close()])
    const pair = await ctx.probe.end(pairRounds * n)
    const [ta, tb] = [d1.tickCount - a0, d2.tickCount - b0]
    return {
      boards: n,
      ticks,
      commandsPerTick: cost.callsPerTask,
      scriptCallsPerTick: cost.scriptCallsPerTask,
      redisCpuUsPerTick: cost.cpuUsPerTask,
      redisCmdUsPerTick: cmdUs / Math.max(1, ticks),
      clientCpuUsPerTick: (cpu.user + cpu.system) / Math.max(1, ticks),
      roundMs: wallMs / rounds,
      pairCommandsPerBoardRound: pair.callsPerTask,
      pairTickShare: tb / Math.max(1, ta + tb),
      topCommands: cost.topCommands,
      loadAvg: os.loadavg()[0]!,
    }
  } finally {
    await conn.quit().catch(() => conn.disconnect())
  }
}

async function startCluster(): Promise<{ servers: RedisServerHandle[]; cluster: Cluster }> {
  const servers: RedisServerHandle[] = []
  for (let i = 0; i < 3; i++) {
    servers.push(
      await startRedisServer({
        port: await findFreePort(),
        appendonly: false,
        extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${i}.conf`],
      }),
    )
  }
  await run('redis-cli', ['--cluster', 'create', ...servers.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', '0', '--cluster-yes'])
  for (let i = 0; i < 100; i++) {
    const { stdout } = await run('redis-cli', ['-p', String(servers[0]!.port), 'cluster', 'info'])
    if (stdout.includes('cluster_state:ok')) break
    await sleep(100)
  }
  const cluster = new Cluster(
    servers.map((s) => ({ host: '127.0.0.1', port: s.port })),
    { redisOptions: { maxRetriesPerRequest: null } },
  )
  await cluster.ping()
  return { servers, cluster }
}

async function spread(ctx: Ctx, topology: SpreadRow['topology']): Promise<SpreadRow> {
  const { boards: nBoards, tasks, procs, concurrency } = ctx.cfg.boardsSpread
  let servers: RedisServerHandle[] = []
  let conn: Redis | Cluster
  let nodes: Redis[]
  const env: Record<string, string> = {}
  if (topology === 'one node') {
    await ctx.probe.flush()
    conn = new Redis(ctx.url)
    nodes = [new Redis(ctx.url)]
    env.BENCH_REDIS = ctx.url
  } else {
    const c = await startCluster()
    servers = c.servers
    conn = c.cluster
    nodes = servers.map((s) => new Redis(s.url))
    env.BENCH_CLUSTER = servers.map((s) => s.port).join(',')
  }
  const children: ChildProcess[] = []
  try {
    const names = Array.from({ length: nBoards }, (_, i) => `spread-${i}`)
    const boards = await Promise.all(names.map((board) => Board.open({ redis: conn, board })))
    for (const b of boards) {
      for (let i = 0; i < tasks; i += 100)
        await b.createTasks(Array.from({ length: Math.min(100, tasks - i) }, (_, k) => ({ ref: `t${i + k}`, title: `task ${i + k}`, assignee: 'alpha' })))
    }
    const file = fileURLToPath(new URL('../procs/multiworker.ts', import.meta.url))
    await Promise.all(
      Array.from({ length: procs }, () => {
        const child = fork(file, [], {
          execArgv: ['--import', 'tsx'],
          env: { ...process.env, ...env, BENCH_BOARDS: 'spread-*', BENCH_EXPECT: String(nBoards), BENCH_CONCURRENCY: String(concurrency) },
          stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        })
        children.push(child)
        return new Promise<void>((resolve, reject) => {
          child.once('message', () => resolve())
          child.once('exit', (code) => reject(new Error(`boards scenario: a worker process exited (${code}) before ready`)))
        })
      }),
    )
    const done = async () => (await Promise.all(names.map((n) => conn.zcard(boardKeys(n).status('done'))))).reduce((a, b) => a + b, 0)
    const workerCpu = () =>
      Promise.all(
        children.map(
          (c) =>
            new Promise<number>((resolve) => {
              c.once('message', (m) => resolve((m as { cpuUs: number }).cpuUs))
              c.send('cpu')
            }),
        ),
      ).then((xs) => xs.reduce((a, b) => a + b, 0))
    const w0 = await workerCpu()
    const self0 = process.cpuUsage()
    const cpu0 = await Promise.all(nodes.map(cpuUsOf))
    const t0 = performance.now()
    const d = await new MultiDispatcher({ redis: conn, boards: 'spread-*', intervalMs: 100, discoverEveryMs: 3_600_000 }).start()
    await until(async () => (await done()) >= nBoards * tasks, 'every task done', 600_000)
    const seconds = (performance.now() - t0) / 1000
    const cpu1 = await Promise.all(nodes.map(cpuUsOf))
    const self = process.cpuUsage(self0)
    const w1 = await workerCpu()
    await d.close()
    await Promise.all(boards.map((b) => b.close()))
    const row: SpreadRow = {
      topology,
      boards: nBoards,
      tasks: nBoards * tasks,
      procs,
      concurrency,
      seconds,
      tasksPerSec: (nBoards * tasks) / seconds,
      nodeBusy: cpu1.map((c, i) => (c - cpu0[i]!) / 1e6 / seconds),
      workersBusy: (w1 - w0) / 1e6 / seconds,
      dispatcherBusy: (self.user + self.system) / 1e6 / seconds,
      loadAvg: os.loadavg()[0]!,
    }
    ctx.log(
      `boards spread ${topology}: ${row.tasksPerSec.toFixed(0)} tasks/s, node busy ${row.nodeBusy.map((x) => x.toFixed(2)).join(' ')}, workers ${row.workersBusy.toFixed(2)}, dispatcher ${row.dispatcherBusy.toFixed(2)}`,
    )
    return row
  } finally {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve()
            c.once('exit', () => resolve())
            c.kill('SIGKILL')
          }),
      ),
    )
    await conn.quit().catch(() => conn.disconnect())
    for (const n of nodes) await n.quit().catch(() => n.disconnect())
    for (const s of servers) await s.stop()
  }
}

export async function boards(ctx: Ctx): Promise<BoardsResult> {
  const idleRows: IdleRow[] = []
  for (const n of ctx.cfg.boardsIdle) {
    const r = await idle(ctx, n)
    ctx.log(
      `boards idle ${n}: ${r.commandsPerTick.toFixed(1)} commands/tick, Redis ${r.redisCpuUsPerTick.toFixed(0)} µs/tick, pair ${r.pairCommandsPerBoardRound.toFixed(1)} commands/board/round`,
    )
    idleRows.push(r)
  }
  const spreadRows: SpreadRow[] = []
  for (let rep = 0; rep < ctx.cfg.boardsSpread.reps; rep++) {
    // alternate which topology goes first, as the other scenarios alternate implementations
    const order: SpreadRow['topology'][] = rep % 2 === 0 ? ['one node', 'cluster of 3 masters'] : ['cluster of 3 masters', 'one node']
    for (const t of order) spreadRows.push(await spread(ctx, t))
  }
  return { idle: idleRows, spread: spreadRows }
}

export function boardsMarkdown(
  r: BoardsResult,
  f: (x: number | undefined, d?: number) => string,
  table: (head: string[], rows: (string | number)[][]) => string,
): string {
  return [
    '## Boards — many boards, few processes\n',
    'Idle boards (one task scheduled a day ahead each), one MultiDispatcher ticking every board as fast as it may; then two sharing them.\n',
    table(
      [
        'boards',
        'ticks',
        'cmds/tick',
        'script calls/tick',
        'Redis CPU µs/tick',
        'Redis cmd µs/tick',
        'dispatcher CPU µs/tick',
        'round ms',
        'pair: cmds/board/round',
        'pair: 2nd ticks',
        'load',
      ],
      r.idle.map((x) => [
        f(x.boards),
        f(x.ticks),
        f(x.commandsPerTick, 1),
        f(x.scriptCallsPerTick, 1),
        f(x.redisCpuUsPerTick),
        f(x.redisCmdUsPerTick),
        f(x.clientCpuUsPerTick),
        f(x.roundMs, 1),
        f(x.pairCommandsPerBoardRound, 1),
        `${f(x.pairTickShare * 100)}%`,
        f(x.loadAvg, 1),
      ]),
    ),
    '',
    `An idle tick's commands (${f(r.idle.at(-1)?.boards)} boards; calls per tick): ${(r.idle.at(-1)?.topCommands ?? []).map(([c, n]) => `${c} ${f(n, 1)}`).join(', ')}.`,
    '',
    'Boards spread over a cluster of three masters vs one node: every board ready tasks, MultiWorker processes and one MultiDispatcher, all on this machine.\n',
    table(
      ['topology', 'boards', 'tasks', 'procs × conc', 'seconds', 'tasks/s', 'Redis busy per node', 'workers busy', 'dispatcher busy', 'load'],
      r.spread.map((x) => [
        x.topology,
        f(x.boards),
        f(x.tasks),
        `${x.procs} × ${x.concurrency}`,
        f(x.seconds, 1),
        f(x.tasksPerSec),
        x.nodeBusy.map((b) => b.toFixed(2)).join(' / '),
        f(x.workersBusy, 2),
        f(x.dispatcherBusy, 2),
        f(x.loadAvg, 1),
      ]),
    ),
    '',
  ].join('\n')
}
