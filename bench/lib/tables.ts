/** The markdown report: one table per scenario, medians of the repetitions. */
import type { BenchResults } from './report.js'
import type { ThroughputRun } from './throughput.js'
import type { RedisCost } from './redis.js'
import type { Summary } from './stats.js'
import { median } from './stats.js'
import { CREATE_CHUNK } from './context.js'
import { shellMarkdown } from '../scenarios/shell.js'
import { cliMarkdown } from '../scenarios/cli.js'
import { soakMarkdown } from '../scenarios/soak.js'
import { queryMarkdown } from '../scenarios/query.js'
import { boardsMarkdown } from '../scenarios/boards.js'
import { httpMarkdown } from '../scenarios/http.js'

const f = (x: number | undefined, d = 0): string =>
  x === undefined || !Number.isFinite(x) ? '–' : x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d })
const ratio = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–')
const ms = (us: number) => `${(us / 1000).toFixed(2)} ms`
const table = (head: string[], rows: (string | number)[][]): string =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n')
/** how often the OS preempted Redis in a run ('' for runs recorded before it was counted) */
const preempts = (c: RedisCost, sep: string, after = '') => (Number.isFinite(c.preempted) ? `${sep}Redis preempted ${f(c.preempted)}×${after}` : '')
const slow = (c: RedisCost) => `${ms(c.slowestUs)} (${c.slowest}${preempts(c, '; ')})`
const lat = (s: Summary | undefined) => (s ? `${f(s.p50, 1)} / ${f(s.p99, 1)}` : '–')

function tpRow(label: string, r: ThroughputRun): (string | number)[] {
  return [
    label,
    f(r.tasksPerSec),
    f(r.wallMs),
    f(r.produceMs),
    f(r.redis.cpuUsPerTask, 1),
    f(r.redis.cpuBusy, 2),
    f(r.redis.scriptUsPerTask, 1),
    f(r.redis.scriptCallsPerTask, 2),
    f(r.redis.callsPerTask, 1),
    f(r.redis.memoryPerTask),
    f(r.clientBusy, 2),
    f(r.machineBusy, 2),
    slow(r.redis),
  ]
}
const TP_HEAD = [
  '',
  'tasks/s',
  'wall ms',
  'produced at ms',
  'Redis CPU µs/task',
  'Redis busy (cores)',
  'script µs/task',
  'script calls/task',
  'Redis cmds/task',
  'Redis B/task',
  'workers busy (cores)',
  'machine busy (cores, all processes)',
  'slowest command',
]

