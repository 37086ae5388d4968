/**
 * Live events as Server-Sent Events (docs/http-api.md#live-updates-server-sent-events).
 * One `EventHub` per board per process tails the board's event stream with one blocking
 * XREAD on a connection of its own, and fans each event out to every connected client; it
 * runs only while a client is connected. A client that names a position (Last-Event-ID,
 * or `after`) first catches up with XRANGE pages, then takes the live feed: it joins the
 * hub before its first catch-up read, so every event is in one or the other, and events
 * it already sent are skipped by id — none missed, none twice.
 */
import type { Cluster, Redis } from 'ioredis'
import type { Board } from '../board.js'
import * as R from '../reads.js'
import type { KanbanEvent } from '../types.js'
import type { FleetFeed, FleetSnapshot } from './fleetFeed.js'

/** events a slow client may have queued before it is dropped (it reconnects and catches up) */
const MAX_QUEUE = 10_000
const PAGE = 500
/** batches written to a client that does not read them before it is dropped */
const MAX_CHUNKS = 2000

interface Subscriber {
  push(events: KanbanEvent[]): void
  /** the hub is closing: end the client's stream */
  end(): void
}

export class EventHub {
  private readonly subs = new Set<Subscriber>()
  /** the reader, while it runs: set and cleared synchronously, so a join never misses it */
  private reader: { conn: Redis | Cluster; done: Promise<void> } | null = null
  private starting: Promise<void> | null = null
  private closed = false
  /** the id of the last event the reader delivered (or the stream's end when it started) */
  private last = 0

  constructor(
    private readonly board: Board,
    private readonly blockMs = 5000,
    private readonly onError: (e: unknown) => void = () => undefined,
  ) {}

  get clients(): number {
    return this.subs.size
  }

  /**
   * Adds the subscriber and starts the reader (if it is not running) at the stream's end;
   * returns the reader's position: every event after it reaches the subscriber.
   */
  async join(sub: Subscriber): Promise<number> {
    if (this.closed) throw new Error('the event hub is closed')
    this.subs.add(sub)
    while (!this.reader) {
      this.starting ??= this.start().finally(() => (this.starting = null))
      await this.starting
    }
    return this.last
  }

  private async start(): Promise<void> {
    const start = await lastId(this.board)
    this.last = Number(start.split('-')[0])
    const conn = this.board.duplicateConnection()
    // named, so an operator (and a test) can tell it in CLIENT LIST: one per board per process
    await (conn as Redis).client('SETNAME', `kanban-sse:${this.board.name}`).catch(() => undefined)
    const reader = { conn, done: Promise.resolve() }
    this.reader = reader
    reader.done = this.loop(reader, start)
  }

  leave(sub: Subscriber): void {
    this.subs.delete(sub) // the reader stops after its current read when nobody listens
  }

  async close(): Promise<void> {
    this.closed = true
    for (const s of [...this.subs]) s.end()
    this.subs.clear()
    const r = this.reader
    this.reader = null
    r?.conn.disconnect()
    await r?.done
  }

  private async loop(reader: { conn: Redis | Cluster }, start: string): Promise<void> {
    let last = start
    for (;;) {
      if (this.closed || this.subs.size === 0) {
        if (this.reader === reader) this.reader = null
        reader.conn.disconnect()
        return
      }
      let r: [string, [string, string[]][]][] | null
      try {
        r = (await reader.conn.xread('COUNT', PAGE, 'BLOCK', this.blockMs, 'STREAMS', this.board.keys.events, last)) as typeof r
      } catch (e) {
        if (this.closed) continue
        this.onError(e)
        await new Promise((res) => setTimeout(res, 1000))
        continue
      }
      if (!r) continue
      for (const [, entries] of r) {
        if (entries.length === 0) continue
        last = entries[entries.length - 1]![0]
        const events = R.parseStreamEntries(entries)
        this.last = events[events.length - 1]!.id
        for (const s of this.subs) s.push(events)
      }
    }
  }
}

