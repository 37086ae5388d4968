/**
 * Durable terminal transitions (docs/failover.md#durability-wait-for-a-replica). Redis
 * replicates asynchronously: a completion the master acknowledged can be lost if the master
 * dies before a replica has it, and the task then runs again after the failover. With
 * Board.open's `durability`, each terminal transition is followed, in the same pipeline on
 * the same connection (the board's node in a Cluster), by `WAIT <replicas> <timeoutMs>`,
 * and the call succeeds only once that many replicas hold the write.
 */
import * as z from 'zod/mini'
import { KanbanError } from './errors.js'
import type { ScriptName } from './scriptContract.js'

export const Durability = z.strictObject({
  /** replicas that must acknowledge the write (1-16) */
  replicas: z.number().check(z.int(), z.gte(1), z.lte(16)),
  /**
   * most ms to wait for them (1-60000). WAIT holds the board's connection meanwhile, so keep
   * it well under a third of the lease (claimTtlMs): lease renewals queue behind it.
   */
  timeoutMs: z.number().check(z.int(), z.gte(1), z.lte(60_000)),
})
export type Durability = z.output<typeof Durability>
/** as Board.open takes it: errors name `durability.<field>` */
export const DurabilityOption = z.strictObject({ durability: Durability })

/** The transitions that end a run or a task's work: what a failover must not lose. */
export const TERMINAL_SCRIPTS: ReadonlySet<ScriptName> = new Set<ScriptName>(['completeTask', 'completeBatch', 'blockTask', 'requestReview', 'recordFailure'])

/** The durability wanted was not met: the write is on the master only. */
export class NotReplicatedError extends KanbanError {
  constructor(op: string, acked: number, d: Durability) {
    super(
      'NOT_REPLICATED',
      `${op}: applied on the master, but acknowledged by ${acked} of ${d.replicas} replica(s) within ${d.timeoutMs} ms: ` + `a failover now could lose it`,
      { op, acked, replicas: d.replicas, timeoutMs: d.timeoutMs },
    )
    this.name = 'NotReplicatedError'
  }
}

/**
 * Throws NotReplicatedError when the WAIT reply counts fewer replicas than wanted. A
 * refusal (`ok: false`) wrote nothing, so there is nothing to wait for.
 */
export function checkReplicated(op: string, reply: unknown, acked: unknown, d: Durability): void {
  if (reply && typeof reply === 'object' && (reply as { ok?: unknown }).ok === false) return
  const n = typeof acked === 'number' ? acked : 0
  if (n < d.replicas) throw new NotReplicatedError(op, n, d)
}
