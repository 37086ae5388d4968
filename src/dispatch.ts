/**
 * One dispatcher tick (SPEC §7), in order: reclaim expired leases, reclaim stale runs,
 * time out runs past maxRuntimeMs, release due schedules and cooldowns, recompute-ready,
 * repair lost BullMQ jobs, dispatch. Every step is a bounded Lua batch; a tick that holds
 * the leader lease passes its fencing token to each step, so a replica that stalled past
 * its lease has its next write refused (STALE_LEADER) instead of overlapping a new tick.
 */
import { randomBytes } from 'node:crypto'
import type { Board } from './board.js'
import { KanbanError } from './errors.js'
import { jobIdOf } from './lanes.js'

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
  /** tasks the breaker blocked during this tick (expired leases and timeouts count) */
  autoBlocked: number
  /** true when another dispatcher held the board's lease, so this tick did nothing */
  skippedLocked: boolean
  /** BullMQ jobs found missing for queued tasks and dispatched again */
  requeued: number
}

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
  autoBlocked: 0,
  skippedLocked: false,
  requeued: 0,
})

const defaultHolder = `lib-${process.pid}-${randomBytes(3).toString('hex')}`

export async function dispatchOnce(board: Board, opts: DispatchOptions = {}): Promise<DispatchResult> {
  const result = emptyResult()
  const lease = await board.scripts.call('acquireLeader', {
    holder: opts.holder ?? defaultHolder,
    ttlMs: opts.leaseTtlMs ?? 30_000,
  })
  if (!lease.ok) {
    result.skippedLocked = true
    return result
  }
  const fence = lease.fence
  try {
    await tick(board, fence, opts, result)
  } catch (e) {
    if (e instanceof KanbanError && e.code === 'STALE_LEADER') {
      result.skippedLocked = true
      return result
    }
    throw e
  } finally {
    await board.scripts.call('acquireLeader', { release: true, fence }).catch(() => undefined)
  }
  return result
}

async function tick(board: Board, fence: string, opts: DispatchOptions, result: DispatchResult): Promise<void> {
  const batch = opts.batch ?? RESERVE_BATCH
  const s = board.scripts
  for (const [mode, field] of [
    ['lease', 'reclaimed'],
    ['stale', 'stale'],
    ['timeout', 'timedOut'],
  ] as const) {
    for (;;) {
      const r = await s.call('expireRuns', { mode, count: batch, fence })
      result[field] += r.ids.length
      result.autoBlocked += r.tripped.length
      if (r.ids.length < batch) break
    }
  }
  for (;;) {
    const r = await s.call('releaseDue', { count: batch, fence })
    result.released += r.released.length
    if (r.released.length < batch && r.cooled.length < batch) break
  }
  result.promoted = await board.recomputeReady({ fence })
  result.requeued = await repairLostJobs(board, fence, opts.lostJobAfterMs ?? 30_000)

  const maxDispatch = opts.maxDispatch ?? 50_000
  for (;;) {
    const r = await s.call('reserveDispatch', { count: batch, scan: batch * 2, fence })
    await board.lanes.add(r.jobs)
    result.enqueued += r.jobs.length
    result.skippedCapped = r.skippedCapped
    result.skippedUnassigned = r.skippedUnassigned
    result.skippedCooldown = r.skippedCooldown
    if (r.jobs.length < batch || result.enqueued >= maxDispatch) break
  }
}

/**
 * A task reserved for BullMQ whose job vanished (the dispatcher died between reserving and
 * adding it, or the job was removed by hand) would wait forever: ask BullMQ about queued
 * tasks older than `afterMs` and file the lost ones for dispatch again.
 */
async function repairLostJobs(board: Board, fence: string, afterMs: number): Promise<number> {
  const now = await board.now()
  const old = await board.redis.zrangebyscore(board.keys.queued, '-inf', now - afterMs, 'LIMIT', 0, 200)
  if (old.length === 0) return 0
  const lost: string[] = []
  const alive: string[] = []
  // asked concurrently, once per job (a job holds several tasks): with a deep backlog
  // every tick checks up to 200 old entries
  const held = await Promise.all(old.map((id) => board.redis.hmget(board.keys.task(id), 'assignee', 'queueToken')))
  const states = new Map<string, Promise<string>>()
  const stateOf = ([lane, token]: (string | null)[]) => {
    if (!lane || !token) return Promise.resolve('unknown')
    const key = `${lane}\n${token}`
    let s = states.get(key)
    if (!s) states.set(key, (s = board.lanes.get(lane).getJobState(jobIdOf(token))))
    return s
  }
  const answers = await Promise.all(held.map(stateOf))
  old.forEach((id, i) => {
    const state = answers[i]
    if (state === 'completed' || state === 'failed' || state === 'unknown') lost.push(id)
    else alive.push(id)
  })
  const r = await board.scripts.call('requeueLost', { lost, alive, fence })
  return r.requeued.length
}

/**
 * The immediate path: children promoted by a completion are reserved and handed to
 * BullMQ by the completing process, within milliseconds; the tick is the safety net.
 */
export async function enqueueTasks(board: Board, ids: string[]): Promise<number> {
  let enqueued = 0
  // in calls of RESERVE_BATCH, like a tick: a large createTasks does not make one long call
  for (let i = 0; i < ids.length; i += RESERVE_BATCH) {
    const part = ids.slice(i, i + RESERVE_BATCH)
    const r = await board.scripts.call('reserveDispatch', { count: part.length, scan: part.length, ids: part })
    await board.lanes.add(r.jobs)
    enqueued += r.jobs.length
  }
  return enqueued
}
