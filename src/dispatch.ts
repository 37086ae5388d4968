/**
 * One dispatcher tick (docs/fleet.md#a-tick), in order: reclaim expired leases, reclaim stale runs,
 * time out runs past maxRuntimeMs, release due schedules and cooldowns, recompute-ready,
 * dispatch — and repair lost BullMQ jobs, whose tasks go out in the same tick's later
 * dispatch rounds. The lease and the steps' first batches share one pipeline (order kept)
 * and the last reservation releases the lease, so an idle tick is two round trips. Every
 * step is a bounded Lua batch; a tick that holds the leader lease passes its fencing token
 * (in the first pipeline: its holder) to each step, so a replica that stalled past its
 * lease has its next write refused (STALE_LEADER) instead of overlapping a new tick.
 */
import { randomBytes } from 'node:crypto'
import type { BoardContext } from './context.js'
import { KanbanError } from './errors.js'
import type { AnyCall, ScriptReplies } from './scriptContract.js'
import { jobIdOf } from './lanes.js'
import { reindexTick } from './reindex.js'

export interface DispatchResult {
  reclaimed: number
  stale: number
  timedOut: number
  promoted: number
  released: number
  enqueued: number
  skippedUnassigned: number
  skippedCapped: number
  skippedCooldown: number
  /** ready tasks left undispatched because their lane or the board is paused (docs/fleet.md#pause-and-drain) */
  skippedPaused: number
  /** tasks the breaker blocked during this tick (expired leases and timeouts count) */
  autoBlocked: number
  /** true when another dispatcher held the board's lease, so this tick did nothing */
  skippedLocked: boolean
  /** BullMQ jobs found missing for queued tasks and dispatched again */
  requeued: number
  /** retention (docs/lifecycle.md#retention): done tasks archived, archived tasks deleted, event stream entries trimmed */
  archived: number
  deleted: number
  eventsTrimmed: number
  /**
   * The task ids behind the counts, per category: at most DISPATCH_IDS_MAX (1,000) each, the
   * first the tick met; a count above that still counts them all.
   */
  ids: DispatchIds
  /** a dry run (DispatchOptions.dryRun): what a tick would do now, nothing written */
  dryRun?: true
}

/** Task ids per category of a tick (DispatchResult.ids). */
export interface DispatchIds {
  reclaimed: string[]
  stale: string[]
  timedOut: string[]
  promoted: string[]
  released: string[]
  enqueued: string[]
  autoBlocked: string[]
  requeued: string[]
  archived: string[]
  deleted: string[]
}

/** the most ids a DispatchResult lists per category */
export const DISPATCH_IDS_MAX = 1000

export interface DispatchOptions {
  /** who asks for the lease (a dispatcher replica's id) */
  holder?: string
  /** lease length; a tick longer than this loses its fence */
  leaseTtlMs?: number
  /** tasks per Lua call (default RESERVE_BATCH, 100) */
  batch?: number
  /** most tasks dispatched by one tick */
  maxDispatch?: number
  /** a queued task whose job is older than this is checked against BullMQ */
  lostJobAfterMs?: number
  /** most tasks one tick archives and deletes by retention (default 10 batches, 1,000); the rest waits for the next tick */
  maxRetention?: number
  /**
   * Report what a tick would reclaim, release and reserve now, writing nothing
   * (docs/fleet.md#dry-run): one read-only script, no lease.
   */
  dryRun?: boolean
}

/** tasks per reserveDispatch call: ~1-2 ms of Redis, well under the 5 ms aim */
const RESERVE_BATCH = 100

const emptyResult = (): DispatchResult => ({
  reclaimed: 0,
  stale: 0,
  timedOut: 0,
  promoted: 0,
  released: 0,
  enqueued: 0,
  skippedUnassigned: 0,
  skippedCapped: 0,
  skippedCooldown: 0,
  skippedPaused: 0,
  autoBlocked: 0,
  skippedLocked: false,
  requeued: 0,
  archived: 0,
  deleted: 0,
  eventsTrimmed: 0,
  ids: { reclaimed: [], stale: [], timedOut: [], promoted: [], released: [], enqueued: [], autoBlocked: [], requeued: [], archived: [], deleted: [] },
})

