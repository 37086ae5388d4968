/**
 * The seam between a Board and the fleet modules (worker, dispatcher tick, lanes): what
 * they need of a board — its connection, keys, script runner, lane queues and a few hooks
 * into its state — as one small context. A board registers its context when it is made;
 * the fleet modules reach it through `boardContext(board)`, which is no member of Board,
 * so Board's public type (and its declarations) carries none of it.
 */
import type { Cluster, Redis } from 'ioredis'
import { ValidationError, show } from './errors.js'
import type { BoardKeys } from './keys.js'
import type { LaneQueues } from './lanes.js'
import type { Scripts } from './scripts.js'
import type { ClaimWithTask, Handoff } from './scriptContract.js'

/** A completion's reply as the worker sees it (the board's coalescer already threw `{ err }`). */
export type Completion = { ok: true; promoted: string[]; handoff?: ClaimWithTask & { id: string } } | { ok: false; status: string }

export interface BoardContext {
  readonly keys: BoardKeys
  readonly redis: Redis | Cluster
  readonly scripts: Scripts
  /** BullMQ queues of the board's lanes (made on first use) */
  readonly lanes: LaneQueues
  /** recompute-ready batch size (Board.open's recomputeBatch) */
  readonly recomputeBatch: number
  /** throws BOARD_CLOSED once the board is closed */
  ensureOpen(op: string): void
  /** tells onPromoted listeners of promotions the caller hands to BullMQ itself (the tick) */
  notePromoted(ids: string[]): void
  /**
   * A completion through the board's coalescer (completions made at once share a script
   * call); with `handoff`, one promoted child may be claimed for the completing worker.
   */
  complete(id: string, opts: { runId: string; result?: string; summary?: string; metadata?: Record<string, unknown> }, handoff: Handoff): Promise<Completion>
}

const contexts = new WeakMap<object, BoardContext>()

/** Called once by the Board constructor. */
export function bindContext(board: object, ctx: BoardContext): void {
  contexts.set(board, ctx)
}

/** The context of a board made by Board.open; anything else is refused. */
export function boardContext(board: unknown): BoardContext {
  const ctx = typeof board === 'object' && board !== null ? contexts.get(board) : undefined
  if (!ctx) throw new ValidationError('INVALID_INPUT', `board: expected a Board from Board.open, got ${show(board)}`)
  return ctx
}
