/**
 * `kanban doctor` and `Board.doctor` (docs/reliability.md#kanban-doctor): the board's
 * invariants checked in bounded passes, and repaired on request. The walk is by task and
 * run number (ids t<n>, r<n>), one doctorCheck call per page with the cursor kept here, so
 * no call scans the keyspace and a board of any size costs pages of `pageSize`. The one
 * check Lua cannot make — is a queued task's BullMQ job still there — is asked of BullMQ
 * here, for the tasks queued longer than `lostJobAfterMs`, as the dispatcher's own repair
 * does (dispatch.ts#repairLostJobs). Repairs go by page to doctorRepair, which checks each
 * id again in its own call before it writes, so a drift that a live fleet resolved in the
 * meantime is left alone, and writes one `repaired` event per repair.
 */
import * as z from 'zod/mini'
import type { BoardContext } from './context.js'
import { jobIdOf } from './lanes.js'
import type { DoctorFindingReply, ScriptReplies } from './scriptContract.js'
import { parse } from './validate.js'

/** Every check, in the order of docs/reliability.md#what-it-checks. */
export const DOCTOR_CHECKS = [
  'status_index',
  'listing_index',
  'derived_set',
  'dispatch_index',
  'lost_job',
  'inflight',
  'inflight_count',
  'pending',
  'open_run',
  'counter',
  'deleted_keys',
  'unknown_status',
] as const
export type DoctorCheck = (typeof DOCTOR_CHECKS)[number]

export interface DoctorFinding {
  /** the task (t<n>), the run (r<n>) or, for inflight_count, the lane */
  id: string
  check: DoctorCheck
  /** what the check saw (per check; docs/reliability.md#what-it-checks) */
  detail: Record<string, unknown>
}

export interface DoctorReport {
  /** what was found (before any repair): empty = no drift */
  findings: DoctorFinding[]
  /** task and run numbers walked */
  checked: { tasks: number; runs: number }
  /** doctorCheck calls made */
  passes: number
  /** with `repair`: what was repaired (each one a `repaired` event), tasks promoted, tasks filed for dispatch again */
  repaired: { id: string; check: DoctorCheck }[]
  promoted: string[]
  requeued: string[]
  /** more findings than `maxFindings`: the list stops there (the walk and the repairs go on) */
  truncated: boolean
}

const int = (min: number, max: number) => z.number().check(z.int(), z.gte(min), z.lte(max))
export const DoctorInput = z.optional(
  z.strictObject({
    repair: z.optional(z.boolean()),
    /** task (or run) numbers per doctorCheck call: 1-100 */
    pageSize: z.optional(int(1, 100)),
    /** a task queued this long (ms) without being claimed has its BullMQ job looked up */
    lostJobAfterMs: z.optional(int(0, 86_400_000)),
    /** most findings kept in the report */
    maxFindings: z.optional(int(1, 1_000_000)),
  }),
)
export type DoctorOptions = NonNullable<z.input<typeof DoctorInput>>

type DoctorContext = Pick<BoardContext, 'scripts' | 'redis' | 'keys' | 'lanes'>

/** BullMQ job states of a live lane job; anything else (completed, failed, unknown) is gone. */
const ALIVE = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'])

