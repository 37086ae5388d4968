/**
 * Durable subscribers (docs/events.md#subscriptions): a name with a cursor kept in Redis —
 * the last event id it acknowledged — and an optional kind filter. Read, process,
 * acknowledge: a reader that starts again reads from the event after its last
 * acknowledgement, so delivery is at least once.
 *
 * Why a cursor and not a Redis consumer group. The board's event ids are consecutive
 * integers (one counter, every event in the stream), so a subscriber's whole state is one
 * number: a read is a plain XRANGE after it (reads never write, as everywhere in the
 * library), an acknowledgement is one small script that only moves it forward
 * (ackSubscriber.lua), and the lag is the last event id minus the cursor, exact and free.
 * A consumer group would add a pending-entries list per reader that grows with every read
 * and must be acknowledged entry by entry — also for the events a kind filter skips — and
 * makes every read a write; its one gain, several consumers sharing one subscription, is
 * not what a notifier needs. A subscription is read by one reader at a time; two readers
 * of one name each see every event.
 *
 * A handle reads ahead of its cursor: `read` returns events after the handle's position
 * (where its last read stopped) and `ack` moves the stored cursor; `rewind` sends the
 * position back to the cursor, to read again what was not acknowledged.
 */
import type { Cluster, Redis } from 'ioredis'
import type { BoardContext } from './context.js'
import { KanbanError } from './errors.js'
import { parseStreamEntries } from './reads.js'
import * as S from './schemas.js'
import type { KanbanEvent } from './types.js'
import { parse } from './validate.js'

type Ctx = Pick<BoardContext, 'keys' | 'redis' | 'scripts' | 'ensureOpen'>

/** A subscriber as stored (subscribe.lua), with its lag. */
export interface SubscriberInfo {
  name: string
  /** the kinds it reads; null: every kind */
  kinds: string[] | null
  /** the last event id it acknowledged (everything up to it is processed) */
  cursor: number
  /** events written after the cursor, of every kind (the board's last event id minus the cursor) */
  lag: number
  createdAt: number
  /** when it last moved its cursor, epoch ms; null: never */
  ackedAt: number | null
}

type Stored = { cursor: number; kinds?: string[]; createdAt: number; ackedAt?: number }

/** Stream entries one XRANGE of a filtered read takes; a read looks at no more than SCAN_PAGES of them. */
const SCAN_PAGE = 500
const SCAN_PAGES = 10

/** A handle on a durable subscriber (`board.subscriber(name, { kinds?, from? })`). */
export interface Subscriber {
  readonly name: string
  /** the kinds this handle reads (null: every kind) */
  readonly kinds: string[] | null
  /**
   * Up to `limit` (default 100, at most 10,000) events after the handle's position, of the
   * subscriber's kinds, oldest first. With `blockMs` (at most 600,000), waits up to that long
   * for one when there is none. Throws EVENTS_TRIMMED when the stream no longer holds the
   * events after the position (trimmed by eventStreamMax or retention): acknowledge
   * `details.firstAvailable - 1` to go on after the gap.
   */
  read(opts?: S.SubscriberRead): Promise<KanbanEvent[]>
  /**
   * Acknowledges every event up to `eventId` (default: everything this handle has read,
   * events of other kinds it passed over included). The cursor never moves back: false when
   * it was there already.
   */
  ack(eventId?: number): Promise<boolean>
  /** The next read starts after the stored cursor again: what was read and not acknowledged is read again. */
  rewind(): Promise<void>
  /** The subscriber as stored, with its lag. */
  info(): Promise<SubscriberInfo>
  /** Ends a blocked read and closes this handle's blocking connection (the subscriber stays in Redis). */
  close(): void
}

class SubscriberHandle implements Subscriber {
  private position: number
  private filter: Set<string> | null
  private conn: Redis | Cluster | null = null
  private closed = false

  /** @param onClose tells the board this handle is closed */
  constructor(
    private readonly ctx: Ctx,
    readonly name: string,
    cursor: number,
    kinds: string[] | null,
    private readonly onClose: () => void,
  ) {
    this.position = cursor
    this.filter = kinds ? new Set(kinds) : null
  }

  get kinds(): string[] | null {
    return this.filter ? [...this.filter] : null
  }

  async read(opts?: S.SubscriberRead): Promise<KanbanEvent[]> {
    this.open('subscriber.read')
    const o = parse('subscriber.read', S.SubscriberRead, opts) ?? {}
    const limit = o.limit ?? 100
    const deadline = o.blockMs !== undefined ? Date.now() + o.blockMs : undefined
    for (;;) {
      const events = await this.page(limit)
      if (events.length > 0 || deadline === undefined || this.closed) return events
      const left = deadline - Date.now()
      if (left <= 0) return []
      await this.wait(left)
      if (this.closed) return []
    }
  }

  async ack(eventId?: number): Promise<boolean> {
    this.open('subscriber.ack')
    const id = eventId === undefined ? this.position : parse('subscriber.ack', S.eventId, eventId, 'eventId')
    const r = await this.ctx.scripts.call('ackSubscriber', { name: this.name, eventId: id }, 'subscriber.ack')
    if (id > this.position) this.position = id
    return r.changed
  }

  async rewind(): Promise<void> {
    this.open('subscriber.rewind')
    this.position = (await this.info()).cursor
  }

  async info(): Promise<SubscriberInfo> {
    this.open('subscriber.info')
    const r = await this.ctx.redis.multi().hget(this.ctx.keys.subscribers, this.name).hget(this.ctx.keys.seq, 'event').exec()
    const raw = r?.[0]?.[1] as string | null
    if (!raw) throw notFound('subscriber.info', this.name)
    return toInfo(this.name, raw, Number(r?.[1]?.[1] ?? 0))
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.conn?.disconnect()
    this.conn = null
    this.onClose()
  }

