/**
 * The board calls only a worker makes: claiming the tasks BullMQ handed it, renewing a
 * run's lease, completing its own task with a hand-off. They take the board's context
 * (context.ts), not the Board, and are no part of the library API.
 */
import type { BoardContext } from './context.js'
import { toTask } from './reads.js'
import type { ClaimWithTask, Handoff } from './scriptContract.js'
import type { Claim, Task } from './types.js'

/** A worker's claim with the claimed task and the lease it was given. */
export type Claimed = { claim: Claim; task: Task; ttlMs: number; from?: string; readySince?: number }

/**
 * Claims tasks BullMQ handed the worker (each with its job's queue token), in one round
 * trip: per task the claim and the task as it now is, or null when refused (claimed
 * elsewhere, superseded, gone or no longer ready).
 */
export async function claimForWorker(ctx: BoardContext, ids: string[], claimer: string, tokens: string[]): Promise<(Claimed | null)[]> {
  if (ids.length === 0) return []
  const r = await ctx.scripts.call('claimBatch', { ids, tokens, claimer })
  return r.results.map((c, i) => ('ok' in c && c.ok ? claimed(ids[i]!, c) : null))
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
  const r = await ctx.complete(id, opts, handoff)
  return { ok: r.ok, next: r.ok && r.handoff ? claimed(r.handoff.id, r.handoff) : null }
}

/** A claim that carries the claimed task (claimBatch, a hand-off), as the worker uses it. */
function claimed(id: string, c: ClaimWithTask): Claimed {
  return {
    claim: { taskId: id, runId: c.runId, leaseExpiresAt: c.leaseExpiresAt },
    task: toTask(c.task, Array.isArray(c.parents) ? c.parents : []), // cjson: an empty list is {}
    // the lease this run was given (the board's claimTtlMs at claim time): what to renew by
    ttlMs: c.ttlMs,
    // what the metrics need of a claim (docs/operations.md#metrics): the status left, when it became ready
    ...(c.from !== undefined ? { from: c.from } : {}),
    ...(c.readySince !== undefined ? { readySince: c.readySince } : {}),
  }
}
