/**
 * Redis-side cost of a scenario, read from the server itself:
 *   INFO cpu            Redis process CPU (user+sys) — the real cost, networking included
 *   INFO commandstats   calls and µs per command (commands run inside Lua scripts are
 *                       counted too, and also inside their EVALSHA's µs)
 *   INFO memory         used_memory before/after -> bytes per task
 *   SLOWLOG             the slowest single command (threshold `slowlogUs`)
 *   LATENCY LATEST      latency-monitor spikes (≥ 1 ms) by event
 * `begin()` resets the counters (CONFIG RESETSTAT, SLOWLOG RESET, LATENCY RESET).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { Redis } from 'ioredis'
import { scriptNames } from './scriptNames.js'

export interface CmdStat {
  calls: number
  usec: number
}

export interface SlowEntry {
  id: number
  us: number
  args: string[]
  client: string
  /** `ours:<script>`, `bullmq:<script>` or the command name */
  name: string
  /** true for a command a Lua script ran (client `?:0`) */
  nested: boolean
}

export interface RedisCost {
  tasks: number
  /** Redis process CPU (INFO cpu user+sys) per task, µs */
  cpuUsPerTask: number
  /** Redis CPU over the scenario's wall time (1 = one core busy) */
  cpuBusy: number
  /** µs per task inside EVAL/EVALSHA (scripts, their nested commands included) */
  scriptUsPerTask: number
  /** EVAL/EVALSHA calls per task */
  scriptCallsPerTask: number
  /** all commands per task from commandstats (nested script commands included) */
  callsPerTask: number
  /** top commands by calls: [command, calls/task, µs/task] (nested ones included) */
  topCommands: [string, number, number][]
  /** used_memory after - before, per task (bytes) */
  memoryPerTask: number
  memoryDelta: number
  /** slowest top-level command seen by SLOWLOG (µs) and what it was */
  slowestUs: number
  slowest: string
  /** slowest call of one of our Lua scripts (µs) and which */
  slowestOursUs: number
  slowestOurs: string
  /** longest call per script (ours and BullMQ) among those over the threshold, µs */
  slowestByScript: Record<string, number>
  /** top-level commands over the slowlog threshold */
  overThreshold: number
  /** LATENCY LATEST max by event (ms); `command` includes a whole MULTI / EXEC */
  latencyMaxMs: Record<string, number>
  /** MULTI / EXEC transactions (commandstats): how many, and their mean µs, the commands they ran included */
  exec: { calls: number; usPerCall: number }
  /** times the OS preempted Redis during the scenario (involuntary context switches) */
  preempted: number
}

const SCRIPT_CMDS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro'])

export class RedisProbe {
  readonly conn: Redis
  private cpu0 = 0
  private mem0 = 0
  private t0 = 0
  private pid = 0
  private preempt0 = 0

  constructor(
    url: string,
    private readonly slowlogUs = 100,
  ) {
    this.conn = new Redis(url, { maxRetriesPerRequest: null })
  }

