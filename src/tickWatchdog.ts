/**
 * Re-arms a board's tick scheduler when the board's ticks stop (docs/security.md#memory-and-eviction).
 * BullMQ adds a job scheduler's next job as it starts the current one; when Redis refuses
 * that add (at maxmemory under noeviction) the chain ends, and no replica ticks again until
 * the scheduler is upserted anew. The signal is board-wide — the last tick any replica ran
 * (keys.lastTick, Redis's clock) — so a replica that does not happen to get the ticks does
 * not re-arm a healthy board.
 */
import type { Cluster, Redis } from 'ioredis'
import type { BoardKeys } from './keys.js'

export interface TickWatchdog {
  stop(): void
}

export function tickWatchdog(opts: {
  redis: Redis | Cluster
  keys: BoardKeys
  intervalMs: number
  rearm: () => Promise<unknown>
  onError?: (e: unknown) => void
}): TickWatchdog {
  // a few intervals of silence, and never less than 2 s: one late tick is no broken chain
  const quietMs = Math.max(opts.intervalMs * 3, 2000)
  let busy = false
  let since: number | undefined
  const check = async () => {
    if (busy) return
    busy = true
    try {
      const r = await opts.redis.multi().time().hget(opts.keys.lastTick, 'at').exec()
      const [sec, usec] = r?.[0]?.[1] as [string, string]
      const now = Number(sec) * 1000 + Math.floor(Number(usec) / 1000)
      since ??= now
      const at = Math.max(Number((r?.[1]?.[1] as string | null) ?? 0), since)
      if (now - at > quietMs) {
        await opts.rearm()
        since = now // give the re-armed chain its own quiet period
      }
    } catch (e) {
      opts.onError?.(e)
    } finally {
      busy = false
    }
  }
  const timer = setInterval(() => void check(), quietMs)
  timer.unref()
  return { stop: () => clearInterval(timer) }
}