/** Target checks: [target, measured, verdict]. */
function targets(r: BenchResults): string[][] {
  const out: string[][] = []
  const ok = (b: boolean) => (b ? 'met' : '**not met**')
  if (r.flat) out.push(['flat throughput ≥ 0.7× BullMQ', ratio(r.flat.ratio), ok(r.flat.ratio >= 0.7)])
  if (r.promotion) {
    // both paths must meet it: taken over by the completing worker, and through BullMQ
    const l = r.promotion.ours.latencyMs
    const v = r.promotion.ours.viaBullmqMs
    const both = (k: 'p50' | 'p99') => `${f(l[k], 1)} ms${v ? ` (same lane), ${f(v[k], 1)} ms (another lane, through BullMQ)` : ''}`
    out.push(['promotion p50 < 5 ms', both('p50'), ok(Math.max(l.p50, v?.p50 ?? 0) < 5)])
    out.push(['promotion p99 < 25 ms', both('p99'), ok(Math.max(l.p99, v?.p99 ?? 0) < 25)])
  }
  const big = r.scale?.runs.at(-1)
  if (big) {
    const at = big.tasks >= 1_000_000 ? '1M' : `${f(big.tasks)} (largest measured)`
    out.push([
      `idle tick < 2 ms at 1M`,
      `${f(big.tick.p50, 2)} ms p50, ${f(big.tick.p99, 2)} ms p99 at ${at}`,
      ok(big.tick.p99 < 2) + (big.tasks < 1e6 ? ' (not at 1M)' : ''),
    ])
    out.push(['< 1.5 KB Redis memory per finished task', `${f(big.memoryPerTask)} B/task at ${f(big.tasks)}`, ok(big.memoryPerTask < 1536)])
  }
  const q = r.query?.runs.at(-1)
  if (q) {
    const worst = q.filters.reduce((a, b) => (b.ms.p95 > a.ms.p95 ? b : a))
    out.push([
      'a filtered page of 50 < 5 ms at 1M, whatever it matches',
      `worst p95 ${f(worst.ms.p95, 2)} ms (${worst.name}) at ${f(q.tasks)}; load ${f(q.loadBefore, 1)} → ${f(q.loadAfter, 1)}`,
      ok(worst.ms.p95 < 5) + (q.tasks < 1e6 ? ' (not at 1M)' : ''),
    ])
  }
  // longest call of one of our scripts over every runtime scenario (a createTasks of 1,000
  // nodes is one MULTI / EXEC of script calls: each call counts, and the whole step is
  // reported on its own line below)
  const lua: [number, string, string][] = []
  const add = (c: RedisCost | undefined, where: string) => c && lua.push([c.slowestOursUs, c.slowestOurs, where + preempts(c, ', ', ' in that run')])
  for (const x of r.flat?.reps ?? []) add(x.redis, 'flat')
  for (const x of r.enqueue?.reps ?? []) add(x.redis, `enqueue ${x.mode}`)
  for (const x of r.dag?.reps ?? []) add(x.redis, `dag ${x.shape}`)
  for (const x of r.promotion?.reps ?? []) add(x.redis, 'promotion')
  for (const s of r.fleet?.steps ?? []) for (const x of s.reps) add(x.redis, `fleet ${x.procs}p`)
  for (const s of r.scale?.runs ?? []) {
    lua.push([s.tickSlowestUs, s.tickSlowest, `idle tick ${f(s.tasks)}`])
    lua.push([s.recomputeSlowestUs, s.recomputeSlowest, `recompute ${f(s.tasks)}`])
  }
  if (lua.length) {
    const worst = lua.reduce((a, b) => (b[0] > a[0] ? b : a))
    out.push(['no Lua call over 5 ms (every scenario)', `${ms(worst[0])}: ${worst[1]} in ${worst[2]}`, ok(worst[0] <= 5000)])
  }
  // the same aim where every call is logged (one flat run with SLOWLOG at 0): each call's own
  // duration beside its p99, which a one-off pause of the server does not move
  const prof = (r.profile?.runs ?? []).find((p) => p.impl === 'ours')
  const scriptsOf = prof?.rows.filter((x) => x.name.startsWith('ours:')) ?? []
  if (scriptsOf.length) {
    const w = scriptsOf.reduce((a, b) => (b.maxUs > a.maxUs ? b : a))
    const p99 = scriptsOf.reduce((a, b) => (b.p99Us > a.p99Us ? b : a))
    out.push([
      '… every call of one flat run logged (profile)',
      `longest ${ms(w.maxUs)} (${w.name}); highest p99 ${ms(p99.p99Us)} (${p99.name})`,
      ok(w.maxUs <= 5000),
    ])
  }
  const bulk = (impl: 'ours' | 'bullmq') => (r.enqueue?.reps ?? []).filter((x) => x.mode === 'bulk' && x.impl === impl)
  if (bulk('ours').length) {
    const e = r.enqueue!
    const w = Math.max(...bulk('ours').map((x) => x.redis.slowestOursUs))
    const calls = median(bulk('ours').map((x) => x.redis.scriptCallsPerTask * e.batch))
    const step = (impl: 'ours' | 'bullmq') => Math.max(0, ...bulk(impl).map((x) => x.redis.latencyMaxMs.command ?? 0))
    out.push([
      `… createTasks of ${f(e.batch)} nodes: one MULTI / EXEC of ${f(calls)} script calls (one atomic step)`,
      `longest call ${ms(w)}; the whole step holds Redis up to ${f(step('ours'))} ms (BullMQ's addBulk is a pipeline, not atomic: its longest command ${f(step('bullmq'))} ms)`,
      ok(w <= 5000),
    ])
  }
  return out
}

