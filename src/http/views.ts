/**
 * The reads the dashboard needs beyond the library's own, each bounded by a stated number
 * of Redis reads whatever the board's size (docs/http-api.md): a listing page with search,
 * "needs you" ranked by what each task holds up, the graph around a task, the fleet.
 */
import type { Board } from '../board.js'
import { encodeCursor } from '../listing.js'
import * as R from '../reads.js'
import { STATUSES, type Status } from '../status.js'
import type { KanbanEvent, Task } from '../types.js'
import { HttpError } from './errors.js'

// ---- listing and search ---------------------------------------------------------------

/**
 * Most tasks one request reads when the search filters beyond the indexes (free text,
 * `breaker:`, `sticky:`, `lane:none`): the page then stops short with its cursor.
 */
export const SEARCH_SCAN = 5000
/** tasks asked of the library per read while a search filters beyond the indexes */
const SEARCH_READ = 500
/**
 * Most library pages one request reads: a page may come back short, even empty, with a
 * cursor (tasks that changed while it was read; a board whose indexes are being backfilled)
 */
const SEARCH_READS = 2 * (SEARCH_SCAN / SEARCH_READ)

export interface ListQuery {
  status?: Status[]
  assignee?: string
  tenant?: string
  includeArchived?: boolean
  orderBy?: 'priority' | 'createdAt'
  limit: number
  after?: string
  q?: string
}

interface Search {
  status?: Status[]
  assignee?: string
  unassigned?: boolean
  tenant?: string
  breaker?: boolean
  sticky?: boolean
  id?: string
  text: string[]
}

/** `status:blocked lane:coder tenant:acme breaker:open sticky:yes id:t4 free text` */
export function parseSearch(q: string): Search {
  const s: Search = { text: [] }
  for (const term of q.trim().split(/\s+/).filter(Boolean)) {
    const m = /^([a-z]+):(.*)$/i.exec(term)
    const key = m?.[1]?.toLowerCase()
    const v = m?.[2] ?? ''
    const bad = (expected: string) => new HttpError(400, 'INVALID_INPUT', `search: q: ${key}: expected ${expected}, got ${JSON.stringify(v)}`, { field: 'q' })
    switch (m ? key : undefined) {
      case 'status': {
        const list = v.split(',').filter(Boolean)
        if (list.length === 0 || !list.every((x) => (STATUSES as readonly string[]).includes(x))) throw bad(`statuses (${STATUSES.join(', ')})`)
        s.status = list as Status[]
        break
      }
      case 'lane':
      case 'assignee':
        if (!v) throw bad('a lane name, or none')
        if (v.toLowerCase() === 'none') s.unassigned = true
        else s.assignee = v.toLowerCase()
        break
      case 'tenant':
        if (!v) throw bad('a tenant')
        s.tenant = v
        break
      case 'breaker':
        if (v !== 'open') throw bad('open')
        s.breaker = true
        break
      case 'sticky':
        if (v !== 'yes' && v !== 'true') throw bad('yes')
        s.sticky = true
        break
      case 'id':
        if (!v) throw bad('a task id')
        s.id = v
        break
      default:
        s.text.push(term.toLowerCase())
    }
  }
  return s
}

const intersect = (a: Status[] | undefined, b: Status[] | undefined): Status[] | undefined =>
  a === undefined ? b : b === undefined ? a : a.filter((x) => b.includes(x))

export interface ListResult {
  tasks: Task[]
  next: string | null
  /** tasks read to make the page (more than `tasks` when the search filters beyond the indexes) */
  scanned: number
  /** the page stopped at SEARCH_SCAN tasks read, short of `limit`, with more to read after `next` */
  truncated: boolean
}

const empty = (): ListResult => ({ tasks: [], next: null, scanned: 0, truncated: false })

/**
 * A page of tasks. What maps onto the library's listing indexes — status, lane, tenant (from
 * the query parameters or from `q`) — is the library's cursor page (`listTasksPage`): its
 * cost is the page, whatever the board holds, and `next` is the library's cursor, a position
 * stable under concurrent writes. What does not — free text, `breaker:open`, `sticky:yes`,
 * `lane:none` — filters the index pages as they are read, up to SEARCH_SCAN tasks per
 * request; the page's `next` is then the position of the last task it read, so the next
 * request goes on from there. `orderBy=createdAt` is no index's order: every match is read
 * and sorted (the library's `listTasks`), with no cursor.
 */
