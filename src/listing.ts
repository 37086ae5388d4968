/**
 * Listings that scale (docs/api.md#listing-tasks): a page of tasks read from the listing
 * indexes (includes/listing.lua) from a cursor, and the per-lane / per-tenant counts of
 * `stats`. Reads only: a page is one read-only script (listPage.lua), `stats` plain reads.
 *
 * Every index of a status — `s:<status>` and its narrowings to a lane, a tenant, or both —
 * is scored by the task's dispatch order (`ord`: priority desc, then oldest; unique per
 * task), so a filter is one index per wanted status and a page is a merge of those from the
 * cursor: one MULTI of ZRANGEBYSCORE ... LIMIT, then the page's task hashes. The cursor is
 * a position in that order (`<id>@<ord>` of the last task), not an offset: a task that is
 * added, removed or moved elsewhere does not shift it, so the tasks that stay put are each
 * listed exactly once however the board changes between pages.
 */
import type { Cluster, Redis } from 'ioredis'
import type { BoardKeys } from './keys.js'
import { toTask } from './reads.js'
import type { Scripts } from './scripts.js'
import { STATUSES, type Status } from './status.js'
import type { LaneStats, ListingStats, Task, TaskPage, TenantStats } from './types.js'

type Conn = Redis | Cluster

/** What a page asks for, resolved (statuses chosen, limit set, cursor parsed). */
export interface PageQuery {
  statuses: readonly Status[]
  assignee?: string
  tenant?: string
  limit: number
  after?: Cursor
}

/** A position in dispatch order: the score (ord) and id of the last task of a page. */
export interface Cursor {
  score: number
  id: string
}

export const encodeCursor = (c: Cursor): string => `${c.id}@${c.score}`

/** A cursor string the schema accepted (LIST_CURSOR) -> its position. */
export function decodeCursor(s: string): Cursor {
  const i = s.lastIndexOf('@')
  return { id: s.slice(0, i), score: Number(s.slice(i + 1)) }
}

/** The statuses a filter reads: those asked for, else all but archived (unless asked). */
export function wantedStatuses(status: Status | Status[] | undefined, includeArchived: boolean | undefined): Status[] {
  if (status !== undefined) return [...new Set(Array.isArray(status) ? status : [status])]
  return STATUSES.filter((s) => includeArchived || s !== 'archived')
}

/**
 * Boards that are known to have complete listing indexes (reindexTasks.lua's `done`). Once
 * done a board stays done — every later write keeps the indexes — so a handle asks once.
 */
const indexedBoards = new WeakMap<BoardKeys, true>()

export async function boardIndexed(redis: Conn, keys: BoardKeys): Promise<boolean> {
  if (indexedBoards.has(keys)) return true
  if ((await redis.hget(keys.reindex, 'done')) !== '1') return false
  indexedBoards.set(keys, true)
  return true
}

/**
 * Index entries read per page before a page of a not yet backfilled board is returned short
 * (with its cursor): such a board filters the status indexes by the task hashes.
 */
const FALLBACK_SCAN = 5000

/**
 * The tasks of a page, by id: their hashes in one pipeline, then the parents of those that
 * have any (the `hasParents` flag, as a claim reads them) — usually few, often none.
 */
async function pageTasks(redis: Conn, keys: BoardKeys, ids: string[]): Promise<Map<string, Task>> {
  const out = new Map<string, Task>()
  if (ids.length === 0) return out
  const p = redis.pipeline()
  for (const id of ids) p.hgetall(keys.task(id))
  const hashes = ((await p.exec()) ?? []).map(([, h]) => h as Record<string, string>).filter((h) => h && h.id)
  const linked = hashes.filter((h) => h.hasParents === '1')
  const parents = new Map<string, string[]>()
  if (linked.length) {
    const q = redis.pipeline()
    for (const h of linked) q.smembers(keys.parents(h.id!))
    const r = (await q.exec()) ?? []
    linked.forEach((h, i) => parents.set(h.id!, (r[i]?.[1] as string[]) ?? []))
  }
  for (const h of hashes) out.set(h.id!, toTask(h, parents.get(h.id!) ?? []))
  return out
}

const before = (a: Cursor, b: Cursor) => a.score < b.score || (a.score === b.score && a.id < b.id)

/**
 * The `n` first entries after `from` of the union of sorted sets, in (score, id) order,
 * and whether more follow. One MULTI: the sets are read at one instant, so a task moving
 * between two of them is seen once. Each set is read n + 2 deep: its entry at the cursor
 * itself (skipped) aside, a set that has more than it returned gave n + 1 entries, so the
 * n first of the union are known and `more` is exact.
 */
