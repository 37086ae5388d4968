/**
 * Scenario — query: filtered pages on a large board (docs/api.md#listing-tasks). A board
 * of N tasks is built through the product's own scripts — createTasks in batches of 5,000
 * (one MULTI / EXEC each), then completions, archives and claims, pipelined — over 100
 * tenants and 10 lanes, both skewed (the biggest tenant has ~20% of the tasks, the biggest
 * lane ~45%), with a tenant and a lane of 3 tasks each, and the statuses of a board that
 * has lived a while (55% done, 10% archived, 15% ready, 5% todo, 5% blocked, 5% scheduled,
 * 3% triage, 2% running). Then each filter's first page of 50 (`listTasksPage`) is timed
 * `queryReps` times, one after the other, from this process: p50 / p95 / p99 in ms, the
 * Redis commands a page costs, and the machine's load average around the timing.
 * The aim (issue): a page of 50 in under 5 ms on 1M tasks, whatever the filter matches.
 */
import os from 'node:os'
import { Board } from '../../src/board.js'
import type { CreateNodeInput, ListPageFilter, Status } from '../../src/index.js'
import type { Ctx } from '../lib/context.js'
import { summarize, type Summary } from '../lib/stats.js'

export interface QueryFilterRun {
  name: string
  filter: ListPageFilter
  /** tasks on the board that the filter matches */
  matches: number
  /** tasks the timed page held, and whether it had a next cursor */
  returned: number
  hasNext: boolean
  ms: Summary
  /** Redis commands per page (INFO commandstats; a MULTI / EXEC counts its commands and itself) */
  commandsPerPage: number
  /** Redis time per page inside those commands, µs (commandstats usec: little moved by the machine's load) */
  redisUsPerPage: number
}

export interface QueryRun {
  tasks: number
  buildMs: number
  buildTasksPerSec: number
  /** used_memory growth over the build, per task */
  memoryPerTask: number
  reps: number
  /** 1-minute load average right before and right after the timed pages */
  loadBefore: number
  loadAfter: number
  filters: QueryFilterRun[]
}

export interface QueryResult {
  runs: QueryRun[]
}

const BATCH = 5000
const PAGE = 50
const TENANTS = 100
const LANES = 10
const RARE_TENANT = 'rare'
const RARE_LANE = 'rare-lane'

// status codes of the build, by share of 100
const KINDS: [Status, number][] = [
  ['done', 55],
  ['archived', 10],
  ['ready', 15],
  ['todo', 5],
  ['blocked', 5],
  ['scheduled', 5],
  ['triage', 3],
  ['running', 2],
]
const KIND_OF: Status[] = KINDS.flatMap(([s, n]) => Array.from({ length: n }, () => s))