/** adds ids to a category's list, up to DISPATCH_IDS_MAX */
function note(list: string[], ids: Iterable<string>): void {
  for (const id of ids) {
    if (list.length >= DISPATCH_IDS_MAX) return
    list.push(id)
  }
}

const defaultHolder = `lib-${process.pid}-${randomBytes(3).toString('hex')}`

/** What a tick needs of a board (context.ts). */
export type TickContext = Pick<BoardContext, 'keys' | 'redis' | 'scripts' | 'lanes' | 'recomputeBatch' | 'notePromoted'>

export async function dispatchOnce(ctx: TickContext, opts: DispatchOptions = {}): Promise<DispatchResult> {
  const result = emptyResult()
  if (opts.dryRun) return dryRun(ctx, Math.min(opts.maxDispatch ?? DISPATCH_IDS_MAX, DISPATCH_IDS_MAX), result)
  const holder = opts.holder ?? defaultHolder
  const lease: Lease = { fence: null, released: false }
  try {
    await tick(ctx, holder, lease, opts, result)
  } catch (e) {
    if (e instanceof KanbanError && e.code === 'STALE_LEADER') {
      // another replica holds the lease (the first steps found it so), or this tick lost it
      result.skippedLocked = true
      return result
    }
    throw e
  } finally {
    // the tick's last reservation usually released the lease already (reserveDispatch); a
    // tick that failed before it learnt its token releases by holder
    if (!lease.released) {
      const release = lease.fence ? { release: true as const, fence: lease.fence } : { release: true as const, holder }
      await ctx.scripts.call('acquireLeader', release).catch(() => undefined)
    }
  }
  return result
}

/**
 * A dry run: what a tick would do now, from one read-only script (previewDispatch.lua).
 * Each category lists at most `count` ids; recompute-ready, lost-job repair and breaker
 * trips are not predicted (promoted, requeued, autoBlocked stay 0).
 */
async function dryRun(ctx: TickContext, count: number, result: DispatchResult): Promise<DispatchResult> {
  const r = await ctx.scripts.call('previewDispatch', { count: Math.max(1, count) })
  const list = (v: unknown) => (Array.isArray(v) ? (v as string[]) : [])
  for (const k of ['reclaimed', 'stale', 'timedOut', 'released', 'enqueued'] as const) {
    result.ids[k] = list(r[k])
    result[k] = result.ids[k].length
  }
  result.skippedCapped = r.skippedCapped
  result.skippedUnassigned = r.skippedUnassigned
  result.skippedCooldown = r.skippedCooldown
  result.skippedPaused = r.skippedPaused
  result.dryRun = true
  return result
}

interface Lease {
  /** the fencing token, once the first round trip brought it */
  fence: string | null
  /** the tick's last reservation released the lease */
  released: boolean
}

