/**
 * Soak — a board that runs for a simulated week with retention on (docs/lifecycle.md#retention):
 * tasks created and completed at a steady rate, a dispatcher tick per simulated hour, Redis
 * memory (INFO memory used_memory) sampled after every tick. With retention the board holds
 * a window of tasks and events, so memory levels off; the same week without retention is
 * the control, whose memory grows with every task.
 *
 * What is simulated: the clock is compressed, not faked. Redis's clock (the one retention
 * reads) runs at real speed; a simulated hour is `hourMs` real milliseconds, and the
 * retention settings are scaled the same way (done tasks archived after a simulated day,
 * archived ones deleted a day later, events trimmed after two days). Each tick creates
 * `tasksPerHour` tasks (half of them children of another), claims and completes them
 * through the library (no worker processes: this measures what the board keeps, not
 * throughput), then runs one dispatcher tick, then waits for the next simulated hour. A
 * tick that runs past its hour is counted late: time keeps its real pace, so late ticks
 * mean fewer tasks per simulated hour, never a shorter retention.
 *
 * The scenario starts a redis-server of its own (persistence off), so used_memory is this
 * board's and the Functions library's, nothing else.
 */
import { Board } from '../../src/board.js'
import { startRedisServer } from '../../src/testing/index.js'
import type { Ctx } from '../lib/context.js'
import { RedisProbe } from '../lib/redis.js'

export interface SoakSample {
  hour: number
  /** real ms since the run started */
  elapsedMs: number
  usedMemory: number
  /** tasks on the board (any status), done, archived; entries in the board's event stream */
  live: number
  done: number
  archived: number
  stream: number
}

export interface SoakRun {
  retention: boolean
  created: number
  archived: number
  deleted: number
  eventsTrimmed: number
  /** ticks whose work ran past their simulated hour */
  lateTicks: number
  wallMs: number
  /** used_memory before the first task (the board opened, the scripts loaded) */
  baseline: number
  samples: SoakSample[]
}

export interface SoakResult {
  days: number
  hourMs: number
  tasksPerHour: number
  /** the retention settings, in simulated hours */
  retentionHours: { archiveDone: number; deleteArchived: number; events: number }
  withRetention: SoakRun
  without: SoakRun
}

const ARCHIVE_HOURS = 24
const DELETE_HOURS = 24
const EVENTS_HOURS = 48
const BODY = 'Soak task: a body of about two hundred bytes, as a short task description might be. '.repeat(3)
const RESULT = 'ok: a result of about a hundred bytes, as a handler that reports a line or two would give. '

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function soakRun(ctx: Ctx, url: string, probe: RedisProbe, retention: boolean): Promise<SoakRun> {
  const { soakDays: days, soakHourMs: hourMs, soakRate: perHour } = ctx.cfg
  await probe.flush()
  const board = await Board.open({ redis: url, board: ctx.name(retention ? 'soak' : 'soak-control') })
  const run: SoakRun = { retention, created: 0, archived: 0, deleted: 0, eventsTrimmed: 0, lateTicks: 0, wallMs: 0, baseline: 0, samples: [] }
  try {
    if (retention) {
      await board.configure({
        archiveDoneAfterMs: ARCHIVE_HOURS * hourMs,
        deleteArchivedAfterMs: DELETE_HOURS * hourMs,
        eventStreamRetentionMs: EVENTS_HOURS * hourMs,
      })
    } else await board.configure({ failureLimit: 2 }) // the same first script call (and library load)
    run.baseline = await probe.usedMemory()
    const t0 = performance.now()
    for (let hour = 0; hour < days * 24; hour++) {
      const nodes = Array.from({ length: perHour }, (_, i) => ({
        ref: `n${i}`,
        title: `soak ${hour}:${i}`,
        body: BODY,
        ...(i % 2 === 1 ? { dependsOn: [`n${i - 1}`] } : {}),
      }))
      const ids: string[] = []
      for (let i = 0; i < nodes.length; i += 100) {
        const part = await board.createTasks(nodes.slice(i, i + 100))
        ids.push(...nodes.slice(i, i + 100).map((n) => part[n.ref]!))
      }
      run.created += ids.length
      // in creation order: a child's parent is done before the child is claimed
      for (const id of ids) {
        const claim = await board.claimTask(id, { claimer: 'soak' })
        if (!claim) throw new Error(`soak: ${id} was not claimable`)
        await board.completeTask(id, { runId: claim.runId, result: RESULT, summary: 'done' })
      }
      const tick = await board.dispatchOnce()
      run.archived += tick.archived
      run.deleted += tick.deleted
      run.eventsTrimmed += tick.eventsTrimmed
      const [stats, stream, usedMemory] = await Promise.all([board.stats(), board.redis.xlen(board.keys.events), probe.usedMemory()])
      run.samples.push({
        hour,
        elapsedMs: Math.round(performance.now() - t0),
        usedMemory,
        live: stats.total,
        done: stats.byStatus.done,
        archived: stats.byStatus.archived,
        stream,
      })
      const next = t0 + (hour + 1) * hourMs
      const now = performance.now()
      if (now > next) run.lateTicks++
      else await sleep(next - now)
    }
    run.wallMs = Math.round(performance.now() - t0)
  } finally {
    await board.close()
  }
  return run
}

