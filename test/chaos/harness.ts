/**
 * The chaos run (docs/reliability.md#chaos): a private redis-server with its AOF, real
 * dispatcher and worker processes — in-process handlers (test/chaos/chaos-worker.ts) and
 * the product's worker entrypoint running a subprocess handler per task
 * (test/chaos/chaos-command.sh) — a DAG of tasks, and faults injected one at a time from a
 * seeded random stream until the fault phase ends; then the fleet finishes the work, stops,
 * and the final state is checked (invariants.ts). Used by `npm run chaos` (run.ts) and by
 * the bounded test (chaos.test.ts).
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { Board } from '../../src/index.js'
import { startRedisServer, type RedisServerHandle } from '../../src/testing/index.js'
import type { ChaosWorkerMessage } from './chaos-worker.js'
import { checkFinalState, type Ack } from './invariants.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url))

export const FAULTS = ['kill-worker', 'kill-handler', 'kill-dispatcher', 'stop-worker', 'kill-redis', 'client-kill'] as const
export type Fault = (typeof FAULTS)[number]

export interface ChaosOptions {
  seed: number
  tasks: number
  /** how long faults are injected (ms); the fleet then finishes the work undisturbed */
  durationMs: number
  fsync: 'always' | 'everysec'
  workers?: number
  dispatchers?: number
  /** only these fault kinds (default: all) */
  only?: Fault[]
  /** longest wait for the work to finish after the fault phase */
  finishTimeoutMs?: number
  log?: (line: string) => void
}

export interface ChaosReport {
  seed: number
  fsync: 'always' | 'everysec'
  tasks: number
  faults: Record<Fault, number>
  /** from the first task to the last one done, and the whole run with start-up and checks */
  workMs: number
  totalMs: number
  acks: number
  /** acknowledged completions not in the final state (must be 0 with fsync always) */
  lostAcks: number
  /** with losses: the oldest lost acknowledgement's age when Redis was killed (ms) */
  lossWindowMs: number | null
  /** frozen workers' runs: late complete refused and handler aborted, each */
  frozenRuns: { runId: string; reclaimed: boolean; reclaimMs: number; refused: boolean; aborted: boolean; seen: string }[]
  /** the longest time without a dispatcher tick, from the first task to the last one done (ms) */
  maxTickGapMs: number
  /** what the doctor found on the live board between faults (it must find nothing) */
  liveFindings: string[]
  /** processes that exited without being killed by the harness */
  unexpectedExits: string[]
  violations: string[]
}

/** mulberry32: a small seeded generator, so a failing run can be repeated by its seed */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

