/**
 * The listing indexes (includes/listing.lua) as they should be, computed from the task
 * hashes, and as they are, read from Redis: equal means every index is exact. For tests
 * only (reads every task of the board).
 */
import type { Cluster, Redis } from 'ioredis'
import type { BoardKeys } from '../../src/keys.js'
import { STATUSES, type Status } from '../../src/status.js'

type Conn = Redis | Cluster

export interface ListingView {
  /** index key -> { id: score } */
  indexes: Record<string, Record<string, number>>
  /** readySince key -> sorted ids (the scores are times, checked apart) */
  ready: Record<string, string[]>
  lanes: string[]
  tenants: string[]
}

async function allTasks(redis: Conn, keys: BoardKeys): Promise<Record<string, string>[]> {
  const out: Record<string, string>[] = []
  for (const s of STATUSES) {
    for (const id of await redis.zrange(keys.status(s), 0, -1)) out.push(await redis.hgetall(keys.task(id)))
  }
  return out
}

/** What the indexes must hold for the tasks the board has now. */
export async function expectedListing(redis: Conn, keys: BoardKeys): Promise<ListingView> {
  const v: ListingView = { indexes: {}, ready: {}, lanes: [], tenants: [] }
  const lanes = new Set<string>()
  const tenants = new Set<string>()
  const put = (key: string, id: string, score: number) => ((v.indexes[key] ??= {})[id] = score)
  for (const t of await allTasks(redis, keys)) {
    const s = t.status as Status
    const ord = Number(t.ord)
    const lane = t.assignee || undefined
    const tenant = t.tenant || undefined
    if (lane) {
      lanes.add(lane)
      put(keys.statusLane(s, lane), t.id!, ord)
    }
    if (tenant) {
      tenants.add(tenant)
      put(keys.statusTenant(s, tenant), t.id!, ord)
    }
    if (lane && tenant) put(keys.statusLaneTenant(s, lane, tenant), t.id!, ord)
    if (s === 'ready') (v.ready[keys.readySince(lane ?? '')] ??= []).push(t.id!)
  }
  for (const ids of Object.values(v.ready)) ids.sort()
  v.lanes = [...lanes].sort()
  v.tenants = [...tenants].sort()
  return v
}

/** What the indexes hold (every listing key of the board). */
export async function actualListing(redis: Conn, keys: BoardKeys): Promise<ListingView> {
  const v: ListingView = { indexes: {}, ready: {}, lanes: [], tenants: [] }
  const pattern = `${keys.prefix.replace(/[{}[\]*?\\]/g, (c) => `\\${c}`)}*`
  let cursor = '0'
  const found: string[] = []
  do {
    const [next, batch] = await (redis as Redis).scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
    cursor = next
    found.push(...batch)
  } while (cursor !== '0')
  const rest = (k: string) => k.slice(keys.prefix.length)
  for (const key of found) {
    const r = rest(key)
    if (/^s:[a-z]+:[at]:/.test(r)) {
      const flat = await redis.zrange(key, 0, -1, 'WITHSCORES')
      const m: Record<string, number> = {}
      for (let i = 0; i < flat.length; i += 2) m[flat[i]!] = Number(flat[i + 1])
      v.indexes[key] = m
    } else if (r.startsWith('rs:')) {
      v.ready[key] = (await redis.zrange(key, 0, -1)).sort()
    }
  }
  v.lanes = (await redis.zrange(keys.laneNames, 0, -1)).sort()
  v.tenants = (await redis.zrange(keys.tenantNames, 0, -1)).sort()
  return v
}

/**
 * Makes a board look as one created before the listing indexes: every listing key and the
 * backfill's mark deleted (the task hashes and status indexes stay).
 */
export async function forgetListing(redis: Conn, keys: BoardKeys): Promise<void> {
  const v = await actualListing(redis, keys)
  const doomed = [...Object.keys(v.indexes), ...Object.keys(v.ready), keys.laneNames, keys.tenantNames, keys.reindex]
  await redis.del(...doomed)
}