export async function listPage(board: Board, query: ListQuery): Promise<ListResult> {
  const s = query.q ? parseSearch(query.q) : { text: [] as string[] }
  if (s.id !== undefined) {
    const t = await board.getTask(s.id).catch(() => null)
    return { tasks: t && matches(t, s, query) ? [t] : [], next: null, scanned: 1, truncated: false }
  }
  let status = intersect(query.status, s.status)
  if (s.breaker || s.sticky) status = intersect(status, ['blocked'])
  if (status !== undefined && status.length === 0) return empty()
  const lane = query.assignee?.toLowerCase()
  if (s.assignee !== undefined && lane !== undefined && s.assignee !== lane) return empty()
  if (s.unassigned && (s.assignee ?? lane) !== undefined) return empty()
  if (s.tenant !== undefined && query.tenant !== undefined && s.tenant !== query.tenant) return empty()
  const assignee = s.assignee ?? lane
  const tenant = s.tenant ?? query.tenant
  const filter = {
    ...(status ? { status } : {}),
    ...(assignee !== undefined ? { assignee } : {}),
    ...(tenant !== undefined ? { tenant } : {}),
    ...(query.includeArchived ? { includeArchived: true } : {}),
  }
  const beyond = s.text.length > 0 || s.breaker === true || s.sticky === true || s.unassigned === true
  const keep = (t: Task) => matches(t, s, query)

  if (query.orderBy === 'createdAt') {
    if (query.after !== undefined)
      throw new HttpError(400, 'INVALID_INPUT', 'listTasks: after: expected no cursor with orderBy=createdAt (a cursor is a place in priority order)', {
        field: 'after',
      })
    const read = await board.listTasks({ ...filter, orderBy: 'createdAt', limit: beyond ? SEARCH_SCAN : query.limit })
    const tasks = read.filter(keep).slice(0, query.limit)
    return { tasks, next: null, scanned: read.length, truncated: beyond && tasks.length < query.limit && read.length === SEARCH_SCAN }
  }
  const after = query.after
  if (!beyond) {
    const page = await board.listTasksPage({ ...filter, limit: query.limit, ...(after !== undefined ? { after } : {}) })
    return { tasks: page.tasks, next: page.next, scanned: page.tasks.length, truncated: false }
  }
  const tasks: Task[] = []
  let scanned = 0
  let at: string | undefined = after
  for (let reads = 0; scanned < SEARCH_SCAN && reads < SEARCH_READS; reads++) {
    const page = await board.listTasksPage({ ...filter, limit: Math.min(SEARCH_READ, SEARCH_SCAN - scanned), ...(at !== undefined ? { after: at } : {}) })
    for (let i = 0; i < page.tasks.length; i++) {
      const t = page.tasks[i]!
      scanned++
      if (!keep(t)) continue
      tasks.push(t)
      if (tasks.length === query.limit) {
        // the page is full before the read is through: go on right after this task
        const more = i < page.tasks.length - 1 || page.next !== null
        return { tasks, next: more ? await cursorAt(board, t) : null, scanned, truncated: false }
      }
    }
    if (page.next === null) return { tasks, next: null, scanned, truncated: false }
    at = page.next
  }
  return { tasks, next: at ?? null, scanned, truncated: true }
}

/**
 * The listing cursor right after a task: its place in dispatch order, the `ord` its hash
 * keeps (src/listing.ts). A task deleted meanwhile has none; its order is then computed as
 * the scripts compute it (priority first, then the task's sequence number).
 */
async function cursorAt(board: Board, t: Task): Promise<string> {
  const ord = await board.redis.hget(board.keys.task(t.id), 'ord')
  const seq = Number(t.id.slice(1))
  return encodeCursor({ id: t.id, score: ord !== null ? Number(ord) : -t.priority * 1e9 + (Number.isFinite(seq) ? seq : 0) })
}