/** a fixed pseudo-random number in [0, 1) per task index and purpose */
function unit(k: number, salt: number): number {
  let t = (k * 0x9e3779b1 + salt * 0x85ebca6b) >>> 0
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const tenantName = (i: number) => `tenant-${String(i).padStart(2, '0')}`
const laneName = (i: number) => `lane-${i}`

/** The task at index k: its status, tenant (-1 none, -2 the rare one) and lane (same). */
function spec(k: number, n: number): { status: Status; tenant: number; lane: number } {
  // the first task of each batch holds the batch's todo tasks: it is created blocked
  const status = k % BATCH === 0 ? 'blocked' : KIND_OF[Math.floor(unit(k, 1) * 100)]!
  const rareTenant = k === 17 || k === Math.floor(n / 2) + 3 || k === n - 5
  const rareLane = k === 29 || k === Math.floor(n / 3) + 1 || k === n - 11
  const tenant = rareTenant ? -2 : unit(k, 2) < 0.1 ? -1 : Math.floor(unit(k, 3) ** 3 * TENANTS)
  const lane = rareLane ? -2 : unit(k, 4) < 0.08 ? -1 : Math.floor(unit(k, 5) ** 2 * LANES)
  return { status: rareTenant || rareLane ? 'ready' : status, tenant, lane }
}

async function build(board: Board, n: number, log: (m: string) => void): Promise<Uint32Array[]> {
  // per task: status index, tenant + 2, lane + 2 (for counting what a filter matches)
  const st = new Uint32Array(n)
  const te = new Uint32Array(n)
  const la = new Uint32Array(n)
  const t0 = Date.now()
  const far = (await board.now()) + 365 * 86_400_000
  for (let i = 0; i < n; i += BATCH) {
    const k = Math.min(BATCH, n - i)
    const specs = Array.from({ length: k }, (_, j) => spec(i + j, n))
    const nodes = specs.map((s, j): CreateNodeInput => {
      const node: CreateNodeInput = { ref: `n${j}`, title: `task ${i + j}`, priority: Math.floor(unit(i + j, 6) * 4) }
      if (s.tenant !== -1) node.tenant = s.tenant === -2 ? RARE_TENANT : tenantName(s.tenant)
      if (s.lane !== -1) node.assignee = s.lane === -2 ? RARE_LANE : laneName(s.lane)
      if (s.status === 'blocked') node.initialStatus = 'blocked'
      else if (s.status === 'triage') node.triage = true
      else if (s.status === 'scheduled') node.runAt = far
      else if (s.status === 'todo') node.dependsOn = ['n0']
      return node
    })
    const byRef = await board.createTasks(nodes)
    const ids = nodes.map((node) => byRef[node.ref]!)
    const of = (status: Status) => ids.filter((_, j) => specs[j]!.status === status)
    await Promise.all(of('done').map((id) => board.completeTask(id)))
    await Promise.all(of('archived').map((id) => board.archiveTask(id)))
    await Promise.all(of('running').map((id) => board.claimTask(id, { claimer: 'bench-query' })))
    specs.forEach((s, j) => {
      st[i + j] = KINDS.findIndex(([x]) => x === s.status)
      te[i + j] = s.tenant + 2
      la[i + j] = s.lane + 2
    })
    if ((i / BATCH) % 40 === 39) log(`query ${n}: ${i + k} tasks built in ${((Date.now() - t0) / 1000).toFixed(0)} s`)
  }
  return [st, te, la]
}

/** What a filter matches on the built board, counted from the build's own record. */
function matching(f: ListPageFilter, [st, te, la]: Uint32Array[]): number {
  const statuses = f.status === undefined ? KINDS.map(([s]) => s).filter((s) => s !== 'archived') : Array.isArray(f.status) ? f.status : [f.status]
  const want = new Set(statuses.map((s) => KINDS.findIndex(([x]) => x === s)))
  const code = (name: string | undefined, rare: string, prefix: string) =>
    name === undefined ? undefined : name === rare ? 0 : name.startsWith(prefix) ? Number(name.slice(prefix.length)) + 2 : -1
  const t = code(f.tenant, RARE_TENANT, 'tenant-')
  const l = code(f.assignee, RARE_LANE, 'lane-')
  let n = 0
  for (let k = 0; k < st.length; k++) if (want.has(st[k]!) && (t === undefined || te[k] === t) && (l === undefined || la[k] === l)) n++
  return n
}

async function commands(ctx: Ctx): Promise<{ calls: number; usec: number }> {
  const all = Object.entries(await ctx.probe.commandStats()).filter(([k]) => k !== 'info')
  // (EXEC's time includes the commands it ran, which are counted on their own)
  return { calls: all.reduce((a, [, c]) => a + c.calls, 0), usec: all.reduce((a, [k, c]) => a + (k === 'exec' ? 0 : c.usec), 0) }
}

export async function query(ctx: Ctx): Promise<QueryResult> {
  const runs: QueryRun[] = []
  for (const n of ctx.cfg.querySizes) {
    await ctx.probe.flush()
    const board = await Board.open({ redis: ctx.url, board: ctx.name('query') })
    try {
      const mem0 = await ctx.probe.usedMemory()
      const t0 = performance.now()
      const record = await build(board, n, ctx.log)
      const buildMs = performance.now() - t0
      const memoryPerTask = ((await ctx.probe.usedMemory()) - mem0) / n
      // a cursor deep in the biggest lane's done tasks: ~10,000 in
      let deep: string | undefined
      for (let i = 0, after: string | undefined; i < 10; i++) {
        const p = await board.listTasksPage({ status: 'done', assignee: laneName(0), limit: 1000, ...(after ? { after } : {}) })
        after = p.next ?? undefined
        deep = after ?? deep
        if (!after) break
      }
      const filters: [string, ListPageFilter][] = [
        ['no filter', {}],
        ['ready', { status: 'ready' }],
        ['biggest tenant', { tenant: tenantName(0) }],
        ['biggest lane', { assignee: laneName(0) }],
        ['biggest tenant and lane', { tenant: tenantName(0), assignee: laneName(0) }],
        ['a small tenant in a small lane', { tenant: tenantName(60), assignee: laneName(8) }],
        ['ready or running of the biggest tenant', { status: ['ready', 'running'], tenant: tenantName(0) }],
        ['archived of the biggest tenant', { status: 'archived', tenant: tenantName(0) }],
        ['a tenant of 3 tasks', { tenant: RARE_TENANT }],
        ['a lane of 3 tasks', { assignee: RARE_LANE }],
        ['a tenant with no task', { tenant: 'nobody' }],
        ['done of the biggest lane, page ~200', { status: 'done', assignee: laneName(0), ...(deep ? { after: deep } : {}) }],
      ]
      const reps = ctx.cfg.queryReps
      const loadBefore = os.loadavg()[0]!
      const timed: QueryFilterRun[] = []
      for (const [name, filter] of filters) {
        const f = { ...filter, limit: PAGE }
        for (let i = 0; i < 5; i++) await board.listTasksPage(f) // warm
        const c0 = await commands(ctx)
        const ms: number[] = []
        let last = await board.listTasksPage(f)
        for (let i = 0; i < reps; i++) {
          const t = performance.now()
          last = await board.listTasksPage(f)
          ms.push(performance.now() - t)
        }
        // (the commandstats reads themselves, INFO, are left out)
        const c1 = await commands(ctx)
        timed.push({
          name,
          filter,
          matches: matching(filter, record),
          returned: last.tasks.length,
          hasNext: last.next !== null,
          ms: summarize(ms),
          commandsPerPage: (c1.calls - c0.calls) / (reps + 1),
          redisUsPerPage: (c1.usec - c0.usec) / (reps + 1),
        })
      }
      const loadAfter = os.loadavg()[0]!
      const run: QueryRun = { tasks: n, buildMs, buildTasksPerSec: (n / buildMs) * 1000, memoryPerTask, reps, loadBefore, loadAfter, filters: timed }
      const worst = timed.reduce((a, b) => (b.ms.p95 > a.ms.p95 ? b : a))
      ctx.log(
        `query ${n}: built in ${(buildMs / 1000).toFixed(1)} s, ${memoryPerTask.toFixed(0)} B/task; page of ${PAGE}: worst p95 ${worst.ms.p95.toFixed(2)} ms (${worst.name}); load ${loadBefore.toFixed(1)} -> ${loadAfter.toFixed(1)}`,
      )
      runs.push(run)
    } finally {
      await board.close()
    }
  }
  await ctx.probe.flush()
  return { runs }
}

/** The scenario's section of the report. */
export function queryMarkdown(
  r: QueryResult,
  f: (x: number | undefined, d?: number) => string,
  table: (head: string[], rows: (string | number)[][]) => string,
): string {
  const out: string[] = []
  for (const run of r.runs) {
    out.push(
      `## Query — a page of ${PAGE} on a board of ${f(run.tasks)} tasks; ${f(run.reps)} pages per filter\n`,
      `Built in ${f(run.buildMs / 1000, 1)} s (${f(run.buildTasksPerSec)} tasks/s), ${f(run.memoryPerTask)} B of Redis per task. Load average (1 min) around the timing: ${f(run.loadBefore, 1)} → ${f(run.loadAfter, 1)}.\n`,
      table(
        ['filter', 'matches', 'page', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'Redis cmds/page', 'Redis µs/page'],
        run.filters.map((x) => [
          x.name,
          f(x.matches),
          `${x.returned}${x.hasNext ? ' + next' : ''}`,
          f(x.ms.p50, 2),
          f(x.ms.p95, 2),
          f(x.ms.p99, 2),
          f(x.ms.max, 2),
          f(x.commandsPerPage, 1),
          f(x.redisUsPerPage),
        ]),
      ),
      '',
    )
  }
  return out.join('\n')
}