/** The newest event id of the board's stream, as an XREAD position ('0-0' when empty). */
async function lastId(board: Board): Promise<string> {
  const r = (await board.redis.xrevrange(board.keys.events, '+', '-', 'COUNT', 1)) as [string, string[]][]
  return r.length ? r[0]![0] : '0-0'
}

const enc = new TextEncoder()

export interface StreamOptions {
  /** deliver events after this id; undefined = only events written from now on */
  after?: number
  /** only this task's events */
  taskId?: string
  keepAliveMs?: number
  onError?: (e: unknown) => void
  /** also send `event: fleet` messages: the board's fleet when it changes (fleetFeed.ts) */
  fleet?: FleetFeed
}

/**
 * A `text/event-stream` body for one client: `retry`, then (with `after`) a `gap` event if
 * the stream no longer holds the events right after it, the catch-up, then live events;
 * a comment every `keepAliveMs`. Ends when the client goes away (the body is cancelled).
 */
export function eventStream(board: Board, hub: EventHub, opts: StreamOptions): ReadableStream<Uint8Array> {
  let cursor = 0
  let live: KanbanEvent[] | null = [] // queued while catching up; null once live
  let ctl!: ReadableStreamDefaultController<Uint8Array>
  let ended = false
  let keepAlive: NodeJS.Timeout | undefined
  let queued = 0
  const send = (text: string) => {
    if (ended) return
    try {
      ctl.enqueue(enc.encode(text))
    } catch {
      end()
    }
  }
  const deliver = (events: KanbanEvent[]) => {
    let out = ''
    for (const e of events) {
      if (e.id <= cursor) continue
      cursor = e.id
      if (opts.taskId === undefined || e.taskId === opts.taskId) out += `id: ${e.id}\ndata: ${JSON.stringify(e)}\n\n`
    }
    if (out) send(out)
  }
  const sub: Subscriber = {
    push(events) {
      if (ended) return
      if (live) {
        live.push(...events)
        queued += events.length
        if (queued > MAX_QUEUE) end() // too slow to catch up: it reconnects with Last-Event-ID
        return
      }
      if ((ctl.desiredSize ?? 0) < -MAX_CHUNKS) return end() // not reading: it reconnects with Last-Event-ID
      deliver(events)
    },
    end: () => end(),
  }
  // no id: a fleet message leaves the client's Last-Event-ID as it was
  const onFleet = (f: FleetSnapshot) => {
    if ((ctl.desiredSize ?? 0) < -MAX_CHUNKS) return end()
    send(`event: fleet\ndata: ${JSON.stringify(f)}\n\n`)
  }
  const end = () => {
    if (ended) return
    ended = true
    clearInterval(keepAlive)
    hub.leave(sub)
    opts.fleet?.leave(onFleet)
    try {
      ctl.close()
    } catch {
      // already closed or cancelled
    }
  }
  return new ReadableStream<Uint8Array>({
    start: async (c) => {
      ctl = c
      send('retry: 3000\n\n')
      keepAlive = setInterval(() => send(': keep-alive\n\n'), opts.keepAliveMs ?? 15_000)
      keepAlive.unref()
      try {
        const position = await hub.join(sub)
        if (opts.after === undefined) {
          cursor = position // from now on
        } else {
          cursor = opts.after
          const first = (await board.redis.xrange(board.keys.events, '-', '+', 'COUNT', 1)) as [string, string[]][]
          const oldest = first.length ? Number(first[0]![0].split('-')[0]) : null
          if (oldest !== null && oldest > opts.after + 1) send(`event: gap\ndata: ${JSON.stringify({ after: opts.after, oldest })}\n\n`)
          for (;;) {
            const page = await R.boardEvents(board.redis, board.keys, cursor, PAGE)
            deliver(page)
            if (page.length < PAGE || ended) break
          }
        }
        const pending = live ?? []
        live = null
        deliver(pending)
        if (!ended) opts.fleet?.join(onFleet)
      } catch (e) {
        opts.onError?.(e)
        end()
      }
    },
    cancel: () => end(),
  })
}