async function merge(redis: Conn, sets: string[], from: Cursor | undefined, n: number): Promise<{ entries: Cursor[]; more: boolean }> {
  const m = redis.multi()
  for (const key of sets) m.zrangebyscore(key, from ? String(from.score) : '-inf', '+inf', 'WITHSCORES', 'LIMIT', 0, n + 2)
  const replies = (await m.exec()) ?? []
  const all: Cursor[] = []
  for (const [err, r] of replies) {
    if (err) throw err
    const flat = r as string[]
    for (let i = 0; i < flat.length; i += 2) {
      const e = { id: flat[i]!, score: Number(flat[i + 1]) }
      if (!from || before(from, e)) all.push(e)
    }
  }
  all.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0))
  return { entries: all.slice(0, n), more: all.length > n }
}

/** the most tasks one listPage.lua call reads (a larger page is several calls) */
export const SCRIPT_PAGE_MAX = 200

/** A task hash as listPage.lua replies it, [field, value, ...], as HGETALL's object. */
function hashOf(flat: string[]): Record<string, string> {
  const h: Record<string, string> = {}
  for (let i = 0; i < flat.length; i += 2) h[flat[i]!] = flat[i + 1]!
  return h
}

/**
 * A page of an indexed board: listPage.lua calls of at most SCRIPT_PAGE_MAX tasks from the
 * cursor, each the indexes' merge and the tasks' hashes read at one instant, so every entry
 * it lists is a task of the filter. One round trip and one reply per call.
 */
async function scriptPage(scripts: Scripts, q: PageQuery): Promise<TaskPage> {
  const tasks: Task[] = []
  let at = q.after
  let more = q.statuses.length > 0
  while (more && tasks.length < q.limit) {
    const r = await scripts.call('listPage', {
      statuses: [...q.statuses],
      ...(q.assignee ? { lane: q.assignee } : {}),
      ...(q.tenant !== undefined ? { tenant: q.tenant } : {}),
      limit: Math.min(SCRIPT_PAGE_MAX, q.limit - tasks.length),
      ...(at ? { afterScore: String(at.score), afterId: at.id } : {}),
    })
    for (const flat of r.tasks) {
      const h = hashOf(flat)
      tasks.push(toTask(h, r.parents[h.id!] ?? []))
    }
    more = r.more
    if (r.lastId === undefined) break
    at = { id: r.lastId, score: Number(r.lastScore) }
  }
  return { tasks, next: more && at ? encodeCursor(at) : null }
}

/**
 * One page. On a board with complete listing indexes every entry read matches the filter,
 * so a page is one script call per SCRIPT_PAGE_MAX tasks (scriptPage). A board still being
 * backfilled reads the status indexes and filters by the task hashes, at most
 * FALLBACK_SCAN entries a page. `next` is null only when the indexes hold nothing after the
 * page; a page may be short (even empty) and still have a `next`.
 */
export async function listPage(redis: Conn, keys: BoardKeys, scripts: Scripts, q: PageQuery): Promise<TaskPage> {
  const indexed = await boardIndexed(redis, keys)
  if (indexed) return scriptPage(scripts, q)
  const assignee = q.assignee || undefined
  const sets = q.statuses.map((s) => keys.status(s))
  const matches = (t: Task) =>
    q.statuses.includes(t.status) && (assignee === undefined || t.assignee === assignee) && (q.tenant === undefined || t.tenant === q.tenant)
  const tasks: Task[] = []
  let at = q.after
  let more = sets.length > 0
  let scanned = 0
  while (more && tasks.length < q.limit && scanned < FALLBACK_SCAN) {
    const want = q.limit - tasks.length
    const page = await merge(redis, sets, at, Math.max(want, 200))
    more = page.more
    const byId = await pageTasks(
      redis,
      keys,
      page.entries.map((e) => e.id),
    )
    for (const e of page.entries) {
      if (tasks.length === q.limit) {
        more = true
        break
      }
      const t = byId.get(e.id)
      if (t && matches(t)) tasks.push(t)
      at = e
      scanned++
    }
  }
  return { tasks, next: more && at ? encodeCursor(at) : null }
}

/**
 * Up to `limit` tasks of a filter, page after page (listTasks). Sorted by creation, every
 * match is read first: that order is not an index's.
 */
