/**
 * The board-wide gauges (docs/operations.md#metrics), read from Redis at scrape time by the
 * one process that serves /metrics for boards (`kanban serve`), so replicas of workers and
 * dispatchers do not report the same number twice. Every read is one the library already
 * bounds — `stats()` (status and listing indexes, the dispatcher's last tick), `workers()`
 * (liveness), the stream's length — plus the human-wait sample (humanWait.ts). A snapshot
 * is kept for `cacheMs`, and concurrent scrapes share one read.
 */
import type { Board } from '../board.js'
import type { Status } from '../status.js'
import { HUMAN_KINDS, oldestWaits, type HumanKind } from './humanWait.js'
import { UNASSIGNED_LANE } from './catalog.js'

export interface LaneGauges {
  lane: string
  ready: number
  running: number
  /** epoch ms; null with none ready */
  oldestReadyAt: number | null
}

export interface BoardSnapshot {
  board: string
  byStatus: Record<Status, number>
  lanes: LaneGauges[]
  human: Record<HumanKind, number>
  humanOldest: Record<HumanKind, number | null>
  parked: number
  /** live workers per lane */
  workers: { lane: string; workers: number }[]
  lastTickAt: number | null
  streamLength: number
}

export async function snapshot(board: Board): Promise<BoardSnapshot> {
  const [stats, live, oldest, streamLength] = await Promise.all([
    board.stats(),
    board.workers(),
    oldestWaits(board.redis, board.keys),
    board.redis.xlen(board.keys.events),
  ])
  return {
    board: board.name,
    byStatus: stats.byStatus,
    lanes: stats.byLane.map((l) => ({
      lane: l.lane ?? UNASSIGNED_LANE,
      ready: l.byStatus.ready,
      running: l.byStatus.running,
      oldestReadyAt: l.oldestReadyAt,
    })),
    human: { sticky_block: stats.stickyBlocked, triage: stats.byStatus.triage, review: stats.byStatus.review },
    humanOldest: oldest,
    parked: stats.breakerBlocked,
    workers: live.lanes.map((l) => ({ lane: l.lane, workers: l.workers })),
    lastTickAt: stats.dispatcher.lastTickAt,
    streamLength,
  }
}

/** Snapshots of some boards, cached for `cacheMs`; a failed read is not cached. */
export class BoardGauges {
  private cached: { at: number; value: Promise<BoardSnapshot[]> } | null = null

  constructor(
    private readonly boards: () => readonly Board[],
    private readonly cacheMs = 2000,
  ) {}

  read(): Promise<BoardSnapshot[]> {
    const now = Date.now()
    if (this.cached && now - this.cached.at < this.cacheMs) return this.cached.value
    const value = Promise.all(this.boards().map(snapshot))
    this.cached = { at: now, value }
    value.catch(() => {
      if (this.cached?.value === value) this.cached = null
    })
    return value
  }
}

export { HUMAN_KINDS }
