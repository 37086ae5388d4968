/**
 * Where Redis time goes, per script: one flat run per implementation with SLOWLOG logging
 * every command (threshold 0). Top-level entries are the client's commands (EVALSHA named
 * by the script's SHA); entries from client `?:0` are the commands a script ran, logged
 * before their EVALSHA, so each is attributed to the script that follows it.
 * Caveat: logging every command adds a little to each, so absolute µs are inflated
 * (by ~10-30% for scripts with many nested commands); the shares are what to read.
 */
import type { Impl } from '../procs/protocol.js'
import type { Ctx } from '../lib/context.js'
import type { SlowEntry } from '../lib/redis.js'
import { throughputRun } from '../lib/throughput.js'
import { percentile } from '../lib/stats.js'

export interface ProfileRow {
  /** `ours:<script>`, `bullmq:<script>` or a plain command */
  name: string
  callsPerTask: number
  usPerTask: number
  meanUs: number
  p99Us: number
  maxUs: number
  share: number
  /** commands the script ran, per call: [command, count per call, µs per call] */
  nested: [string, number, number][]
}

export interface ProfileRun {
  impl: Impl
  tasks: number
  totalUsPerTask: number
  rows: ProfileRow[]
}

export function attribute(entries: SlowEntry[], tasks: number, impl: Impl): ProfileRun {
  type Acc = { calls: number; us: number; max: number; all: number[]; nested: Map<string, { n: number; us: number }> }
  const acc = new Map<string, Acc>()
  let pending: SlowEntry[] = []
  let total = 0
  for (const e of entries) {
    if (e.nested) {
      pending.push(e)
      continue
    }
    // EXEC: its commands are logged on their own (and their time is in EXEC's too)
    if (/^(slowlog|config|info|latency|flushall|client|hello|select|exec)$/.test(e.name)) {
      pending = []
      continue
    }
    const a: Acc = acc.get(e.name) ?? { calls: 0, us: 0, max: 0, all: [], nested: new Map() }
    a.calls++
    a.all.push(e.us)
    a.us += e.us
    a.max = Math.max(a.max, e.us)
    total += e.us
    for (const n of pending) {
      const c = n.name
      const x = a.nested.get(c) ?? { n: 0, us: 0 }
      x.n++
      x.us += n.us
      a.nested.set(c, x)
    }
    pending = []
    acc.set(e.name, a)
  }
  const rows = [...acc].map(([name, a]) => ({
    name,
    callsPerTask: a.calls / tasks,
    usPerTask: a.us / tasks,
    meanUs: a.us / a.calls,
    p99Us: percentile(a.all, 99),
    maxUs: a.max,
    share: total ? a.us / total : 0,
    nested: [...a.nested].map(([c, x]) => [c, x.n / a.calls, x.us / a.calls] as [string, number, number]).sort((p, q) => q[2] - p[2]),
  }))
  rows.sort((p, q) => q.usPerTask - p.usPerTask)
  return { impl, tasks, totalUsPerTask: total / tasks, rows }
}

export interface Calibration {
  /** µs of an EVALSHA that does nothing */
  emptyScriptUs: number
  /** µs each redis.call('HGET', ...) adds to a script (command + Lua<->Redis conversion) */
  perRedisCallUs: number
  /** µs the HGET itself reports in commandstats (the rest is the call's overhead) */
  hgetUs: number
}

/** How much a script costs by itself and per redis.call, on this machine (no slowlog). */
export async function calibrate(ctx: Ctx): Promise<Calibration> {
  const r = ctx.probe.conn
  await ctx.probe.slowlog(1_000_000, 128)
  await r.hset('bench:cal', 'f', 'v')
  const script = (n: number) => `for i = 1, ${n} do redis.call('HGET', KEYS[1], 'f') end return 1`
  const usPerEval = async (n: number) => {
    const lua = script(n)
    for (let i = 0; i < 50; i++) await r.eval(lua, 1, 'bench:cal')
    const sha = (await r.script('LOAD', lua)) as string
    await r.config('RESETSTAT')
    for (let i = 0; i < 500; i++) await r.evalsha(sha, 1, 'bench:cal')
    const st = await ctx.probe.commandStats()
    return { evalUs: st.evalsha!.usec / st.evalsha!.calls, hgetUs: st.hget ? st.hget.usec / st.hget.calls : 0 }
  }
  const empty = await usPerEval(0)
  const hundred = await usPerEval(100)
  await r.del('bench:cal')
  return { emptyScriptUs: empty.evalUs, perRedisCallUs: (hundred.evalUs - empty.evalUs) / 100, hgetUs: hundred.hgetUs }
}

export async function profile(ctx: Ctx): Promise<{ runs: ProfileRun[]; calibration: Calibration }> {
  const out: ProfileRun[] = []
  for (const impl of ['ours', 'bullmq'] as const) {
    const tasks = ctx.cfg.profileTasks
    // ours logs ~100 commands per task, BullMQ ~35: room for all of them
    const r = await throughputRun(ctx, impl, {
      tasks,
      procs: ctx.cfg.procs,
      concurrency: ctx.cfg.concurrency,
      slowlogUs: 0,
      slowlogLen: tasks * 200 + 10_000,
      keepEntries: true,
    })
    const p = attribute(r.entries ?? [], tasks, impl)
    ctx.log(
      `profile ${impl}: ${p.totalUsPerTask.toFixed(0)} µs/task in top-level commands; top: ${p.rows
        .slice(0, 3)
        .map((x) => x.name)
        .join(', ')}`,
    )
    out.push(p)
  }
  const calibration = await calibrate(ctx)
  ctx.log(`calibration: empty script ${calibration.emptyScriptUs.toFixed(1)} µs, +${calibration.perRedisCallUs.toFixed(2)} µs per redis.call`)
  await ctx.probe.slowlog(100, 128)
  return { runs: out, calibration }
}