/** One tick: takes the lease in its first round trip and runs every step under it. */
async function tick(ctx: TickContext, holder: string, lease: Lease, opts: DispatchOptions, result: DispatchResult): Promise<void> {
  const batch = opts.batch ?? RESERVE_BATCH
  const s = ctx.scripts
  const modes = [
    ['lease', 'reclaimed'],
    ['stale', 'stale'],
    ['timeout', 'timedOut'],
  ] as const
  // The lease and every step's first batch in one round trip, in the order docs/fleet.md#a-tick gives (a
  // pipeline keeps it), with the server clock for the lost-job cutoff. The steps there are
  // fenced by holder (the acquire right before them; another replica's lease refuses them
  // with STALE_LEADER, so the tick is skipped); every later call carries the token. A step
  // whose batch came back full goes on alone below. So a tick with nothing to do is two
  // round trips at any board size: this, and dispatch (which releases the lease).
  const first = await s.callMany(
    [
      ['acquireLeader', { holder, ttlMs: opts.leaseTtlMs ?? 30_000 }],
      ...modes.map(([mode]) => ['expireRuns', { mode, count: batch, fenceHolder: holder }] as AnyCall),
      ['releaseDue', { count: batch, fenceHolder: holder }],
      ['recomputeReady', { count: ctx.recomputeBatch, fenceHolder: holder }],
      ['sweepRetention', { count: batch, fenceHolder: holder }],
      // last: a board older than the listing indexes is backfilled (reindex.ts)
      ...reindexTick.tickCall(ctx.scripts),
    ],
    (p) => p.time(),
  )
  const acquired = first.replies[0] as ScriptReplies['acquireLeader']
  if (!acquired.ok) throw new KanbanError('STALE_LEADER', `dispatchOnce: the lease is held by ${acquired.holder}`)
  const fence = acquired.fence
  lease.fence = fence
  for (const [i, [mode, field]] of modes.entries()) {
    let r = first.replies[i + 1] as ScriptReplies['expireRuns']
    for (;;) {
      result[field] += r.ids.length
      result.autoBlocked += r.tripped.length
      note(result.ids[field], r.ids)
      note(result.ids.autoBlocked, r.tripped)
      if (r.ids.length < batch) break
      r = await s.call('expireRuns', { mode, count: batch, fence })
    }
  }
  let due = first.replies[4] as ScriptReplies['releaseDue']
  for (;;) {
    result.released += due.released.length
    note(result.ids.released, due.released)
    if (due.released.length < batch && due.cooled.length < batch) break
    due = await s.call('releaseDue', { count: batch, fence })
  }
  let rec = first.replies[5] as ScriptReplies['recomputeReady']
  const promoted = new Set(rec.promoted)
  while (!rec.done) {
    rec = await s.call('recomputeReady', { count: ctx.recomputeBatch, fence })
    for (const id of rec.promoted) promoted.add(id)
  }
  result.promoted = promoted.size
  note(result.ids.promoted, promoted)
  ctx.notePromoted([...promoted])
  const swept = await retention(first.replies[6] as ScriptReplies['sweepRetention'], batch, opts.maxRetention ?? batch * 10, (count) =>
    s.call('sweepRetention', { count, fence }),
  )
  result.archived = swept.archived.length
  result.deleted = swept.deleted.length
  result.eventsTrimmed = swept.trimmed
  note(result.ids.archived, swept.archived)
  note(result.ids.deleted, swept.deleted)
  await reindexTick.afterFirst(ctx.scripts, first.replies[7] as ScriptReplies['reindexTasks'] | undefined)

  const [sec, usec] = first.reads[0] as [string, string]
  const now = Number(sec) * 1000 + Math.floor(Number(usec) / 1000)
  const maxDispatch = opts.maxDispatch ?? 50_000
  const lostBefore = now - (opts.lostJobAfterMs ?? 30_000)
  for (let round = 0; ; round++) {
    // the first reservation's round trip also lists the queued tasks older than the lost-job
    // cutoff (read right after it: this tick's own reservations are newer than the cutoff).
    // A reservation that turns out to be the tick's last step releases the lease itself.
    const [r, reads] = await s.callThen('reserveDispatch', { count: batch, scan: batch * 2, fence, releaseIfDone: true, lostBefore }, (p) => {
      if (round === 0) p.zrangebyscore(ctx.keys.queued, '-inf', lostBefore, 'LIMIT', 0, 200)
    })
    await ctx.lanes.add(r.jobs)
    result.enqueued += r.jobs.length
    note(
      result.ids.enqueued,
      r.jobs.map((j) => j.id),
    )
    result.skippedCapped = r.skippedCapped
    result.skippedUnassigned = r.skippedUnassigned
    result.skippedCooldown = r.skippedCooldown
    result.skippedPaused = r.skippedPaused
    // released: fewer than a batch reserved and no lost job to repair — the tick is over
    if (r.released) {
      lease.released = true
      return
    }
    // lost jobs filed for dispatch again go out in the rounds that follow
    if (round === 0) {
      const requeued = await repairLostJobs(ctx, fence, (reads[0] as string[] | undefined) ?? [])
      result.requeued = requeued.length
      note(result.ids.requeued, requeued)
    }
    if ((r.jobs.length < batch && (round > 0 || result.requeued === 0)) || result.enqueued >= maxDispatch) break
  }
}