export async function listAll(
  redis: Conn,
  keys: BoardKeys,
  scripts: Scripts,
  q: Omit<PageQuery, 'limit' | 'after'>,
  limit: number,
  byCreated: boolean,
): Promise<Task[]> {
  const out: Task[] = []
  let after: Cursor | undefined
  while (byCreated || out.length < limit) {
    const page = await listPage(redis, keys, scripts, { ...q, limit: byCreated ? 1000 : Math.min(1000, limit - out.length), ...(after ? { after } : {}) })
    out.push(...page.tasks)
    if (!page.next) break
    after = decodeCursor(page.next)
  }
  if (byCreated) out.sort((a, b) => a.createdAt - b.createdAt || seqOf(a.id) - seqOf(b.id))
  return out.slice(0, limit)
}

const seqOf = (id: string): number => {
  const n = Number(id.slice(1))
  return Number.isFinite(n) ? n : 0
}

/** the most lanes, and tenants, `stats` lists (by name) */
export const STATS_NAMES_MAX = 1000

const zeros = (): Record<Status, number> => Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>
const sumOf = (c: Record<Status, number>) => STATUSES.reduce((a, s) => a + c[s], 0)

/**
 * Per lane and per tenant, the tasks in each status (the cardinalities of the listing
 * indexes) and, per lane, its longest-waiting ready task: two round trips, bounded by the
 * number of lanes and tenants listed (STATS_NAMES_MAX each), whatever the board holds.
 * The null rows (unassigned, no tenant) are the status totals less the named rows, given
 * only when every name is listed.
 */
export async function listingStats(redis: Conn, keys: BoardKeys): Promise<ListingStats> {
  const first = redis
    .multi()
    .zcard(keys.laneNames)
    .zrange(keys.laneNames, 0, STATS_NAMES_MAX - 1)
    .zcard(keys.tenantNames)
    .zrange(keys.tenantNames, 0, STATS_NAMES_MAX - 1)
    .hget(keys.reindex, 'done')
  for (const s of STATUSES) first.zcard(keys.status(s))
  const r1 = ((await first.exec()) ?? []).map(([, v]) => v)
  const [laneCount, lanes, tenantCount, tenants, done] = r1 as [number, string[], number, string[], string | null]
  const totals = zeros()
  STATUSES.forEach((s, i) => (totals[s] = Number(r1[5 + i])))

  const p = redis.pipeline()
  for (const lane of lanes) {
    for (const s of STATUSES) p.zcard(keys.statusLane(s, lane))
    p.zrange(keys.readySince(lane), 0, 0, 'WITHSCORES')
  }
  p.zrange(keys.readySince(''), 0, 0, 'WITHSCORES')
  for (const tenant of tenants) for (const s of STATUSES) p.zcard(keys.statusTenant(s, tenant))
  const r2 = ((await p.exec()) ?? []).map(([err, v]) => {
    if (err) throw err
    return v
  })
  let i = 0
  const counts = () => {
    const c = zeros()
    for (const s of STATUSES) c[s] = Number(r2[i++])
    return c
  }
  const oldest = (lane: string | null, byStatus: Record<Status, number>): LaneStats => {
    const z = r2[i++] as string[]
    const at = z.length ? Number(z[1]) : null
    return { lane, total: sumOf(byStatus), byStatus, oldestReadyAt: at }
  }
  const byLane = lanes.map((lane) => oldest(lane, counts()))
  const unassignedReady = r2[i++] as string[]
  const byTenant: TenantStats[] = tenants.map((tenant) => {
    const byStatus = counts()
    return { tenant, total: sumOf(byStatus), byStatus }
  })
  const rest = (rows: { byStatus: Record<Status, number> }[]) => {
    const c = zeros()
    for (const s of STATUSES) c[s] = Math.max(0, totals[s] - rows.reduce((a, r) => a + r.byStatus[s], 0))
    return c
  }
  if (laneCount <= lanes.length) {
    const byStatus = rest(byLane)
    if (sumOf(byStatus) > 0) {
      const at = unassignedReady.length ? Number(unassignedReady[1]) : null
      byLane.push({ lane: null, total: sumOf(byStatus), byStatus, oldestReadyAt: at })
    }
  }
  if (tenantCount <= tenants.length) {
    const byStatus = rest(byTenant)
    if (sumOf(byStatus) > 0) byTenant.push({ tenant: null, total: sumOf(byStatus), byStatus })
  }
  return {
    byLane,
    byTenant,
    notListed: { lanes: Math.max(0, laneCount - lanes.length), tenants: Math.max(0, tenantCount - tenants.length) },
    indexed: done === '1',
  }
}
