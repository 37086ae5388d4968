/**
 * The board calls only a worker makes: claiming the tasks BullMQ handed it, renewing a
 * run's lease, completing its own task with a hand-off. They take the board's context
 * (context.ts), not the Board, and are no part of the library API.
 */
import type { BoardContext } from './context.js'
import { toTask } from './reads.js'
import type { ClaimWithTask, Handoff, ParentRunTrace } from './scriptContract.js'
import type { Claim, Task } from './types.js'
import { leaseClock } from './leaseGuard.js'

/**
 * A worker's claim with the claimed task and the lease it was given; `sentAt`: when the
 * claiming call was sent (leaseGuard.ts's clock), which the lease outlasts; `attempt`: the
 * run's number among the task's runs; `tp` / `tst`: the trace context of the task's create
 * span (docs/tracing.md).
 */
export type Claimed = {
  claim: Claim
  task: Task
  ttlMs: number
  sentAt: number
  attempt: number
  tp?: string
  tst?: string
  parentRuns?: ParentRunTrace[]
}

/**
 * Claims tasks BullMQ handed the worker (each with its job's queue token), in one round
 * trip: per task the claim and the task as it now is, or null when refused (claimed
 * elsewhere, superseded, gone or no longer ready). `traces`: per task the traceparent of the
 * worker's process span, written on the run ('' for none; runTrace.ts).
 */
export async function claimForWorker(ctx: BoardContext, ids: string[], claimer: string, tokens: string[], traces?: string[]): Promise<(Claimed | null)[]> {
  if (ids.length === 0) return []
  const sentAt = leaseClock()
  const r = await ctx.scripts.call('claimBatch', traces ? { ids, tokens, claimer, traces } : { ids, tokens, claimer })
  return r.results.map((c, i) => ('ok' in c && c.ok ? claimed(ids[i]!, c, sentAt) : null))
}

/**
 * A worker's automatic lease renewal: extends the open run's lease without counting as
 * progress (staleTimeoutMs measures time since the last heartbeat). False: the run is gone.
 */
export async function renewLease(ctx: BoardContext, id: string, runId: string): Promise<boolean> {
  ctx.ensureOpen('renewLease')
  return (await ctx.scripts.call('heartbeat', { id, runId, leaseOnly: true })).ok
}

/**
 * A worker completing its own task: the call may also claim one child it promoted for the
 * same worker (`handoff`: its name and lanes), which comes back as `next` — no round trip
 * through BullMQ (includes/takeover.lua).
 */
export async function completeForWorker(
  ctx: BoardContext,
  id: string,
  opts: { runId: string; result?: string; summary?: string; metadata?: Record<string, unknown> },
  handoff: Handoff,
): Promise<{ ok: boolean; next: Claimed | null }> {
  const sentAt = leaseClock()
  const r = await ctx.complete(id, opts, handoff)
  return { ok: r.ok, next: r.ok && r.handoff ? claimed(r.handoff.id, r.handoff, sentAt) : null }
}

/** A claim that carries the claimed task (claimBatch, a hand-off), as the worker uses it. */
function claimed(id: string, c: ClaimWithTask, sentAt: number): Claimed {
  return {
    claim: { taskId: id, runId: c.runId, leaseExpiresAt: c.leaseExpiresAt },
    task: toTask(c.task, Array.isArray(c.parents) ? c.parents : []), // cjson: an empty list is {}
    // the lease this run was given (the board's claimTtlMs at claim time): what to renew by
    ttlMs: c.ttlMs,
    sentAt,
    attempt: c.task.runIds ? c.task.runIds.split(' ').length : 1,
    tp: c.task.tp,
    tst: c.task.tst,
    parentRuns: Array.isArray(c.parentRuns) ? c.parentRuns : undefined,
  }
}