/**
 * The tick's retention step: the first batch came with the tick's first round trip; more
 * batches while they come back full, up to `max` tasks (the rest waits for the next tick,
 * so a backlog — retention just turned on for an old board — never makes one long tick).
 */
async function retention(
  first: ScriptReplies['sweepRetention'],
  batch: number,
  max: number,
  next: (count: number) => Promise<ScriptReplies['sweepRetention']>,
): Promise<{ archived: string[]; deleted: string[]; trimmed: number }> {
  const out = { archived: [] as string[], deleted: [] as string[], trimmed: 0 }
  // calls are capped too: a board from before retention's indexes spends calls filing its old tasks
  const calls = Math.ceil(max / batch)
  for (let r = first, call = 1; ; r = await next(Math.min(batch, max - out.archived.length - out.deleted.length)), call++) {
    if ('due' in r) return out // (a dry run's reply: not asked for here)
    out.archived.push(...r.archived)
    out.deleted.push(...r.deleted)
    out.trimmed += r.trimmed
    if (!r.more || out.archived.length + out.deleted.length >= max || call >= calls) return out
  }
}

/**
 * A task reserved for BullMQ whose job vanished (the dispatcher died between reserving and
 * adding it, or the job was removed by hand) would wait forever: ask BullMQ about the
 * queued tasks older than the cutoff (`old`, found by the tick) and file the lost ones for
 * dispatch again.
 */
async function repairLostJobs(ctx: TickContext, fence: string, old: string[]): Promise<string[]> {
  if (old.length === 0) return []
  const lost: string[] = []
  const alive: string[] = []
  // asked concurrently, once per job (a job holds several tasks): with a deep backlog
  // every tick checks up to 200 old entries
  const held = await Promise.all(old.map((id) => ctx.redis.hmget(ctx.keys.task(id), 'assignee', 'queueToken')))
  const states = new Map<string, Promise<string>>()
  const stateOf = ([lane, token]: (string | null)[]) => {
    if (!lane || !token) return Promise.resolve('unknown')
    const key = `${lane}\n${token}`
    let s = states.get(key)
    if (!s) states.set(key, (s = ctx.lanes.get(lane).then((q) => q.getJobState(jobIdOf(token)))))
    return s
  }
  const answers = await Promise.all(held.map(stateOf))
  old.forEach((id, i) => {
    const state = answers[i]
    if (state === 'completed' || state === 'failed' || state === 'unknown') lost.push(id)
    else alive.push(id)
  })
  const r = await ctx.scripts.call('requeueLost', { lost, alive, fence })
  return r.requeued
}

/**
 * The immediate path: children promoted by a completion are reserved and handed to
 * BullMQ by the completing process, within milliseconds; the tick is the safety net.
 */
export async function enqueueTasks(ctx: Pick<BoardContext, 'scripts' | 'lanes'>, ids: string[]): Promise<number> {
  let enqueued = 0
  // in calls of RESERVE_BATCH, like a tick: a large createTasks does not make one long call
  for (let i = 0; i < ids.length; i += RESERVE_BATCH) {
    const part = ids.slice(i, i + RESERVE_BATCH)
    const r = await ctx.scripts.call('reserveDispatch', { count: part.length, scan: part.length, ids: part })
    await ctx.lanes.add(r.jobs)
    enqueued += r.jobs.length
  }
  return enqueued
}