export async function soak(ctx: Ctx): Promise<SoakResult> {
  const srv = await startRedisServer({ appendonly: false })
  const probe = new RedisProbe(srv.url)
  try {
    const withRetention = await soakRun(ctx, srv.url, probe, true)
    ctx.log(
      `soak with retention: ${withRetention.created} tasks, ${withRetention.archived} archived, ${withRetention.deleted} deleted, ${withRetention.lateTicks} late ticks`,
    )
    const without = await soakRun(ctx, srv.url, probe, false)
    ctx.log(`soak without retention: ${without.created} tasks`)
    return {
      days: ctx.cfg.soakDays,
      hourMs: ctx.cfg.soakHourMs,
      tasksPerHour: ctx.cfg.soakRate,
      retentionHours: { archiveDone: ARCHIVE_HOURS, deleteArchived: DELETE_HOURS, events: EVENTS_HOURS },
      withRetention,
      without,
    }
  } finally {
    await probe.close()
    await srv.stop()
  }
}

/** The samples at the end of each simulated day. */
export function soakDays(run: SoakRun): (SoakSample & { day: number })[] {
  return run.samples.filter((s) => (s.hour + 1) % 24 === 0).map((s) => ({ ...s, day: (s.hour + 1) / 24 }))
}

/**
 * Growth of used_memory (above the baseline) over the last simulated day, relative to its
 * level at the end of the day before: near 0 once memory has levelled off.
 */
export function lastDayGrowth(run: SoakRun): number {
  const d = soakDays(run)
  if (d.length < 2) return NaN
  const prev = d[d.length - 2]!.usedMemory - run.baseline
  const last = d[d.length - 1]!.usedMemory - run.baseline
  return prev > 0 ? (last - prev) / prev : NaN
}

export function soakMarkdown(
  r: SoakResult,
  f: (x: number | undefined, d?: number) => string,
  table: (head: string[], rows: (string | number)[][]) => string,
): string {
  const w = soakDays(r.withRetention)
  const c = soakDays(r.without)
  const h = r.retentionHours
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${f(x * 100, 1)}%`
  return [
    `## Soak — ${r.days} simulated days, ${f(r.tasksPerHour)} tasks per simulated hour, retention on vs off\n`,
    `A simulated hour is ${f(r.hourMs)} ms of real time: Redis's clock, which retention reads, runs at real speed, and the retention settings are scaled alike — done tasks archived after ${h.archiveDone} h, archived ones deleted ${h.deleteArchived} h later, events trimmed after ${h.events} h. Each hour creates, claims and completes its tasks through the library, then runs one dispatcher tick; \`used_memory\` (bytes) of the scenario's own redis-server is read after it. A tick whose work runs past its hour is late (with retention ${r.withRetention.lateTicks}, without ${r.without.lateTicks} of ${r.days * 24}): real time keeps its pace, so a late hour holds fewer tasks, never a shorter retention.\n`,
    table(
      ['day', 'used_memory, retention on', 'tasks kept', 'stream entries', 'real s', 'used_memory, retention off', 'tasks kept'],
      w.map((d, i) => [d.day, f(d.usedMemory), f(d.live), f(d.stream), f(d.elapsedMs / 1000, 1), c[i] ? f(c[i]!.usedMemory) : '–', c[i] ? f(c[i]!.live) : '–']),
    ),
    '',
    `Retention on: ${f(r.withRetention.created)} tasks created, ${f(r.withRetention.archived)} archived, ${f(r.withRetention.deleted)} deleted, ${f(r.withRetention.eventsTrimmed)} stream entries trimmed. Memory above the board's start (${f(r.withRetention.baseline)} bytes) over the last day: ${pct(lastDayGrowth(r.withRetention))} with retention, ${pct(lastDayGrowth(r.without))} without.\n`,
  ].join('\n')
}