/** Longest call of each of our scripts over the runtime scenarios: [script, µs, where]. */
function luaMaxima(r: BenchResults): [string, number, string][] {
  const best = new Map<string, [number, string]>()
  const add = (c: RedisCost | undefined, where: string) => {
    for (const [k, v] of Object.entries(c?.slowestByScript ?? {})) {
      if (k.startsWith('ours:') && v > (best.get(k)?.[0] ?? -1)) best.set(k, [v, where])
    }
  }
  for (const x of r.flat?.reps ?? []) add(x.redis, 'flat')
  for (const x of r.enqueue?.reps ?? []) add(x.redis, `enqueue ${x.mode}`)
  for (const x of r.dag?.reps ?? []) add(x.redis, `dag ${x.shape}`)
  for (const x of r.promotion?.reps ?? []) add(x.redis, 'promotion')
  for (const s of r.fleet?.steps ?? []) for (const x of s.reps) add(x.redis, `fleet ${x.procs}p`)
  return [...best].map(([k, [v, w]]) => [k, v, w] as [string, number, string]).sort((a, b) => b[1] - a[1])
}

function fleetText(r: BenchResults): string {
  const fl = r.fleet!
  const lines: string[] = []
  for (const impl of ['ours', 'bullmq'] as const) {
    const pts = fl.steps.map((s) => ({ p: s.procs, r: s[impl] }))
    // scaling stops at the first step after which adding processes gains < 10%
    let stop = 0
    while (stop + 1 < pts.length && pts[stop + 1]!.r.tasksPerSec > pts[stop]!.r.tasksPerSec * 1.1) stop++
    const at = pts[stop]!
    const own = at.r.redis.cpuBusy + at.r.clientBusy + at.r.parentCpuMs / at.r.wallMs
    const machine = Number.isFinite(at.r.machineBusy) ? Math.max(at.r.machineBusy, own) : own
    const why =
      at.r.redis.cpuBusy > 0.75
        ? `Redis is (nearly) saturated: ${at.r.redis.cpuBusy.toFixed(2)} of the one core it runs commands on, at ${f(at.r.redis.cpuUsPerTask, 0)} µs of Redis CPU per task`
        : machine > fl.cores * 0.75
          ? `the machine is out of CPU: ${machine.toFixed(2)} of ${fl.cores} cores busy (Redis ${at.r.redis.cpuBusy.toFixed(2)}, workers ${at.r.clientBusy.toFixed(2)}, producer ${(at.r.parentCpuMs / at.r.wallMs).toFixed(2)}, the rest other processes)`
          : `neither Redis (${at.r.redis.cpuBusy.toFixed(2)} cores) nor the machine (${machine.toFixed(2)} of ${fl.cores} cores) is saturated: round trips and the producer's sequential create/dispatch path bound it`
    lines.push(
      `- ${impl === 'ours' ? 'ours' : 'BullMQ'}: ${pts.map((x) => `${x.p} → ${f(x.r.tasksPerSec)}`).join(', ')} tasks/s; stops scaling at ${at.p} process(es): ${why}.`,
    )
  }
  const over = fl.steps.at(-1)
  if (over && over.procs + 2 > fl.cores) {
    lines.push(
      `- With ${over.procs} worker processes, Redis and the producer on ${fl.cores} cores the CPU is oversubscribed, so more processes can only add contention here; on a bigger machine the Redis line is the ceiling: 1e6 / (Redis µs per task) tasks/s.`,
    )
  }
  return lines.join('\n')
}