/** Whether a task the indexes returned passes the whole search (the index filters again: a task may have moved since). */
function matches(t: Task, s: Search, q: ListQuery): boolean {
  if (q.status && !q.status.includes(t.status)) return false
  if (s.status && !s.status.includes(t.status)) return false
  if (!q.includeArchived && !q.status && !s.status && t.status === 'archived' && s.id === undefined) return false
  if (s.unassigned && t.assignee !== null) return false
  if (s.assignee !== undefined && t.assignee !== s.assignee) return false
  if (q.assignee !== undefined && t.assignee !== q.assignee.toLowerCase()) return false
  if (s.tenant !== undefined && t.tenant !== s.tenant) return false
  if (q.tenant !== undefined && t.tenant !== q.tenant) return false
  if (s.breaker && !(t.status === 'blocked' && !t.sticky)) return false
  if (s.sticky && !(t.status === 'blocked' && t.sticky)) return false
  if (s.text.length) {
    const hay = `${t.id}\n${t.title}\n${t.body ?? ''}`.toLowerCase()
    if (!s.text.every((w) => hay.includes(w))) return false
  }
  return true
}

// ---- needs you --------------------------------------------------------------------------

export const NEEDS_YOU_BOUNDS = { candidatesPerKind: 500, descendantsPerTask: 2000, descendantsPerRequest: 20_000, eventsPerCandidate: 20 }

export type NeedKind = 'sticky_block' | 'breaker_open' | 'triage' | 'review'

export interface NeedItem {
  task: Task
  kind: NeedKind
  reason: string | null
  since: number
  holdsUp: number
  holdsUpExact: boolean
}

const SINCE: Record<NeedKind, string[]> = {
  sticky_block: ['blocked'],
  breaker_open: ['gave_up'],
  triage: ['block_loop_detected', 'created'],
  review: ['review_requested'],
}

export async function needsYou(board: Board, limit: number): Promise<{ items: (NeedItem & { explain: unknown })[]; total: number; truncated: boolean }> {
  const { redis, keys } = board
  const B = NEEDS_YOU_BOUNDS
  const p = redis.pipeline()
  for (const s of ['blocked', 'triage', 'review'] as const) p.zrange(keys.status(s), 0, B.candidatesPerKind) // one more: was there more?
  const [blocked, triage, review] = ((await p.exec()) ?? []).map(([, v]) => v as string[])
  const truncated = [blocked!, triage!, review!].some((l) => l.length > B.candidatesPerKind)
  const cut = (l: string[]) => l.slice(0, B.candidatesPerKind)
  const ids = [...new Set([...cut(blocked!), ...cut(triage!), ...cut(review!)])]
  // a task may have moved on since the index read: only those still waiting count
  const tasks = (await R.getTasks(redis, keys, ids)).filter((t) => t.status === 'blocked' || t.status === 'triage' || t.status === 'review')
  // when each started waiting: the task's last events, read in one pipeline
  const ev = redis.pipeline()
  for (const t of tasks) ev.lrange(keys.taskEvents(t.id), -B.eventsPerCandidate, -1)
  const evReplies = (await ev.exec()) ?? []
  const items: NeedItem[] = tasks.map((t, i) => {
    const kind: NeedKind = t.status === 'triage' ? 'triage' : t.status === 'review' ? 'review' : t.sticky ? 'sticky_block' : 'breaker_open'
    const events = ((evReplies[i]?.[1] as string[]) ?? []).map((s) => R.decodeEvent(s, t.id))
    const last = [...events].reverse().find((e: KanbanEvent) => SINCE[kind].includes(e.kind))
    const reason =
      kind === 'breaker_open'
        ? t.lastFailureError
        : kind === 'review'
          ? ((last?.payload?.summary as string | undefined) ?? null)
          : (t.blockReason ?? (last?.payload?.reason as string | undefined) ?? null)
    return { task: t, kind, reason, since: last?.at ?? t.createdAt, holdsUp: 0, holdsUpExact: true }
  })
  let budget = B.descendantsPerRequest
  for (const it of items) {
    const r = await downstream(board, it.task.id, Math.min(B.descendantsPerTask, budget))
    budget -= r.visited
    it.holdsUp = r.count
    it.holdsUpExact = r.exact
  }
  items.sort((a, b) => b.holdsUp - a.holdsUp || a.since - b.since || (a.task.id < b.task.id ? -1 : 1))
  const top = items.slice(0, limit)
  const explains = await Promise.all(top.map((it) => board.explain(it.task.id).catch(() => null)))
  return { items: top.map((it, i) => ({ ...it, explain: explains[i] })), total: items.length, truncated }
}

