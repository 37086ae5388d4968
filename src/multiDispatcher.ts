/**
 * One dispatcher process for many boards (docs/fleet.md#many-boards). It finds its boards in
 * the registry (boardSelector.ts: bounded pages, every `discoverEveryMs`, never per tick),
 * opens a Board handle per board on one shared connection, and every `intervalMs` runs one
 * tick per board — the same fenced tick as a single-board Dispatcher (dispatch.ts: the
 * board's leader lease and its fencing token), so two processes never tick a board at once.
 *
 * No BullMQ scheduler here: a BullMQ worker per board would hold a blocking connection per
 * board. The processes share the boards instead: each announces itself in
 * DISPATCHER_REGISTRY, and a board belongs to the live dispatcher with the highest hash of
 * (dispatcher, board) — rendezvous hashing, so a dispatcher that joins or leaves moves only
 * its share. The owner ticks the board every interval. The others look at the board's last
 * tick (`tick`, with its pause: two reads, one round trip) and tick it only when nobody did
 * for two of their looks — the owner died, or has not yet seen a newcomer — so a board is
 * never left untended, and an idle board costs a non-owner two reads per interval.
 */
import { createHash, randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { Cluster, Redis } from 'ioredis'
import { Board } from './board.js'
import { discoverBoards, intOption, parseBoardSelector, processConnection, type BoardSelector } from './boardSelector.js'
import type { DispatchOptions, DispatchResult } from './dispatch.js'
import { DISPATCHER_REGISTRY } from './keys.js'

export interface MultiDispatcherOptions extends Omit<DispatchOptions, 'dryRun' | 'holder'> {
  /** a Redis URL (the dispatcher opens and closes its connection) or an ioredis Redis/Cluster (left open) */
  redis: string | Redis | Cluster
  /** board names and patterns (`*`, `team-*`), a list or comma-separated (boardSelector.ts) */
  boards: string | string[]
  /** one tick per board per this many ms, across all dispatchers (default 1000) */
  intervalMs?: number
  /** how often the registry is read for new and deleted boards (default 5000) */
  discoverEveryMs?: number
  /** boards ticked at once by this process (default 16) */
  concurrency?: number
  /** most boards this process serves; more matching boards are reported through onError (default 10,000) */
  maxBoards?: number
  holder?: string
  onTick?: (board: string, r: DispatchResult) => void
  onError?: (e: unknown, where: { board?: string }) => void
  /** after each discovery that changed the set of boards */
  onBoards?: (change: { added: string[]; removed: string[]; boards: number }) => void
}

interface Served {
  board: Board
  /** the board's last tick fence at this process's previous look (undefined: not looked yet) */
  seen: string | null | undefined
  /** this process is the board's owner among the live dispatchers */
  owner: boolean
  /** looks in a row that found the board's last tick unchanged */
  quiet: number
  /** this process ticked the board (so its last-tick record exists, unless the board was deleted) */
  ticked: boolean
}

/** live dispatchers read per discovery */
const MAX_DISPATCHERS = 1000

/** the board's pause (`paused` `*`, includes/pause.lua) is deleteBoard's */
function deleting(pause: string | null): boolean {
  if (!pause) return false
  try {
    return (JSON.parse(pause) as { by?: unknown }).by === 'deleteBoard'
  } catch {
    return false
  }
}

/** rendezvous weight of a (dispatcher, board) pair */
const weight = (holder: string, board: string) => createHash('sha1').update(`${holder}\n${board}`).digest('hex').slice(0, 12)

export class MultiDispatcher {
  readonly holder: string
  private readonly selector: BoardSelector
  private readonly intervalMs: number
  private readonly discoverEveryMs: number
  private readonly concurrency: number
  private readonly maxBoards: number
  private redis: Redis | Cluster | null = null
  private ownsConnection = false
  private readonly served = new Map<string, Served>()
  /**
   * Boards let go as deleted -> when to look again (two discoveries later): not before, while
   * the registry still lists them; a board made again under the same name is found after
   * that, and one still being deleted is let go again at its first look (its pause).
   */
  private readonly gone = new Map<string, number>()
  private live: string[] = []
  private loop: Promise<void> | null = null
  private closing = false
  private wake: (() => void) | null = null
  private ticks = 0
  private skips = 0
  private rounds = 0

  constructor(private readonly opts: MultiDispatcherOptions) {
    this.selector = parseBoardSelector('MultiDispatcher', 'boards', opts?.boards)
    this.intervalMs = intOption('MultiDispatcher', 'intervalMs', opts.intervalMs, 1000, 50, 3_600_000)
    this.discoverEveryMs = intOption('MultiDispatcher', 'discoverEveryMs', opts.discoverEveryMs, 5000, 100, 3_600_000)
    this.concurrency = intOption('MultiDispatcher', 'concurrency', opts.concurrency, 16, 1, 1000)
    this.maxBoards = intOption('MultiDispatcher', 'maxBoards', opts.maxBoards, 10_000, 1, 1_000_000)
    this.holder = opts.holder ?? `dispatcher-${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`
  }

  /** ticks this process ran, and board looks it skipped because another dispatcher ticks the board */
  get tickCount(): number {
    return this.ticks
  }
  get skipCount(): number {
    return this.skips
  }
  /** rounds over all boards so far */
  get roundCount(): number {
    return this.rounds
  }
  /** the boards served now, sorted */
  get boards(): string[] {
    return [...this.served.keys()].sort()
  }
  /** the boards this process owns now (the others it only watches) */
  get owned(): string[] {
    return [...this.served].filter(([, s]) => s.owner).map(([b]) => b)
  }

  async start(): Promise<this> {
    const c = await processConnection('MultiDispatcher', this.opts.redis)
    this.redis = c.redis
    this.ownsConnection = c.owned
    await this.discover()
    this.loop = this.run()
    return this
  }

  private async run(): Promise<void> {
    let nextDiscovery = Date.now() + this.discoverEveryMs
    while (!this.closing) {
      const started = Date.now()
      if (started >= nextDiscovery) {
        nextDiscovery = started + this.discoverEveryMs
        await this.discover().catch((e) => this.opts.onError?.(e, {}))
      }
      await this.round()
      this.rounds++
      const wait = this.intervalMs - (Date.now() - started)
      if (wait > 0 && !this.closing) {
        let timer: NodeJS.Timeout | undefined
        await new Promise<void>((res) => {
          this.wake = res
          timer = setTimeout(res, wait)
        })
        clearTimeout(timer)
      }
      this.wake = null
    }
  }

  /** One look at every board, `concurrency` at a time. */
  private async round(): Promise<void> {
    const list = [...this.served]
    let next = 0
    const lane = async () => {
      while (!this.closing && next < list.length) {
        const [name, s] = list[next++]!
        await this.look(name, s).catch((e) => this.opts.onError?.(e, { board: name }))
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.concurrency, list.length) }, lane))
  }

  private async look(name: string, s: Served): Promise<void> {
    const { keys } = s.board
    const [last, pause] = (await this.redis!.pipeline().hmget(keys.lastTick, 'holder', 'fence').hget(keys.paused, '*').exec()) ?? []
    if (last?.[0] || pause?.[0]) throw last?.[0] ?? pause![0]
    const fence = (last![1] as (string | null)[])[1] ?? null
    if (deleting(pause![1] as string | null) || (fence === null && (s.ticked || typeof s.seen === 'string'))) {
      // being deleted (deleteBoard's first call pauses the board in its name), or deleted
      // (its last call removes every board-wide key, this record too): a tick would write
      // the board again. Discovery brings back a board still selected.
      this.served.delete(name)
      // not served again while the registry still lists it (deleteBoard removes that last),
      // unless named: a named board is served whatever the registry says
      if (!this.selector.names.includes(name)) this.gone.set(name, Date.now() + 2 * this.discoverEveryMs)
      await s.board.close()
      return
    }
    s.quiet = s.seen !== undefined && fence === s.seen ? s.quiet + 1 : 0
    s.seen = fence
    // two quiet looks, not one: an owner whose rounds run a little longer than the interval
    // would otherwise see its board ticked now and then by a non-owner
    if (!s.owner && s.quiet < 2) {
      this.skips++
      return
    }
    const r = await s.board.dispatchOnce({ ...this.tickOptions(), holder: this.holder })
    s.ticked = true
    if (r.skippedLocked) this.skips++
    else this.ticks++
    this.opts.onTick?.(name, r)
  }

  private tickOptions(): DispatchOptions {
    const { leaseTtlMs, batch, maxDispatch, lostJobAfterMs, maxRetention } = this.opts
    return Object.fromEntries(Object.entries({ leaseTtlMs, batch, maxDispatch, lostJobAfterMs, maxRetention }).filter(([, v]) => v !== undefined))
  }

  /** Announces this process, reads the live dispatchers and the selected boards, and opens or closes handles. */
  private async discover(): Promise<void> {
    const redis = this.redis!
    // the Redis server's clock, as for leases: hosts' clocks may disagree
    const [sec, usec] = await redis.time()
    const now = Number(sec) * 1000 + Math.floor(Number(usec) / 1000)
    const ttl = this.discoverEveryMs * 3
    const p = redis.pipeline()
    p.zadd(DISPATCHER_REGISTRY, now + ttl, this.holder)
    p.zremrangebyscore(DISPATCHER_REGISTRY, '-inf', now)
    p.zrevrange(DISPATCHER_REGISTRY, 0, MAX_DISPATCHERS - 1)
    p.pexpire(DISPATCHER_REGISTRY, ttl * 2)
    const replies = (await p.exec()) ?? []
    const live = (replies[2]?.[1] as string[] | undefined) ?? []
    this.live = live.includes(this.holder) ? live : [...live, this.holder]

    const { boards, truncated } = await discoverBoards(redis, this.selector, this.maxBoards)
    if (truncated) {
      this.opts.onError?.(
        new Error(`MultiDispatcher: boards: more than maxBoards (${this.maxBoards}) boards match; serving the first ${this.maxBoards} by name`),
        {},
      )
    }
    for (const [name, until] of this.gone) if (until <= Date.now() || !boards.includes(name)) this.gone.delete(name)
    const wanted = new Set(boards.filter((b) => !this.gone.has(b)))
    const added: string[] = []
    const removed: string[] = []
    for (const [name, s] of this.served) {
      if (wanted.has(name)) continue
      this.served.delete(name)
      removed.push(name)
      await s.board.close()
    }
    for (const name of wanted) {
      if (this.served.has(name)) continue
      const board = await Board.open({ redis, board: name, autoEnqueue: true })
      this.served.set(name, { board, seen: undefined, owner: false, quiet: 0, ticked: false })
      added.push(name)
    }
    for (const [name, s] of this.served) s.owner = this.ownerOf(name) === this.holder
    if (added.length || removed.length) this.opts.onBoards?.({ added, removed, boards: this.served.size })
  }

  private ownerOf(board: string): string {
    let best = this.holder
    let bestWeight = ''
    for (const h of this.live) {
      const w = weight(h, board)
      if (w > bestWeight || (w === bestWeight && h < best)) [best, bestWeight] = [h, w]
    }
    return best
  }

  /** Stops after the round in progress, closes the handles and leaves the dispatcher registry. */
  async close(): Promise<void> {
    if (this.closing) return
    this.closing = true
    this.wake?.()
    await this.loop
    for (const s of this.served.values()) await s.board.close()
    this.served.clear()
    if (this.redis) {
      await this.redis.zrem(DISPATCHER_REGISTRY, this.holder).catch(() => undefined)
      if (this.ownsConnection) await this.redis.quit().catch(() => this.redis?.disconnect())
    }
    this.redis = null
  }
}