function profileTables(r: BenchResults): string {
  const parts: string[] = []
  for (const p of r.profile?.runs ?? []) {
    parts.push(`**${p.impl === 'ours' ? 'ours' : 'BullMQ'}** — ${f(p.totalUsPerTask, 1)} µs of command time per task (${f(p.tasks)} tasks)\n`)
    parts.push(
      table(
        ['script / command', 'calls/task', 'µs/task', 'share', 'mean µs', 'p99 µs', 'max µs', 'commands it runs per call (count, µs)'],
        p.rows
          .filter((x) => x.share >= 0.005)
          .map((x) => [
            x.name,
            f(x.callsPerTask, 2),
            f(x.usPerTask, 1),
            `${(x.share * 100).toFixed(0)}%`,
            f(x.meanUs, 1),
            f(x.p99Us),
            f(x.maxUs),
            x.nested
              .slice(0, 8)
              .map(([c, n, us]) => `${c} ${f(n, 1)} (${f(us, 1)})`)
              .join(', ') || '–',
          ]),
      ),
    )
    parts.push('')
  }
  return parts.join('\n')
}

export function markdown(r: BenchResults): string {
  const m = r.machine
  const c = r.config
  const out: string[] = []
  out.push(`# kanban-queue benchmark — ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC (${r.mode})`)
  out.push('')
  out.push(
    `- Machine: ${m.cpu}, **${m.cores} cores**, ${m.memoryGb} GB RAM, ${m.platform}; Node ${m.node}; Redis ${m.redis} (private redis-server, persistence off); BullMQ ${m.bullmq}`,
  )
  out.push(`- Reproduce: \`${r.command}\``)
  if (m.redisNice !== undefined)
    out.push(
      `- The bench's redis-server ran at nice ${m.redisNice} (\`--redis-nice\`)${m.redisNice < 0 ? ': a larger share of the cores than the worker processes, though they can still preempt it (see "Redis preempted")' : ''}.`,
    )
  if (m.redisRt !== undefined)
    out.push(
      `- The bench's redis-server ran under SCHED_FIFO at priority ${m.redisRt} (\`--redis-rt\`): no ordinary process preempts it, as if Redis had a core of its own, so SLOWLOG's durations are the commands' own; the worker processes get what Redis leaves of the 2 cores.`,
    )
  const busy = Math.max(m.loadStart, m.loadEnd ?? 0)
  out.push(
    `- Load average (1 min) at start / end: ${f(m.loadStart, 1)} / ${f(m.loadEnd, 1)}${busy >= m.cores ? ` — **at or above the ${m.cores} cores: other work shared the machine, so absolute numbers and single-command maxima are inflated; ratios from alternating runs hold better**` : ''}`,
  )
  out.push(
    `- ${c.reps} repetition(s) per comparison (DAG / promotion: ${c.dagReps}, fleet: ${c.fleetReps}), ours and BullMQ alternating, same Redis, same worker processes; medians shown. Redis µs and bytes are per task.`,
  )
  out.push(
    `- Redis CPU = INFO cpu (user+sys, networking included); script µs and command counts = INFO commandstats (commands run inside scripts are counted as commands too); slowest command = SLOWLOG (≥ 100 µs logged), wall-clock inside Redis, so on a small machine it includes time Redis was descheduled.`,
  )
  if (Object.keys(r.failed).length)
    out.push(
      `- **Failed scenarios:** ${Object.entries(r.failed)
        .map(([k, v]) => `${k}: ${v.split('\n')[0]}`)
        .join('; ')}`,
    )
  out.push('')
  const t = targets(r)
  if (t.length) out.push('## Targets (reported, not asserted)\n', table(['target', 'measured', ''], t), '')
  const lm = luaMaxima(r)
  if (lm.length) {
    out.push(
      `Longest single call per script of ours, over the runtime scenarios (SLOWLOG ≥ 100 µs; a one-off maximum can be the OS descheduling Redis — compare with the profile's p99): ${lm.map(([k, v, w]) => `${k.slice(5)} ${ms(v)} (${w})`).join(', ')}.\n`,
    )
  }

  if (r.flat) {
    const x = r.flat
    out.push(`## 1. Flat — ${f(x.tasks)} no-op tasks, ${x.procs} worker processes × concurrency ${x.concurrency}\n`)
    out.push(
      `Ours: createTasks(${f(CREATE_CHUNK)}) with an assignee on an autoEnqueue handle (it returns once the batch's jobs are added); BullMQ: Queue.addBulk(${f(CREATE_CHUNK)}). End-to-end: first create → last done.\n`,
    )
    out.push(table(TP_HEAD, [tpRow('ours', x.ours), tpRow('BullMQ', x.bullmq), ['ours / BullMQ', ratio(x.ratio), ...Array(11).fill('')]]))
    // --tracing: ours with an OpenTelemetry SDK registered (docs/tracing.md#cost)
    if (x.traced && x.tracedRatio !== undefined)
      out.push('\n' + table(TP_HEAD, [tpRow('ours, traced', x.traced), ['traced / ours', ratio(x.tracedRatio), ...Array(11).fill('')]]))
    out.push('')
    const cmds = (t: ThroughputRun) =>
      t.redis.topCommands
        .slice(0, 10)
        .map(([c, n, us]) => `${c} ${f(n, 1)} (${f(us, 1)} µs)`)
        .join(', ')
    out.push(`Redis commands per task (commandstats, calls and µs; nested script commands included):\n- ours: ${cmds(x.ours)}\n- BullMQ: ${cmds(x.bullmq)}\n`)
  }
  if (r.enqueue) {
    const e = r.enqueue
    out.push(`## 2. Enqueue — no workers; single: ${e.inFlight} in flight, bulk: batches of ${f(e.batch)}\n`)
    const row = (label: string, x: typeof e.single.ours) => [
      label,
      f(x.tasks),
      f(x.tasksPerSec),
      f(x.redis.cpuUsPerTask, 1),
      f(x.redis.scriptUsPerTask, 1),
      f(x.redis.callsPerTask, 1),
      f(x.redis.memoryPerTask),
      f((x.parentCpuMs / x.tasks) * 1000, 1),
      slow(x.redis),
    ]
    out.push(
      table(
        ['', 'tasks', 'tasks/s', 'Redis CPU µs/task', 'script µs/task', 'Redis cmds/task', 'Redis B/task', 'client CPU µs/task', 'slowest command'],
        [
          row('createTask ×1 (ours)', e.single.ours),
          row('Queue.add (BullMQ)', e.single.bullmq),
          ['ratio', '', ratio(e.single.ratio), '', '', '', '', '', ''],
          row('createTasks ×1000 (ours)', e.bulk.ours),
          row('addBulk ×1000 (BullMQ)', e.bulk.bullmq),
          ['ratio', '', ratio(e.bulk.ratio), '', '', '', '', '', ''],
        ],
      ),
    )
    out.push('\ncreateTask writes the task only; its BullMQ job is added at dispatch (counted in the flat scenario).\n')
    const o = e.bulk.ours.redis
    out.push(
      `createTasks of ${f(e.batch)} nodes is one atomic step: ${f(o.scriptCallsPerTask * e.batch)} script calls in one MULTI / EXEC ` +
        `(src/create.ts#createInParts), ${f(o.exec.usPerCall / 1000, 1)} ms per step (commandstats), longest ${f(o.latencyMaxMs.command ?? 0)} ms (LATENCY), ` +
        `during which Redis serves no one else. BullMQ's addBulk sends its ${f(e.batch)} addStandardJob calls in a pipeline, not atomically: ` +
        `other clients' commands run between them (longest command ${f(e.bulk.bullmq.redis.latencyMaxMs.command ?? 0)} ms).\n`,
    )
  }
  if (r.dag) {
    const d = r.dag
    out.push(`## 3. DAG — creation → last task done, ${c.procs} worker processes × ${c.concurrency}\n`)
    out.push(
      `Ours: the DAG in createTasks calls of ${f(CREATE_CHUNK)} nodes on an autoEnqueue handle (later calls name earlier tasks by id); BullMQ: one FlowProducer.add.\n`,
    )
    const row = (label: string, o: typeof d.fanIn.ours, b: typeof d.fanIn.bullmq | null, rt: number | null) => [
      label,
      f(o.tasks),
      f(o.ms),
      b ? f(b.ms) : 'n/a',
      rt === null ? 'n/a' : ratio(rt),
      f(o.redis.cpuUsPerTask, 1),
      b ? f(b.redis.cpuUsPerTask, 1) : 'n/a',
      ms(o.redis.slowestOursUs) + ` (${o.redis.slowestOurs})`,
    ]
    out.push(
      table(
        ['shape', 'tasks', 'ours ms', 'BullMQ ms', 'time ours/BullMQ', 'ours Redis µs/task', 'BullMQ Redis µs/task', 'longest Lua (ours)'],
        [
          row(`fan-in (1 task waits for ${f(c.fanIn)})`, d.fanIn.ours, d.fanIn.bullmq, d.fanIn.ratio),
          row(`chain of ${f(c.chain)}`, d.chain.ours, d.chain.bullmq, d.chain.ratio),
          row(`diamond lattice ${d.lattice.layers}×${d.lattice.width}`, d.lattice.ours, null, null),
        ],
      ),
    )
    out.push(`\nChain, per link (parent done → child taken by a worker), p50 / p99 ms: ours ${lat(d.chain.ours.links)}, BullMQ ${lat(d.chain.bullmq.links)}.\n`)
  }
  if (r.promotion) {
    const p = r.promotion
    out.push(`## 4. Promotion latency — ${f(p.pairs)} parent/child pairs in waves of ${p.wave}\n`)
    const row = (label: string, s: Summary) => [label, f(s.p50, 1), f(s.p90, 1), f(s.p99, 1), f(s.max, 1), f(s.n)]
    const b = p.ours.breakdown
    out.push(
      table(
        ['parent done → child claimed (ms)', 'p50', 'p90', 'p99', 'max', 'samples'],
        [
          row(
            `ours, child in the parent's lane (Redis clock)${p.ours.handedOver !== undefined ? `: ${f(p.ours.handedOver)} of ${f(p.pairs)} claimed in the parent's completion` : ''}`,
            p.ours.latencyMs,
          ),
          ...(p.ours.viaBullmqMs ? [row('ours, child in another lane: through BullMQ (Redis clock)', p.ours.viaBullmqMs)] : []),
          ...(b
            ? [
                row('… ours: parent done → child job added', b.enqueue),
                row('… ours: job added → taken by a worker', b.pickup),
                row('… ours: taken → claimTask done', b.claim),
              ]
            : []),
          row('BullMQ flow (worker clocks)', p.bullmq.latencyMs),
        ],
      ),
    )
    out.push(
      "\nA worker that completes a task takes over a child the completion promoted in its own lane, claimed in the same script call (ms resolution, hence 0). A child in another lane goes through BullMQ; that path is broken down with the lane's BullMQ event stream (Redis clock). A BullMQ worker that finishes a flow child often takes the parent in the same moveToFinished call, hence ~0 ms.\n",
    )
  }
  if (r.scale) {
    out.push(`## 5. Scale — boards mostly done; ${r.scale.iterations} idle ticks / recomputes each\n`)
    out.push(
      table(
        [
          'tasks',
          'done',
          'todo/blocked',
          'build s',
          'Redis B/task',
          'idle tick p50 / p99 ms',
          'cmds/tick',
          'longest Lua in tick',
          'recompute p50 / p99 ms',
          'cmds/recompute',
          'longest Lua in recompute',
          'build: longest Lua',
        ],
        r.scale.runs.map((s) => [
          f(s.tasks),
          f(s.done),
          f(s.unfinished),
          f(s.buildMs / 1000, 1),
          f(s.memoryPerTask),
          `${f(s.tick.p50, 2)} / ${f(s.tick.p99, 2)}`,
          f(s.tickCommands),
          `${ms(s.tickSlowestUs)} (${s.tickSlowest})`,
          `${f(s.recompute.p50, 2)} / ${f(s.recompute.p99, 2)}`,
          f(s.recomputeCommands),
          `${ms(s.recomputeSlowestUs)} (${s.recomputeSlowest})`,
          `${ms(s.buildSlowestUs)} (${s.buildSlowest})`,
        ]),
      ),
    )
    const big = r.scale.runs.at(-1)
    if (big) {
      const parts = Object.entries(big.memoryBreakdown).map(([k, v]) => `${k} ${f(v)}`)
      out.push(`\nBytes per task at ${f(big.tasks)} (MEMORY USAGE of 200 done tasks' keys and of the board indexes): ${parts.join(', ')}.`)
    }
    if (r.mode === 'quick') out.push('\n`--quick` skips the 100k and 1M boards.')
    out.push('')
  }
  if (r.fleet) {
    out.push(`## 6. Fleet — ${f(c.fleetTasks)} tasks, concurrency ${c.concurrency} per process, ${r.fleet.cores} cores\n`)
    out.push(
      table(
        [
          'processes',
          'ours tasks/s',
          'BullMQ tasks/s',
          'ours/BullMQ',
          'Redis busy ours / BullMQ',
          'workers busy ours / BullMQ',
          'machine busy ours / BullMQ',
          'producer CPU ms ours / BullMQ',
          'Redis CPU µs/task ours / BullMQ',
        ],
        r.fleet.steps.map((s) => [
          s.procs,
          f(s.ours.tasksPerSec),
          f(s.bullmq.tasksPerSec),
          ratio(s.ratio),
          `${f(s.ours.redis.cpuBusy, 2)} / ${f(s.bullmq.redis.cpuBusy, 2)}`,
          `${f(s.ours.clientBusy, 2)} / ${f(s.bullmq.clientBusy, 2)}`,
          `${f(s.ours.machineBusy, 2)} / ${f(s.bullmq.machineBusy, 2)}`,
          `${f(s.ours.parentCpuMs)} / ${f(s.bullmq.parentCpuMs)}`,
          `${f(s.ours.redis.cpuUsPerTask, 1)} / ${f(s.bullmq.redis.cpuUsPerTask, 1)}`,
        ]),
      ),
    )
    out.push('', fleetText(r), '')
  }
  if (r.shell) out.push(shellMarkdown(r.shell, r.machine.cores))
  if (r.profile) {
    const cal = r.profile.calibration
    out.push(`## Where Redis time goes — one flat run each with SLOWLOG at 0 µs\n`)
    out.push(
      "Top-level commands by total time (script calls — our FCALLs, BullMQ's EVALSHAs — named by script); per script, the commands it runs. Logging every command inflates absolute µs a little; read the shares.\n",
    )
    out.push(profileTables(r))
    out.push(
      `Calibration on this machine (no slowlog): an empty EVALSHA costs ${f(cal.emptyScriptUs, 1)} µs; each redis.call('HGET') inside a script adds ${f(cal.perRedisCallUs, 2)} µs, of which the HGET itself is ${f(cal.hgetUs, 2)} µs — the rest is the Lua↔Redis call overhead. A script's cost is roughly its number of redis.call's times that.\n`,
    )
  }
  if (r.cli) out.push(cliMarkdown(r.cli, f, table))
  if (r.soak) out.push(soakMarkdown(r.soak, f, table))
  if (r.query) out.push(queryMarkdown(r.query, f, table))
  if (r.http) out.push(httpMarkdown(r.http, f, table))
  if (r.boards) out.push(boardsMarkdown(r.boards, f, table))
  return out.join('\n') + '\n'
}