/** Distinct not-done descendants of a task, visiting at most `max` tasks breadth first. */
async function downstream(board: Board, id: string, max: number): Promise<{ count: number; visited: number; exact: boolean }> {
  const { redis, keys } = board
  const seen = new Set<string>([id])
  let level = [id]
  let count = 0
  let visited = 0
  while (level.length > 0) {
    if (visited >= max) return { count, visited, exact: false }
    const p = redis.pipeline()
    for (const x of level) p.smembers(keys.children(x))
    const next: string[] = []
    for (const [, kids] of (await p.exec()) ?? []) {
      for (const k of (kids as string[]) ?? []) {
        if (seen.has(k)) continue
        seen.add(k)
        next.push(k)
      }
    }
    const take = next.slice(0, Math.max(0, max - visited))
    if (take.length === 0) return { count, visited, exact: next.length === 0 }
    const st = redis.pipeline()
    for (const x of take) st.hget(keys.task(x), 'status')
    const statuses = ((await st.exec()) ?? []).map(([, v]) => v as string | null)
    visited += take.length
    count += statuses.filter((s) => s !== null && s !== 'done' && s !== 'archived').length
    if (take.length < next.length) return { count, visited, exact: false }
    level = take
  }
  return { count, visited, exact: true }
}

// ---- graph ----------------------------------------------------------------------------

export interface GraphNode {
  id: string
  title: string
  status: Status
  assignee: string | null
  priority: number
  sticky: boolean
  breaker: boolean
  failures: number
  limit: number
  depth: number
}

export interface GraphQuery {
  root?: string
  depth: number
  direction: 'up' | 'down' | 'both'
  maxNodes: number
  blockingPath: boolean
}

export async function graph(
  board: Board,
  q: GraphQuery,
): Promise<{ nodes: GraphNode[]; edges: { from: string; to: string }[]; truncated: boolean; frontier: string[]; blocking?: string[] }> {
  const { redis, keys } = board
  const settings = await board.settings()
  const node = (t: Task, depth: number): GraphNode => ({
    id: t.id,
    title: t.title,
    status: t.status,
    assignee: t.assignee,
    priority: t.priority,
    sticky: t.sticky,
    breaker: t.status === 'blocked' && !t.sticky,
    failures: t.consecutiveFailures,
    limit: t.maxRetries ?? settings.failureLimit,
    depth,
  })
  if (q.root === undefined) {
    const tasks = await board.listTasks({ limit: q.maxNodes + 1 })
    const truncated = tasks.length > q.maxNodes
    const list = tasks.slice(0, q.maxNodes)
    const ids = new Set(list.map((t) => t.id))
    const edges = list.flatMap((t) => t.parents.filter((p) => ids.has(p)).map((p) => ({ from: p, to: t.id })))
    const frontier = list.filter((t) => t.parents.some((p) => !ids.has(p))).map((t) => t.id)
    return { nodes: list.map((t) => node(t, 0)), edges, truncated, frontier }
  }
  const root = await board.getTask(q.root)
  if (!root) throw new HttpError(404, 'TASK_NOT_FOUND', `graph: root: expected an existing task id, got ${JSON.stringify(q.root)}`, { details: { id: q.root } })
  const tasks = new Map<string, { t: Task; depth: number; children?: string[] }>([[root.id, { t: root, depth: 0 }]])
  let level = [root.id]
  let truncated = false
  const incomplete = new Set<string>()
  for (let d = 1; d <= q.depth && level.length > 0; d++) {
    const p = redis.pipeline()
    for (const id of level) p.smembers(keys.children(id))
    const kids = ((await p.exec()) ?? []).map(([, v]) => ((v as string[]) ?? []).sort())
    const next: string[] = []
    level.forEach((id, i) => {
      const entry = tasks.get(id)!
      entry.children = kids[i]!
      const around = [...(q.direction !== 'down' ? entry.t.parents : []), ...(q.direction !== 'up' ? entry.children : [])]
      for (const n of around) if (!tasks.has(n) && !next.includes(n)) next.push(n)
    })
    const room = q.maxNodes - tasks.size
    const take = next.slice(0, Math.max(0, room))
    if (take.length < next.length) truncated = true
    for (const t of await R.getTasks(redis, keys, take)) tasks.set(t.id, { t, depth: d })
    level = take
    if (truncated) break
  }
  // children of the last level are unknown: read them so edges and the frontier are right
  const unknown = [...tasks.values()].filter((e) => e.children === undefined)
  if (unknown.length) {
    const p = redis.pipeline()
    for (const e of unknown) p.smembers(keys.children(e.t.id))
    ;((await p.exec()) ?? []).forEach(([, v], i) => (unknown[i]!.children = ((v as string[]) ?? []).sort()))
  }
  const edges: { from: string; to: string }[] = []
  for (const { t, children } of tasks.values()) {
    for (const p of t.parents) if (tasks.has(p)) edges.push({ from: p, to: t.id })
    const around = [...(q.direction !== 'down' ? t.parents : []), ...(q.direction !== 'up' ? (children ?? []) : [])]
    if (around.some((n) => !tasks.has(n))) incomplete.add(t.id)
  }
  if (incomplete.size > 0) truncated = true
  const out = {
    nodes: [...tasks.values()].sort((a, b) => a.depth - b.depth || (a.t.id < b.t.id ? -1 : 1)).map((e) => node(e.t, e.depth)),
    edges,
    truncated,
    frontier: [...incomplete].sort(),
  }
  if (!q.blockingPath) return out
  // the root and every unsatisfied ancestor it waits on through unsatisfied parents (loaded ones)
  const blocking = new Set<string>([root.id])
  const stack = [root]
  const unsatisfied = (t: Task) => t.status !== 'done' && t.status !== 'archived'
  while (stack.length) {
    const t = stack.pop()!
    for (const pid of t.parents) {
      const p = tasks.get(pid)?.t
      if (!p || !unsatisfied(p) || blocking.has(pid)) continue
      blocking.add(pid)
      stack.push(p)
    }
  }
  return { ...out, blocking: [...blocking].sort() }
}