class Proc {
  readonly messages: ChaosWorkerMessage[] = []
  /** when each dispatcher tick was reported */
  readonly ticks: number[] = []
  stderr = ''
  exited = false
  killedByUs = false
  readonly exit: Promise<void>
  constructor(
    readonly label: string,
    readonly child: ChildProcess,
  ) {
    child.on('message', (m) => {
      if ((m as { type?: string }).type === 'tick') this.ticks.push(Date.now())
      else this.messages.push(m as ChaosWorkerMessage)
    })
    child.stderr?.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)))
    child.stdout?.on('data', () => undefined)
    this.exit = new Promise((r) => child.on('exit', () => ((this.exited = true), r())))
  }
  async until(test: () => boolean, what: string, ms = 60_000): Promise<void> {
    const end = Date.now() + ms
    while (!test()) {
      if (this.exited) throw new Error(`${this.label} exited before ${what}\n${this.stderr}`)
      if (Date.now() > end) throw new Error(`${this.label}: timed out waiting for ${what}\n${this.stderr}`)
      await sleep(50)
    }
  }
  async kill(sig: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.killedByUs = true
    if (!this.exited) this.child.kill(sig)
    await this.exit
  }
}

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const t0 = Date.now()
  const log = o.log ?? (() => undefined)
  const rand = rng(o.seed)
  const pick = <T>(xs: T[]): T | undefined => xs[Math.floor(rand() * xs.length)]
  const dir = mkdtempSync(join(tmpdir(), 'kanban-chaos-'))
  const acksFile = join(dir, 'command-acks.txt')
  writeFileSync(acksFile, '')
  const redisArgs = ['--appendfsync', o.fsync]
  let redis: RedisServerHandle = await startRedisServer({ dir: join(dir), appendonly: true, extraArgs: redisArgs })
  const url = redis.url
  const boardName = `chaos-${o.seed}`
  // the harness's own connections ride out the Redis restarts quietly
  const conn = new Redis(url, { maxRetriesPerRequest: null }).on('error', () => undefined)
  const admin = new Redis(url, { maxRetriesPerRequest: null }).on('error', () => undefined)
  const board = await Board.open({ redis: conn, board: boardName })
  const procs: Proc[] = []
  const retired: Proc[] = []
  const faults = Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<Fault, number>
  const frozenRuns: ChaosReport['frozenRuns'] = []
  const liveFindings: string[] = []
  let redisKilledAt: number | null = null
  let seq = 0

  const env = (more: Record<string, string>) => ({ ...process.env, REDIS_URL: url, KANBAN_BOARD: boardName, ...more })
  const startWorker = async () => {
    const name = `cw${++seq}`
    const child = fork(here('./chaos-worker.ts'), [], {
      cwd: ROOT,
      execArgv: ['--import', 'tsx'],
      env: env({ CHAOS_LANE: 'alpha', CHAOS_CONCURRENCY: '2', CHAOS_NAME: name }),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    const p = new Proc(`worker ${name}`, child)
    procs.push(p)
    await p.until(() => p.messages.some((m) => m.type === 'ready'), 'ready')
    return p
  }
  const startCommandWorker = async () => {
    const child = spawn(process.execPath, ['dist/runtime/workerMain.js'], {
      cwd: ROOT,
      env: env({ KANBAN_LANES: 'cmd', KANBAN_COMMAND: here('./chaos-command.sh'), KANBAN_CONCURRENCY: '2', KANBAN_GRACE_MS: '2000', CHAOS_ACKS: acksFile }),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const p = new Proc(`command worker ${++seq}`, child)
    procs.push(p)
    await p.until(() => p.stderr.includes('"msg":"worker started"'), 'worker started')
    return p
  }
  const startDispatcher = async () => {
    const child = fork(join(ROOT, 'test/fixtures/fleet-dispatcher.ts'), [], {
      cwd: ROOT,
      execArgv: ['--import', 'tsx'],
      env: env({ FLEET_INTERVAL_MS: '200', FLEET_LEASE_TTL_MS: '2000', FLEET_LOST_JOB_AFTER_MS: '3000' }),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    const p = new Proc(`dispatcher ${++seq}`, child)
    procs.push(p)
    await p.until(() => p.messages.some((m) => m.type === 'ready'), 'ready')
    return p
  }
  const kinds = new Map<Proc, 'worker' | 'command' | 'dispatcher'>()
  const start = async (kind: 'worker' | 'command' | 'dispatcher') => {
    const p = await (kind === 'worker' ? startWorker() : kind === 'command' ? startCommandWorker() : startDispatcher())
    kinds.set(p, kind)
    return p
  }
  const alive = (kind: 'worker' | 'command' | 'dispatcher') => procs.filter((p) => kinds.get(p) === kind && !p.exited)
  /** SIGKILL, then a replacement of the same kind */
  const replace = async (p: Proc) => {
    await p.kill('SIGKILL')
    procs.splice(procs.indexOf(p), 1)
    retired.push(p)
    await start(kinds.get(p)!)
  }

  try {
    await board.configure({ claimTtlMs: 2000, failureLimit: 1000, retryBackoffMs: 100, retryBackoffMaxMs: 500 })
    // a DAG: about a fifth of the tasks wait for an earlier one; a quarter run as subprocesses
    const nodes = Array.from({ length: o.tasks }, (_, i) => ({
      ref: `n${i}`,
      title: `chaos ${i}`,
      assignee: rand() < 0.25 ? 'cmd' : 'alpha',
      metadata: { ms: 300 + Math.floor(rand() * 1700) },
      ...(i > 4 && rand() < 0.2 ? { dependsOn: [`n${Math.floor(rand() * i)}`] } : {}),
    }))
    log(`chaos: seed ${o.seed}, ${o.tasks} tasks, appendfsync ${o.fsync}, redis ${url}`)
    await Promise.all([
      ...Array.from({ length: o.dispatchers ?? 2 }, () => start('dispatcher')),
      ...Array.from({ length: o.workers ?? 2 }, () => start('worker')),
      start('command'),
    ])
    const tWork = Date.now()
    const ids = Object.values(await board.createTasks(nodes))
    const doneCount = async () => (await admin.zcard(board.keys.status('done')).catch(() => -1)) as number

    // the fault phase: one fault at a time, each kind once first — those that need a run in
    // flight while there is surely one, the others in a seeded order — then at random
    const allowed = o.only?.length ? o.only : [...FAULTS]
    const first: Fault[] = ['stop-worker', 'kill-handler']
    const order: Fault[] = [...first.filter((f) => allowed.includes(f)), ...allowed.filter((f) => !first.includes(f)).sort(() => rand() - 0.5)]
    const faultEnd = Date.now() + o.durationMs
    // until the phase ends and every kind was injected once (a fault that needs a run in
    // flight may find none: when the work ran out before, a further wave of tasks comes)
    let waves = 0
    while ((Date.now() < faultEnd && (await doneCount()) < ids.length) || (order.length > 0 && waves < 5)) {
      if ((await doneCount()) >= ids.length) {
        waves++
        ids.push(
          ...Object.values(
            await board.createTasks(nodes.slice(0, 10).map((n, i) => ({ ref: `w${waves}-${i}`, title: n.title, assignee: n.assignee, metadata: n.metadata }))),
          ),
        )
      }
      const fault = order.shift() ?? pick(allowed)!
      const did = await inject(fault)
      if (did) faults[fault]++
      else if (order.length) order.push(fault)
      log(`chaos: ${fault}${did ? '' : ' (nothing to hit yet)'} at ${Date.now() - tWork} ms, ${await doneCount()}/${ids.length} done`)
      // the doctor on the live board, mid-run: each task is checked inside one call, so a
      // moving fleet shows no drift (a finding here is a real one, or a false positive)
      const live = await board.doctor().catch(() => null)
      for (const f of live?.findings ?? []) liveFindings.push(`after ${fault}: ${f.id} ${f.check} ${JSON.stringify(f.detail)}`)
      await sleep(300 + rand() * 900)
    }
    // the fleet finishes undisturbed
    const finishBy = Date.now() + (o.finishTimeoutMs ?? 90_000)
    while ((await doneCount()) < ids.length && Date.now() < finishBy) await sleep(200)
    const workMs = Date.now() - tWork
    log(`chaos: ${await doneCount()}/${ids.length} done after ${workMs} ms; stopping the fleet`)
    await Promise.all(procs.map((p) => p.kill('SIGTERM')))
    const acks = collectAcks([...procs, ...retired], acksFile)
    const final = await checkFinalState(board, ids, acks)
    const violations = [...final.violations]
    for (const r of frozenRuns) {
      if (!r.reclaimed) violations.push(`frozen run ${r.runId}: not taken back by the board within 75 s of its worker's freeze`)
      if (!r.refused) violations.push(`frozen run ${r.runId}: its late complete was not refused (${r.seen})`)
      if (!r.aborted) violations.push(`frozen run ${r.runId}: its handler was not aborted`)
    }
    for (const f of liveFindings) violations.push(`doctor mid-run: ${f}`)
    if (o.fsync === 'always') for (const a of final.lostAcks) violations.push(`acknowledged completion lost: ${a.taskId} ${a.runId}`)
    const timed = final.lostAcks.filter((a) => a.at > 0)
    const lossWindowMs = timed.length && redisKilledAt ? Math.max(...timed.map((a) => redisKilledAt! - a.at)) : null
    const tickTimes = [tWork, ...[...procs, ...retired].flatMap((p) => p.ticks).filter((t) => t >= tWork && t <= tWork + workMs), tWork + workMs].sort(
      (a, b) => a - b,
    )
    const maxTickGapMs = Math.max(...tickTimes.slice(1).map((t, i) => t - tickTimes[i]!))
    const unexpectedExits = [...procs, ...retired].filter((p) => p.exited && !p.killedByUs).map((p) => `${p.label}: ${p.stderr.slice(-500)}`)
    return {
      seed: o.seed,
      fsync: o.fsync,
      tasks: ids.length,
      faults,
      workMs,
      totalMs: Date.now() - t0,
      acks: acks.length,
      lostAcks: final.lostAcks.length,
      lossWindowMs,
      frozenRuns,
      maxTickGapMs,
      liveFindings,
      unexpectedExits,
      violations,
    }
  } finally {
    await Promise.all(procs.map((p) => p.kill('SIGKILL')))
    await board.close().catch(() => undefined)
    conn.disconnect()
    admin.disconnect()
    await redis.stop()
    rmSync(dir, { recursive: true, force: true })
  }

  async function inject(fault: Fault): Promise<boolean> {
    if (fault === 'kill-worker') {
      const p = pick([...alive('worker'), ...alive('command')])
      if (!p) return false
      await replace(p)
      return true
    }
    if (fault === 'kill-dispatcher') {
      const p = pick(alive('dispatcher'))
      if (!p) return false
      await replace(p)
      return true
    }
    if (fault === 'kill-handler') {
      // a subprocess handler (the sh of chaos-command.sh) of a command worker, by its pid
      const pids = alive('command').flatMap((p) => childPids(p.child.pid!))
      const pid = pick(pids)
      if (pid === undefined) return false
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        return false
      }
      return true
    }
    if (fault === 'client-kill') {
      await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes')
      return true
    }
    if (fault === 'kill-redis') {
      redisKilledAt = Date.now()
      await redis.kill()
      await sleep(300)
      redis = await startRedisServer({ port: redis.port, dir, appendonly: true, extraArgs: redisArgs })
      return true
    }
    return freeze()
  }

  /** SIGSTOP a worker with runs in flight until the board took them back, then SIGCONT */
  async function freeze(): Promise<boolean> {
    const busy = alive('worker').filter((p) => openRuns(p).length > 0)
    const p = pick(busy)
    if (!p) return false
    p.child.kill('SIGSTOP')
    const stoppedAt = Date.now()
    // an acknowledgement still in the IPC pipe at the stop was no run in flight: settle after a moment
    await sleep(200)
    const runs = openRuns(p).filter((r) => !p.messages.some((m) => m.type === 'acked' && m.runId === r.runId && m.at <= stoppedAt))
    if (runs.length === 0) {
      p.child.kill('SIGCONT')
      return false
    }
    const closed = async () => {
      for (const r of runs) {
        const run = (await board.runs(r.taskId).catch(() => [])).find((x) => x.id === r.runId)
        if (run && run.endedAt === null) return false
      }
      return true
    }
    // a lease expires in claimTtlMs (2 s) and the next tick reclaims it; 75 s covers a tick
    // stall too (a dispatcher killed as it took the tick job: docs/reliability.md#figures)
    const by = Date.now() + 75_000
    while (!(await closed()) && Date.now() < by) await sleep(200)
    const reclaimed = await closed()
    const reclaimMs = Date.now() - stoppedAt
    if (!reclaimed) {
      for (const r of runs) {
        const [task, run] = await Promise.all([admin.hgetall(board.keys.task(r.taskId)), admin.hgetall(board.keys.run(r.runId))])
        log(`chaos: frozen run ${r.runId} still open: task ${JSON.stringify(task)} run ${JSON.stringify(run)}`)
      }
    }
    // a run the board closed `completed` before the stop was no run in flight either (its
    // acknowledgement was still in the process when it stopped): left out
    const before = new Set<string>()
    for (const r of runs) {
      const run = (await board.runs(r.taskId).catch(() => [])).find((x) => x.id === r.runId)
      if (run?.outcome === 'completed' && run.endedAt !== null && run.endedAt <= stoppedAt) before.add(r.runId)
    }
    p.child.kill('SIGCONT')
    runs.splice(0, runs.length, ...runs.filter((r) => !before.has(r.runId)))
    // its handlers wake up and complete with their old run ids: refused, and aborted
    const settled = () => runs.every((r) => p.messages.some((m) => (m.type === 'acked' || m.type === 'refused') && m.runId === r.runId))
    await p.until(settled, 'the frozen runs to settle', 20_000).catch(() => undefined)
    for (const r of runs) {
      const m = p.messages.find(
        (x): x is Extract<ChaosWorkerMessage, { type: 'acked' | 'refused' }> => (x.type === 'acked' || x.type === 'refused') && x.runId === r.runId,
      )
      const seen = m ? (m.type === 'refused' ? `refused${m.error ? `: ${m.error}` : ''}` : `acked at ${m.at - stoppedAt} ms after the stop`) : 'nothing'
      frozenRuns.push({ runId: r.runId, reclaimed, reclaimMs, refused: m?.type === 'refused', aborted: m?.type === 'refused' && m.aborted, seen })
    }
    return true
  }
}

/** runs a worker started and has not settled (no ack, no refusal) */
function openRuns(p: Proc): { taskId: string; runId: string }[] {
  const settled = new Set(p.messages.flatMap((m) => (m.type === 'acked' || m.type === 'refused' ? [m.runId] : [])))
  return p.messages.flatMap((m) => (m.type === 'start' && !settled.has(m.runId) ? [{ taskId: m.taskId, runId: m.runId }] : []))
}

function childPids(pid: number): number[] {
  const r = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
  return r.stdout.split('\n').filter(Boolean).map(Number)
}

function collectAcks(ps: Proc[], acksFile: string): Ack[] {
  const inProcess = ps.flatMap((p) => p.messages.flatMap((m) => (m.type === 'acked' ? [{ taskId: m.taskId, runId: m.runId, at: m.at }] : [])))
  // the command handler's acks carry no time: they count for the "nothing lost" check only
  const command = readFileSync(acksFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [taskId, runId] = l.split(' ')
      return { taskId: taskId!, runId: runId!, at: 0 }
    })
  return [...inProcess, ...command]
}
