/**
 * Live updates: one EventSource per board for the whole page (docs/http-api.md#live-updates-server-sent-events).
 * The browser reconnects by itself and sends Last-Event-ID, so the server replays what the
 * page missed. Views subscribe with a filter and reload what they show when a matching event
 * comes; nothing polls. The stream also carries the board's fleet (`fleet=1`), which the
 * server pushes when it changes: worker announcements and idle ticks write no event.
 */
import type { Fleet, KanbanEvent } from './types.js'

/** A fleet pushed by the server, and when this page received it. */
export interface PushedFleet {
  data: Fleet
  receivedAt: number
}

/**
 * What a subscriber hears: a board event, `reset` (connected, or events were trimmed: reload
 * everything), or the fleet as it is now.
 */
export type LiveSignal = { type: 'event'; event: KanbanEvent } | { type: 'reset' } | { type: 'fleet'; fleet: PushedFleet }
export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'closed'

type Subscriber = (s: LiveSignal) => void

const RETRY_MS = 5000
const IDLE_MS = 10_000

class BoardStream {
  private source: EventSource | null = null
  private readonly subscribers = new Set<Subscriber>()
  private readonly stateListeners = new Set<(s: LiveState) => void>()
  state: LiveState = 'connecting'
  lastEventId: number | null = null
  /** the last fleet pushed while the stream is live; null when the stream is not */
  fleet: PushedFleet | null = null
  private retry: ReturnType<typeof setTimeout> | null = null
  private closed = false
  private idle: ReturnType<typeof setTimeout> | null = null

  constructor(readonly board: string) {}

  subscribe(fn: Subscriber): () => void {
    this.subscribers.add(fn)
    if (this.idle) clearTimeout(this.idle)
    this.idle = null
    this.open()
    return () => {
      this.subscribers.delete(fn)
      // a board nobody looks at any more (another board picked) lets its stream go, after a
      // moment: switching views unsubscribes and subscribes again at once
      if (this.subscribers.size === 0 && !this.idle) this.idle = setTimeout(() => this.rest(), IDLE_MS)
    }
  }

  /** Close the stream until the next subscriber; it then resumes after the last event seen. */
  private rest() {
    this.idle = null
    if (this.subscribers.size > 0) return
    this.source?.close()
    this.source = null
    this.setState('connecting')
  }

  onState(fn: (s: LiveState) => void): () => void {
    this.stateListeners.add(fn)
    fn(this.state)
    return () => {
      this.stateListeners.delete(fn)
    }
  }

  private setState(s: LiveState) {
    this.state = s
    // a fleet pushed before a disconnection may no longer be true: the server sends it again on connecting
    if (s !== 'live') this.fleet = null
    for (const fn of this.stateListeners) fn(s)
  }

  private emit(s: LiveSignal) {
    for (const fn of [...this.subscribers]) fn(s)
  }

  open() {
    if (this.source) return
    // a stream opened again after the server closed it resumes where the last one stopped
    const after = this.lastEventId === null ? '' : `&after=${this.lastEventId}`
    const es = new EventSource(`api/boards/${encodeURIComponent(this.board)}/events/stream?fleet=1${after}`)
    this.source = es
    this.setState('connecting')
    es.onopen = () => {
      const first = this.state === 'connecting'
      this.setState('live')
      // The stream starts at the next event (or replays after Last-Event-ID): what a view
      // read before the first connection may be older than that, so reload once.
      if (first) this.emit({ type: 'reset' })
    }
    es.onmessage = (m: MessageEvent<string>) => {
      let event: KanbanEvent
      try {
        event = JSON.parse(m.data) as KanbanEvent
      } catch {
        return
      }
      this.lastEventId = event.id
      this.emit({ type: 'event', event })
    }
    es.addEventListener('gap', () => this.emit({ type: 'reset' }))
    es.addEventListener('fleet', (m: MessageEvent<string>) => {
      try {
        this.fleet = { data: JSON.parse(m.data) as Fleet, receivedAt: Date.now() }
      } catch {
        return
      }
      this.emit({ type: 'fleet', fleet: this.fleet })
    })
    es.onerror = () => {
      // CLOSED: the server answered with an error (401, 503, …) and the browser gives up;
      // try again later (a 401 also reaches the page through its next request: the login)
      if (es.readyState === EventSource.CLOSED) {
        this.source = null
        this.setState('reconnecting')
        this.retry = setTimeout(() => {
          this.retry = null
          if (this.subscribers.size > 0 && !this.closed) this.open()
        }, RETRY_MS)
      } else this.setState('reconnecting')
    }
  }

  close() {
    this.closed = true
    if (this.retry) clearTimeout(this.retry)
    if (this.idle) clearTimeout(this.idle)
    this.source?.close()
    this.source = null
    this.setState('closed')
  }
}

const streams = new Map<string, BoardStream>()

export function boardStream(board: string): BoardStream {
  let s = streams.get(board)
  if (!s) {
    s = new BoardStream(board)
    streams.set(board, s)
  }
  return s
}

/** Close every stream (on logout). */
export function closeStreams(): void {
  for (const s of streams.values()) s.close()
  streams.clear()
}
