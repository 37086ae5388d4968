/**
 * The fleet, pushed (docs/http-api.md#live-updates-server-sent-events): worker announcements
 * and a dispatcher tick that changes no task write no event, so the event stream alone
 * cannot keep the Fleet view live. One `FleetFeed` per board per process reads the fleet
 * (views.ts#fleet: stats, live workers, in-flight counts — bounded reads) every `everyMs`
 * while at least one stream asked for it, and hands it to those streams only when it
 * changed; a stream that joins gets the last one at once.
 */
import type { Board } from '../board.js'
import { ANNOUNCE_EVERY_MS } from '../liveness.js'
import { fleet } from './views.js'

export type FleetSnapshot = Awaited<ReturnType<typeof fleet>>
type Listener = (f: FleetSnapshot) => void

export const FLEET_EVERY_MS = 2000
/**
 * A change of announcement times alone (each live worker's `lastSeen` moves every 10 s) is
 * sent at most this often: with many workers nearly every read sees one, and the page's
 * "seen 4s ago" needs no more
 */
export const SEEN_EVERY_MS = ANNOUNCE_EVERY_MS

export class FleetFeed {
  private readonly subs = new Set<Listener>()
  private last: { sig: string; shape: string; sentAt: number; data: FleetSnapshot } | null = null
  private timer: NodeJS.Timeout | null = null
  private reading: Promise<void> | null = null
  private closed = false

  constructor(
    private readonly board: Board,
    private readonly httpWorkers: () => { lane: string; waiting: number }[],
    private readonly everyMs = FLEET_EVERY_MS,
    private readonly onError: (e: unknown) => void = () => undefined,
  ) {}

  get clients(): number {
    return this.subs.size
  }

  join(fn: Listener): void {
    if (this.closed) return
    this.subs.add(fn)
    if (this.last) fn(this.last.data)
    if (!this.timer && !this.reading) this.tick()
  }

  leave(fn: Listener): void {
    this.subs.delete(fn) // the reads stop at the next tick when nobody listens
  }

  async close(): Promise<void> {
    this.closed = true
    this.subs.clear()
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    await this.reading
  }

  private tick(): void {
    this.timer = null
    if (this.closed || this.subs.size === 0) {
      // nobody listens: the next one starts from a fresh read, not from what was pushed before
      this.last = null
      return
    }
    this.reading = this.read().finally(() => {
      this.reading = null
      if (!this.closed) {
        this.timer = setTimeout(() => this.tick(), this.everyMs)
        this.timer.unref()
      }
    })
  }

  private async read(): Promise<void> {
    let data: FleetSnapshot
    try {
      data = await fleet(this.board, this.httpWorkers())
    } catch (e) {
      if (!this.closed) this.onError(e)
      return
    }
    // `at` (the server's clock when read) moves on every read: a change is anything else
    const sig = JSON.stringify({ ...data, at: 0 })
    if (sig === this.last?.sig) return
    const shape = JSON.stringify(withoutSeen(data))
    const now = Date.now()
    if (this.last && shape === this.last.shape && now - this.last.sentAt < SEEN_EVERY_MS) return
    this.last = { sig, shape, sentAt: now, data }
    for (const fn of [...this.subs]) fn(data)
  }
}

/** The fleet but for when each worker was last seen (and so when its announcement expires). */
function withoutSeen(f: FleetSnapshot) {
  return {
    ...f,
    at: 0,
    workers: f.workers.map((w) => ({ ...w, lastSeen: 0, expiresAt: 0 })),
    lanes: f.lanes.map((l) => ({ ...l, workers: { ...l.workers, lastSeen: 0 } })),
  }
}

/** A server's feeds: one per board, made on first use. */
export class FleetFeeds {
  private readonly feeds = new Map<string, FleetFeed>()

  constructor(
    private readonly reader: (board: string) => Board,
    private readonly httpWorkers: (board: string) => { lane: string; waiting: number }[],
    private readonly onError: (e: unknown) => void,
  ) {}

  of(board: string): FleetFeed {
    let f = this.feeds.get(board)
    if (!f) this.feeds.set(board, (f = new FleetFeed(this.reader(board), () => this.httpWorkers(board), FLEET_EVERY_MS, this.onError)))
    return f
  }

  async close(): Promise<void> {
    await Promise.all([...this.feeds.values()].map((f) => f.close()))
  }
}
