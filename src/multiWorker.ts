/**
 * One worker process for the lanes of many boards (docs/fleet.md#many-boards): a Worker per
 * selected board (boardSelector.ts), all on one shared connection for their board calls
 * (each lane's BullMQ consumer still holds its own blocking connections). Boards are found in
 * the registry every `discoverEveryMs`: a new one gets its Worker, a deleted one (gone from
 * the registry) has its Worker closed as on shutdown. The handler contract is a Worker's:
 * `ctx.board` is the task's board.
 */
import type { Cluster, Redis } from 'ioredis'
import { Board } from './board.js'
import { discoverBoards, intOption, parseBoardSelector, processConnection, type BoardSelector } from './boardSelector.js'
import { ValidationError } from './errors.js'
import { Worker, type Handler, type WorkerOptions } from './worker.js'

/** a handler that holds something to release (a command handler's socket) */
type Closable = Handler & { close?: () => Promise<void> }

export interface MultiWorkerOptions extends Omit<WorkerOptions, 'board' | 'handler'> {
  /** a Redis URL (opened and closed here) or an ioredis Redis/Cluster (left open) */
  redis: string | Redis | Cluster
  /** board names and patterns (`*`, `team-*`), a list or comma-separated */
  boards: string | string[]
  /** one handler for every board's tasks (`ctx.board` tells the board) */
  handler?: Handler
  /** or a handler per board, made when the board is first served and closed with its Worker */
  handlerFor?: (board: string) => Closable
  /** how often the registry is read for new and deleted boards (default 5000) */
  discoverEveryMs?: number
  /** most boards served (default 1,000); more matching boards are reported through onError */
  maxBoards?: number
  onBoards?: (change: { added: string[]; removed: string[]; boards: number }) => void
}

interface Served {
  board: Board
  worker: Worker
  handler: Closable
}

/** Workers started at once: each waits for its BullMQ consumers' connections */
const START_CONCURRENCY = 8

export class MultiWorker {
  private readonly selector: BoardSelector
  private readonly discoverEveryMs: number
  private readonly maxBoards: number
  private redis: Redis | Cluster | null = null
  private ownsConnection = false
  private readonly served = new Map<string, Served>()
  private timer: NodeJS.Timeout | null = null
  private discovering: Promise<void> = Promise.resolve()
  private closing: Promise<void> | null = null

  constructor(private readonly opts: MultiWorkerOptions) {
    this.selector = parseBoardSelector('MultiWorker', 'boards', opts?.boards)
    if ((opts.handler === undefined) === (opts.handlerFor === undefined) || ![opts.handler, opts.handlerFor].some((h) => typeof h === 'function'))
      throw new ValidationError('INVALID_INPUT', `MultiWorker: handler: expected a handler function or a handlerFor(board) function (one of them)`, {
        field: 'handler',
      })
    this.discoverEveryMs = intOption('MultiWorker', 'discoverEveryMs', opts.discoverEveryMs, 5000, 100, 3_600_000)
    this.maxBoards = intOption('MultiWorker', 'maxBoards', opts.maxBoards, 1000, 1, 100_000)
  }

  /** the boards served now, sorted */
  get boards(): string[] {
    return [...this.served.keys()].sort()
  }

  /** the Worker of a board served now */
  workerOf(board: string): Worker | undefined {
    return this.served.get(board)?.worker
  }

  async start(): Promise<this> {
    const c = await processConnection('MultiWorker', this.opts.redis)
    this.redis = c.redis
    this.ownsConnection = c.owned
    await (this.discovering = this.discover())
    this.timer = setInterval(() => {
      // one discovery at a time: a slow one (many boards starting) delays the next
      this.discovering = this.discovering.then(() => (this.closing ? undefined : this.discover())).catch((e) => this.opts.onError?.(e, {}))
    }, this.discoverEveryMs)
    return this
  }

  private async discover(): Promise<void> {
    const { boards, truncated } = await discoverBoards(this.redis!, this.selector, this.maxBoards)
    if (truncated)
      this.opts.onError?.(
        new Error(`MultiWorker: boards: more than maxBoards (${this.maxBoards}) boards match; serving the first ${this.maxBoards} by name`),
        {},
      )
    const wanted = new Set(boards)
    const removed = [...this.served.keys()].filter((b) => !wanted.has(b))
    await Promise.all(removed.map((b) => this.stopBoard(b)))
    const added = boards.filter((b) => !this.served.has(b))
    let next = 0
    const starter = async () => {
      while (next < added.length && !this.closing) {
        const name = added[next++]!
        await this.startBoard(name).catch((e) => this.opts.onError?.(e, {}))
      }
    }
    await Promise.all(Array.from({ length: Math.min(START_CONCURRENCY, added.length) }, starter))
    if (added.length || removed.length) this.opts.onBoards?.({ added: added.filter((b) => this.served.has(b)), removed, boards: this.served.size })
  }

  private async startBoard(name: string): Promise<void> {
    const { redis: _r, boards: _b, handler, handlerFor, discoverEveryMs: _d, maxBoards: _m, onBoards: _o, ...workerOpts } = this.opts
    const board = await Board.open({ redis: this.redis!, board: name, autoEnqueue: true })
    const h: Closable = handler ?? handlerFor!(name)
    try {
      const worker = await new Worker({ ...workerOpts, board, handler: h }).start()
      this.served.set(name, { board, worker, handler: h })
    } catch (e) {
      await h.close?.().catch(() => undefined)
      await board.close()
      throw e
    }
  }

  private async stopBoard(name: string): Promise<void> {
    const s = this.served.get(name)
    if (!s) return
    this.served.delete(name)
    await s.worker.close()
    if (s.handler !== this.opts.handler) await s.handler.close?.().catch((e) => this.opts.onError?.(e, {}))
    await s.board.close()
  }

  /** Stops discovering and closes every board's Worker as Worker.close() does (grace period, give back). */
  async close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.timer) clearInterval(this.timer)
      await this.discovering.catch(() => undefined)
      await Promise.all([...this.served.keys()].map((b) => this.stopBoard(b)))
      if (this.redis && this.ownsConnection) await this.redis.quit().catch(() => this.redis?.disconnect())
      this.redis = null
    })()
    return this.closing
  }
}
