/**
 * Liveness (docs/fleet.md#liveness): which workers are alive, per lane, from their
 * announcements (announceLanes.lua), and when the dispatcher last ticked (acquireLeader.lua).
 * Plain reads, never a write; times are the Redis server's clock.
 */
import type { Cluster, Redis } from 'ioredis'
import type { BoardKeys } from './keys.js'
import type { DispatcherStats, LaneWorkers, LiveWorker, WorkersView } from './types.js'

type Conn = Redis | Cluster
type Hash = Record<string, string>

/** The most workers a listing reads (the live ones with the latest expiries first). */
export const WORKERS_LISTED_MAX = 1000

/** How often a worker announces itself by default; it stays live for ANNOUNCE_TTL_FACTOR announcements. */
export const ANNOUNCE_EVERY_MS = 10_000
/** a worker's announcement outlives two missed ones */
export const ANNOUNCE_TTL_FACTOR = 3

/** Live workers (announcement not expired), by id, and per lane. */
export async function liveWorkers(redis: Conn, keys: BoardKeys): Promise<WorkersView> {
  const r = await redis.multi().time().zrevrangebyscore(keys.workers, '+inf', '-inf', 'WITHSCORES', 'LIMIT', 0, WORKERS_LISTED_MAX).exec()
  const [sec, usec] = r?.[0]?.[1] as [string, string]
  const now = Number(sec) * 1000 + Math.floor(Number(usec) / 1000)
  const flat = (r?.[1]?.[1] as string[]) ?? []
  const ids: string[] = []
  for (let i = 0; i < flat.length; i += 2) if (Number(flat[i + 1]) > now) ids.push(flat[i]!)
  const p = redis.pipeline()
  for (const id of ids) p.hgetall(keys.worker(id))
  const hashes = ids.length ? ((await p.exec()) ?? []) : []
  const workers = hashes
    .map(([, h]) => h as Hash)
    // an announcement that expired between the two reads is gone
    .filter((h) => h && h.id && Number(h.lastSeen) + Number(h.ttlMs) > now)
    .map(toWorker)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1))
  return { at: now, workers, lanes: byLane(workers) }
}

function toWorker(h: Hash): LiveWorker {
  const lastSeen = Number(h.lastSeen)
  return {
    id: h.id!,
    name: h.name!,
    host: h.host!,
    pid: Number(h.pid),
    lanes: (h.lanes ?? '').split(' ').filter(Boolean),
    concurrency: Number(h.concurrency),
    startedAt: Number(h.startedAt ?? lastSeen),
    lastSeen,
    expiresAt: lastSeen + Number(h.ttlMs),
  }
}

/** Per lane, by name: how many live workers serve it, their handler slots, the latest announcement. */
function byLane(workers: LiveWorker[]): LaneWorkers[] {
  const lanes = new Map<string, LaneWorkers>()
  for (const w of workers) {
    for (const lane of w.lanes) {
      const l = lanes.get(lane) ?? { lane, workers: 0, concurrency: 0, lastSeen: 0 }
      l.workers++
      l.concurrency += w.concurrency
      l.lastSeen = Math.max(l.lastSeen, w.lastSeen)
      lanes.set(lane, l)
    }
  }
  return [...lanes.values()].sort((a, b) => (a.lane < b.lane ? -1 : 1))
}

/** The dispatcher's last tick and the lease holder now (the lease is held only during a tick). */
export async function dispatcherStats(redis: Conn, keys: BoardKeys): Promise<DispatcherStats> {
  const r = await redis.multi().time().hmget(keys.lastTick, 'at', 'holder').hmget(keys.leader, 'holder', 'expiresAt').exec()
  const [sec, usec] = r?.[0]?.[1] as [string, string]
  const now = Number(sec) * 1000 + Math.floor(Number(usec) / 1000)
  const [at, by] = r?.[1]?.[1] as (string | null)[]
  const [holder, expiresAt] = r?.[2]?.[1] as (string | null)[]
  const leaseLive = holder !== null && Number(expiresAt) > now
  return {
    lastTickAt: at ? Number(at) : null,
    lastTickBy: by ?? null,
    leader: leaseLive ? { holder: holder!, expiresAt: Number(expiresAt) } : null,
  }
}