  async info(section: string): Promise<Record<string, string>> {
    const text = await this.conn.info(section)
    const out: Record<string, string> = {}
    for (const line of text.split('\r\n')) {
      const i = line.indexOf(':')
      if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1)
    }
    return out
  }

  /** Redis process CPU so far, µs. */
  async cpuUs(): Promise<number> {
    const c = await this.info('cpu')
    return (Number(c.used_cpu_user) + Number(c.used_cpu_sys)) * 1e6
  }

  async usedMemory(): Promise<number> {
    return Number((await this.info('memory')).used_memory)
  }

  /**
   * How often the OS has taken the CPU from the Redis process so far (its threads'
   * involuntary context switches, /proc); NaN where that cannot be read. A command that was
   * running then lasts longer by the wait, which SLOWLOG counts as the command's time.
   */
  async preemptions(): Promise<number> {
    this.pid ||= Number((await this.info('server')).process_id)
    try {
      let n = 0
      for (const t of readdirSync(`/proc/${this.pid}/task`)) {
        const m = /nonvoluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${this.pid}/task/${t}/status`, 'utf8'))
        n += Number(m?.[1] ?? 0)
      }
      return n
    } catch {
      return NaN
    }
  }

  async commandStats(): Promise<Record<string, CmdStat>> {
    const out: Record<string, CmdStat> = {}
    for (const [k, v] of Object.entries(await this.info('commandstats'))) {
      const m = /calls=(\d+),usec=(\d+)/.exec(v)
      if (m) out[k.replace(/^cmdstat_/, '')] = { calls: Number(m[1]), usec: Number(m[2]) }
    }
    return out
  }

  /** Empties the server between runs (it is the bench's private server). */
  async flush(): Promise<void> {
    await this.conn.flushall('SYNC')
  }

  /** Sets the slowlog threshold (µs) and length. */
  async slowlog(thresholdUs: number, maxLen: number): Promise<void> {
    await this.conn.config('SET', 'slowlog-log-slower-than', String(thresholdUs))
    await this.conn.config('SET', 'slowlog-max-len', String(maxLen))
    await this.conn.slowlog('RESET')
  }

  /**
   * Resets every counter and remembers CPU, memory and the clock. `slowlog` overrides the
   * threshold (0 logs every command: the profile scenario).
   */
  async begin(opts: { slowlogUs?: number; slowlogLen?: number } = {}): Promise<void> {
    await this.slowlog(opts.slowlogUs ?? this.slowlogUs, opts.slowlogLen ?? 100_000)
    await this.conn.config('SET', 'latency-monitor-threshold', '1')
    await this.conn.call('LATENCY', 'RESET')
    await this.conn.config('RESETSTAT')
    this.mem0 = await this.usedMemory()
    this.cpu0 = await this.cpuUs()
    this.preempt0 = await this.preemptions()
    this.t0 = performance.now()
  }

  /** Reads every entry of the slowlog, oldest first, with script names. */
  async slowEntries(): Promise<SlowEntry[]> {
    const names = await scriptNames()
    const raw = (await this.conn.call('SLOWLOG', 'GET', '-1')) as [number, number, number, string[], string, string][]
    return raw
      .map(([id, , us, args, client]) => ({
        id: Number(id),
        us: Number(us),
        args: args.map(String),
        client: String(client),
        name: names.name(args.map(String)),
        nested: String(client) === '?:0',
      }))
      .reverse()
  }

  async latencyMax(): Promise<Record<string, number>> {
    const rows = (await this.conn.call('LATENCY', 'LATEST')) as [string, number, number, number][]
    const out: Record<string, number> = {}
    for (const [event, , , max] of rows) out[event] = Number(max)
    return out
  }

  /**
   * The cost since begin(), per task. `cpuAtDone` (from cpuUs() when the work finished)
   * excludes the teardown after it; `memoryAfter` lets a caller sample memory once clients
   * are gone.
   */
  async end(tasks: number, opts: { cpuAtDone?: number; wallMs?: number; memoryAfter?: number; entries?: SlowEntry[] } = {}): Promise<RedisCost> {
    const cpu1 = opts.cpuAtDone ?? (await this.cpuUs())
    const preempted = (await this.preemptions()) - this.preempt0
    const wallMs = opts.wallMs ?? performance.now() - this.t0
    const mem1 = opts.memoryAfter ?? (await this.usedMemory())
    const stats = await this.commandStats()
    const slow = (opts.entries ?? (await this.slowEntries())).filter((e) => !e.nested && !/^(slowlog|config|info|latency|flushall)$/.test(e.name))
    const max = (xs: SlowEntry[]) => xs.reduce<SlowEntry | null>((a, b) => (a === null || b.us > a.us ? b : a), null)
    // EXEC's time is the sum of the commands it ran, which are logged on their own
    const worst = max(slow.filter((e) => e.name !== 'exec'))
    const worstOurs = max(slow.filter((e) => e.name.startsWith('ours:')))
    const byScript: Record<string, number> = {}
    for (const e of slow) if (/^(ours|bullmq):/.test(e.name)) byScript[e.name] = Math.max(byScript[e.name] ?? 0, e.us)
    let scriptUs = 0
    let scriptCalls = 0
    let calls = 0
    const per = (x: number) => (tasks > 0 ? x / tasks : NaN)
    const rows: [string, number, number][] = []
    for (const [cmd, s] of Object.entries(stats)) {
      if (/^(info|config|slowlog|latency|flushall)/.test(cmd)) continue
      calls += s.calls
      if (SCRIPT_CMDS.has(cmd)) {
        scriptUs += s.usec
        scriptCalls += s.calls
      }
      rows.push([cmd, per(s.calls), per(s.usec)])
    }
    rows.sort((a, b) => b[1] - a[1])
    return {
      tasks,
      cpuUsPerTask: per(cpu1 - this.cpu0),
      cpuBusy: (cpu1 - this.cpu0) / 1000 / wallMs,
      scriptUsPerTask: per(scriptUs),
      scriptCallsPerTask: per(scriptCalls),
      callsPerTask: per(calls),
      topCommands: rows.slice(0, 12),
      memoryPerTask: per(mem1 - this.mem0),
      memoryDelta: mem1 - this.mem0,
      slowestUs: worst?.us ?? 0,
      slowest: worst?.name ?? '-',
      slowestOursUs: worstOurs?.us ?? 0,
      slowestOurs: worstOurs?.name ?? '-',
      slowestByScript: byScript,
      overThreshold: slow.length,
      latencyMaxMs: await this.latencyMax(),
      exec: { calls: stats.exec?.calls ?? 0, usPerCall: stats.exec ? stats.exec.usec / Math.max(1, stats.exec.calls) : 0 },
      preempted,
    }
  }

  async server(): Promise<{ version: string; pid: number }> {
    const s = await this.info('server')
    return { version: s.redis_version ?? '?', pid: Number(s.process_id) }
  }

  async close(): Promise<void> {
    await this.conn.quit().catch(() => this.conn.disconnect())
  }
}