export async function runDoctor(ctx: DoctorContext, input?: DoctorOptions): Promise<DoctorReport> {
  const o = parse('doctor', DoctorInput, input) ?? {}
  const pageSize = o.pageSize ?? 100
  const maxFindings = o.maxFindings ?? 10_000
  const report: DoctorReport = { findings: [], checked: { tasks: 0, runs: 0 }, passes: 0, repaired: [], promoted: [], requeued: [], truncated: false }
  const note = (f: DoctorFinding) => {
    if (report.findings.length < maxFindings) report.findings.push(f)
    else report.truncated = true
  }
  // the in-flight counters are compared with the walk's own count only when nothing moved
  // during the walk (docs/reliability.md#what-it-checks)
  const before = await quietMark(ctx)
  const counted = new Map<string, number>()
  let cursor = { tasksAfter: 0, runsAfter: 0 }
  for (;;) {
    const lostBefore = (await serverTimeMs(ctx)) - (o.lostJobAfterMs ?? 30_000)
    const r: ScriptReplies['doctorCheck'] = await ctx.scripts.call('doctorCheck', { ...cursor, count: pageSize, lostBefore })
    report.passes++
    report.checked.tasks = r.tasksAfter
    report.checked.runs = r.runsAfter
    cursor = { tasksAfter: r.tasksAfter, runsAfter: r.runsAfter }
    for (const [lane, n] of Object.entries(r.inflight ?? {})) counted.set(lane, (counted.get(lane) ?? 0) + n)
    const found = (r.findings ?? []).map(asFinding)
    const lost = await lostJobs(ctx, r.queued ?? [])
    for (const f of found) note(f)
    for (const l of lost) note({ id: l.id, check: 'lost_job', detail: { lane: l.lane, token: l.token } })
    if (o.repair && (found.length > 0 || lost.length > 0)) {
      const ids = [...new Set(found.filter((f) => f.check !== 'unknown_status').map((f) => f.id))]
      const fixed = await ctx.scripts.call('doctorRepair', { ids, lost: lost.map(({ id, token }) => ({ id, token })) })
      report.repaired.push(...(fixed.repaired ?? []).map((x) => ({ id: x.id, check: x.check as DoctorCheck })))
      report.promoted.push(...(fixed.promoted ?? []))
      report.requeued.push(...(fixed.requeued ?? []))
    }
    if (r.done) break
  }
  const after = await quietMark(ctx)
  if (before.mark === after.mark) {
    for (const lane of new Set([...counted.keys(), ...Object.keys(after.inflight)])) {
      const stored = Number(after.inflight[lane] ?? 0)
      const walked = counted.get(lane) ?? 0
      if (stored !== walked) note({ id: lane, check: 'inflight_count', detail: { lane, stored, counted: walked } })
    }
  }
  return report
}

function asFinding(f: DoctorFindingReply): DoctorFinding {
  return { id: f.id, check: f.check as DoctorCheck, detail: f.detail ?? {} }
}

async function serverTimeMs(ctx: DoctorContext): Promise<number> {
  const [s, us] = await ctx.redis.time()
  return Number(s) * 1000 + Math.floor(Number(us) / 1000)
}

/**
 * The board's event and job counters and its in-flight hash: every change of what the
 * in-flight count counts writes an event or takes a job token, so an equal mark before and
 * after the walk means the walk's count and the hash describe the same board.
 */
async function quietMark(ctx: DoctorContext): Promise<{ mark: string; inflight: Record<string, string> }> {
  const [seq, inflight] = await Promise.all([ctx.redis.hmget(ctx.keys.seq, 'event', 'job'), ctx.redis.hgetall(ctx.keys.inflight)])
  const sorted = Object.keys(inflight).sort()
  return { mark: JSON.stringify([seq, sorted.map((k) => [k, inflight[k]])]), inflight }
}

/**
 * The queued tasks whose BullMQ job is gone: asked once per job, then confirmed — the task
 * still queued under the same token — so a task claimed while BullMQ was asked is not reported.
 */
async function lostJobs(ctx: DoctorContext, queued: { id: string; lane: string; token: string }[]): Promise<{ id: string; lane: string; token: string }[]> {
  if (queued.length === 0) return []
  const states = new Map<string, Promise<string>>()
  const stateOf = (lane: string, token: string) => {
    if (!token) return Promise.resolve('unknown')
    const key = `${lane}\n${token}`
    let s = states.get(key)
    if (!s) states.set(key, (s = ctx.lanes.get(lane).then((q) => q.getJobState(jobIdOf(token)))))
    return s
  }
  const answers = await Promise.all(queued.map((q) => stateOf(q.lane, q.token)))
  const suspects = queued.filter((_, i) => !ALIVE.has(answers[i]!))
  const still = await Promise.all(
    suspects.map(async (q) => {
      const [since, token] = await Promise.all([ctx.redis.zscore(ctx.keys.queued, q.id), ctx.redis.hget(ctx.keys.task(q.id), 'queueToken')])
      return since !== null && token === q.token
    }),
  )
  return suspects.filter((_, i) => still[i])
}
