/**
 * The boards a server serves, over one Redis connection: a read handle per board, and a
 * handle per (board, actor) for writes, opened on first use. A write handle records its
 * actor — the token's name — on every event its calls write (Board.open's `actor`) and
 * hands what its writes make ready to BullMQ at once, as the CLI does. Tokens are a
 * configured list, so the handles are few.
 */
import type { Cluster, Redis } from 'ioredis'
import { openRedis } from '../redisTarget.js'
import { Board } from '../board.js'

export class BoardPool {
  private readonly readers = new Map<string, Board>()
  private readonly writers = new Map<string, Promise<Board>>()
  private constructor(
    readonly redis: Redis | Cluster,
    private readonly owns: boolean,
    readonly names: string[],
  ) {}

  /** Opens the boards (a URL: one connection this pool owns; an ioredis instance: left open by close()). */
  static async open(redis: string | Redis | Cluster, boards: string[]): Promise<BoardPool> {
    const redisUrl = typeof redis === 'string' ? redis : ''
    let conn: Redis | Cluster
    const owns = typeof redis === 'string'
    if (typeof redis === 'string') {
      conn = openRedis(redis, { lazyConnect: true, maxRetriesPerRequest: 2 })
      conn.on('error', () => undefined) // reconnects on its own; requests meanwhile fail with 503
      try {
        await conn.connect()
      } catch (e) {
        conn.disconnect()
        throw new Error(`cannot reach Redis at ${redisUrl.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')}: ${(e as Error).message}`, { cause: e })
      }
    } else conn = redis
    const pool = new BoardPool(conn, owns, [...new Set(boards)])
    for (const name of pool.names) pool.readers.set(name, await Board.open({ redis: conn, board: name }))
    return pool
  }

  has(board: string): boolean {
    return this.readers.has(board)
  }

  /** The read handle of a served board (no actor, no auto-enqueue). */
  reader(board: string): Board {
    const b = this.readers.get(board)
    if (!b) throw new Error(`board ${board} is not served`)
    return b
  }

  /** The handle that acts for `actor` on a served board. */
  as(board: string, actor: string): Promise<Board> {
    this.reader(board)
    const key = `${board}\0${actor}`
    let b = this.writers.get(key)
    if (!b) {
      b = Board.open({ redis: this.redis, board, actor, autoEnqueue: true })
      this.writers.set(key, b)
    }
    return b
  }

  async close(): Promise<void> {
    const writers = await Promise.all(this.writers.values())
    this.writers.clear()
    await Promise.all([...writers, ...this.readers.values()].map((b) => b.close()))
    this.readers.clear()
    if (this.owns) await this.redis.quit().catch(() => this.redis.disconnect())
  }
}