  private open(op: string): void {
    this.ctx.ensureOpen(op)
    if (this.closed) throw new KanbanError('BOARD_CLOSED', `${op}: the subscriber ${this.name} is closed`)
  }

  /** One read without waiting: pages of the stream after the position, at most SCAN_PAGES. */
  private async page(limit: number): Promise<KanbanEvent[]> {
    const { keys, redis } = this.ctx
    const out: KanbanEvent[] = []
    for (let i = 0; i < SCAN_PAGES && out.length < limit; i++) {
      const count = this.filter ? SCAN_PAGE : limit - out.length
      // one snapshot: the stored subscriber, the page, the stream's first entry and the last event id
      const r = await redis
        .multi()
        .hget(keys.subscribers, this.name)
        .xrange(keys.events, `(${this.position}-0`, '+', 'COUNT', count)
        .xrange(keys.events, '-', '+', 'COUNT', 1)
        .hget(keys.seq, 'event')
        .exec()
      const raw = r?.[0]?.[1] as string | null
      if (!raw) throw notFound('subscriber.read', this.name)
      const stored = JSON.parse(raw) as Stored
      if (stored.cursor > this.position) {
        // another handle acknowledged further: read on from there
        this.position = stored.cursor
        continue
      }
      const entries = r?.[1]?.[1] as [string, string[]][]
      const head = r?.[2]?.[1] as [string, string[]][]
      const last = Number(r?.[3]?.[1] ?? 0)
      const first = head.length > 0 ? idOf(head[0]![0]) : last + 1
      if (first > this.position + 1 && last > this.position) {
        // the events after the position are gone: say so, unless this read has some to give
        if (out.length > 0) return out
        throw trimmed(this.name, this.position, first)
      }
      for (const e of parseStreamEntries(entries)) {
        if (this.filter && !this.filter.has(e.kind)) {
          this.position = e.id
          continue
        }
        out.push(e)
        this.position = e.id
        if (out.length === limit) return out
      }
      if (entries.length < count) break
    }
    return out
  }

  /** Waits (up to ms) for an event after the position, on a blocking connection of this handle's own. */
  private async wait(ms: number): Promise<void> {
    this.conn ??= this.ctx.redis.duplicate({ maxRetriesPerRequest: null } as never) as Redis | Cluster
    await this.conn.xread('COUNT', 1, 'BLOCK', ms, 'STREAMS', this.ctx.keys.events, `${this.position}-0`).catch((e: unknown) => {
      if (!this.closed) throw e
    })
  }
}

/** Creates the subscriber (or changes its kinds) and returns a handle at its cursor. */
export async function openSubscriber(ctx: Ctx, name: unknown, opts: unknown, onClose: (s: Subscriber) => void): Promise<Subscriber> {
  const n = parse('subscriber', S.subscriberName, name, 'name')
  const o = parse('subscriber', S.SubscriberOptions, opts, 'options') ?? {}
  const kinds = o.kinds === undefined || o.kinds === null ? o.kinds : [...new Set(o.kinds)]
  const r = await ctx.scripts.call(
    'subscribe',
    { name: n, ...(kinds !== undefined ? { kinds } : {}), ...(o.from !== undefined ? { from: o.from } : {}), max: S.LIMITS.subscribers },
    'subscriber',
  )
  const s: Subscriber = new SubscriberHandle(ctx, n, r.cursor, r.kinds ?? null, () => onClose(s))
  return s
}

/** Every subscriber of the board with its lag, by name. */
export async function listSubscribers(ctx: Ctx): Promise<SubscriberInfo[]> {
  const r = await ctx.redis.multi().hgetall(ctx.keys.subscribers).hget(ctx.keys.seq, 'event').exec()
  const all = (r?.[0]?.[1] ?? {}) as Record<string, string>
  const last = Number(r?.[1]?.[1] ?? 0)
  return Object.keys(all)
    .sort()
    .map((name) => toInfo(name, all[name]!, last))
}

export async function deleteSubscriber(ctx: Ctx, name: unknown): Promise<boolean> {
  const n = parse('deleteSubscriber', S.subscriberName, name, 'name')
  return (await ctx.scripts.call('deleteSubscriber', { name: n })).deleted
}

function toInfo(name: string, raw: string, last: number): SubscriberInfo {
  const s = JSON.parse(raw) as Stored
  return { name, kinds: s.kinds ?? null, cursor: s.cursor, lag: Math.max(0, last - s.cursor), createdAt: s.createdAt, ackedAt: s.ackedAt ?? null }
}

const idOf = (streamId: string): number => Number(streamId.split('-')[0])

function notFound(op: string, name: string): KanbanError {
  return new KanbanError('SUBSCRIBER_NOT_FOUND', `${op}: name: expected an existing subscriber, got ${JSON.stringify(name)} (deleted?)`, {
    field: 'name',
    name,
  })
}

function trimmed(name: string, after: number, firstAvailable: number): KanbanError {
  const missed = firstAvailable - after - 1
  return new KanbanError(
    'EVENTS_TRIMMED',
    `subscriber.read: subscriber ${name}: events #${after + 1} to #${firstAvailable - 1} (${missed}) are no longer in the board's stream (trimmed); ` +
      `acknowledge #${firstAvailable - 1} to read on after them`,
    { name, after, firstAvailable, missed },
  )
}