// ---- fleet ----------------------------------------------------------------------------

/**
 * Lanes and who serves them, from the library's own reads: per lane the tasks ready and
 * running and the age of the oldest ready one (`stats().byLane`, the listing indexes' sizes:
 * exact, whatever the board holds), what is in flight against its caps, its live workers
 * (`workers()`, from their announcements) and its pause; the dispatcher's last tick and
 * leader (`stats().dispatcher`); the HTTP workers waiting in this server process.
 */
export async function fleet(board: Board, httpWorkers: { lane: string; waiting: number }[]) {
  const [stats, live, inflight] = await Promise.all([board.stats(), board.workers(), board.redis.hgetall(board.keys.inflight)])
  const byLane = new Map(stats.byLane.filter((l) => l.lane !== null).map((l) => [l.lane!, l]))
  const served = new Map(live.lanes.map((l) => [l.lane, l]))
  const names = new Set<string>([...byLane.keys(), ...served.keys(), ...Object.keys(inflight), ...httpWorkers.map((w) => w.lane)])
  for (const p of stats.paused) if (p.lane !== null) names.add(p.lane)
  const unassigned = stats.byLane.find((l) => l.lane === null)
  return {
    at: live.at,
    lanes: [...names].sort().map((lane) => {
      const l = byLane.get(lane)
      const w = served.get(lane)
      return {
        lane,
        ready: l?.byStatus.ready ?? 0,
        running: l?.byStatus.running ?? 0,
        oldestReadyAt: l?.oldestReadyAt ?? null,
        inFlight: Number(inflight[lane] ?? 0),
        paused: stats.paused.find((p) => p.lane === lane) ?? null,
        workers: { live: w?.workers ?? 0, concurrency: w?.concurrency ?? 0, lastSeen: w?.lastSeen ?? null },
      }
    }),
    unassigned: { ready: unassigned?.byStatus.ready ?? 0, oldestReadyAt: unassigned?.oldestReadyAt ?? null },
    workers: live.workers,
    dispatcher: stats.dispatcher,
    paused: stats.paused,
    httpWorkers,
    notListed: stats.notListed.lanes,
    indexed: stats.indexed,
  }
}
