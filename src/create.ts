/** Turning a validated createTask / createTasks node into the createTasks script's argument. */
import { createHash, randomBytes } from 'node:crypto'
import type { AnyCall, BatchKeyArg, BatchReplay, CheckNodeArg, CreateNodeArg, CreateReply } from './scriptContract.js'
import type { Scripts } from './scripts.js'

export function jsonText(m: Record<string, unknown> | undefined): string | undefined {
  return m === undefined ? undefined : JSON.stringify(m)
}

type ParsedNode = {
  title: string
  body?: string
  assignee?: string
  priority?: number
  tenant?: string
  createdBy?: string
  maxRetries?: number
  maxRuntimeMs?: number
  retryBackoffMs?: number
  idempotencyKey?: string
  triage?: boolean
  initialStatus?: 'blocked'
  runAt?: number
  metadata?: Record<string, unknown>
}

/** The script argument for one node; defaults (priority 0, not blocked, no parents) are left out. */
export function toNodeArg(ref: string, n: ParsedNode, parentIds: string[], parentRefs: string[]): CreateNodeArg {
  return {
    ref,
    title: n.title,
    body: n.body,
    assignee: n.assignee,
    priority: n.priority || undefined,
    tenant: n.tenant,
    createdBy: n.createdBy,
    maxRetries: n.maxRetries,
    maxRuntimeMs: n.maxRuntimeMs,
    retryBackoffMs: n.retryBackoffMs,
    idempotencyKey: n.idempotencyKey,
    triage: n.triage,
    blocked: n.initialStatus === 'blocked' || undefined,
    runAt: n.runAt,
    metadata: jsonText(n.metadata),
    parentIds: parentIds.length > 0 ? parentIds : undefined,
    parentRefs: parentRefs.length > 0 ? parentRefs : undefined,
  }
}

/**
 * Nodes per createTasks script call, counted as one per node plus one per parent link (the
 * writes a node costs Redis): ~20-25 µs of Redis per unit, so a part stays near 1-1.5 ms. A
 * larger DAG is written as several parts in one MULTI / EXEC (includes/createBatch.lua):
 * one atomic step, and no single script call longer than a part. A node is never split, so
 * a node with more parents than this is a part of its own.
 */
export const PART_BUDGET = 50

/** A check call of a large createTasks covers this many parts' budget of checked nodes. */
export const CHECK_PARTS = 4

/** Parents one link call of a wide node links (createLink.lua: ~3 commands each). */
export const LINK_SLICE = 200

/**
 * A node with more parents (ids and refs) than a part's budget: its check call counts its
 * unsatisfied parents, and link calls after its write part link them (its parent set,
 * their child sets, their hasChildren flags) LINK_SLICE at a time, so a fan-in of 1,000
 * is no long call.
 */
export const wide = (n: Pick<CreateNodeArg, 'parentIds' | 'parentRefs'>): boolean => (n.parentIds?.length ?? 0) + (n.parentRefs?.length ?? 0) > PART_BUDGET

/** The nodes in consecutive parts of at most PART_BUDGET units each (node order kept). */
export function partsOf<T extends Pick<CreateNodeArg, 'parentIds' | 'parentRefs'>>(nodes: T[], budget = PART_BUDGET): T[][] {
  const parts: T[][] = []
  let part: T[] = []
  let used = 0
  for (const n of nodes) {
    // a wide node's parents are linked by link calls of their own (createInParts)
    const cost = wide(n) ? 2 : 1 + (n.parentRefs?.length ?? 0) + (n.parentIds?.length ?? 0)
    if (part.length > 0 && used + cost > budget) {
      parts.push(part)
      part = []
      used = 0
    }
    part.push(n)
    used += cost
  }
  if (part.length > 0) parts.push(part)
  return parts
}

/** What a check part needs of a node (createCheck.lua: the idempotency and parent checks). */
function checkOf(n: CreateNodeArg, keyed: Set<string>): CheckNodeArg {
  // (an idempotency key is scoped by the node's tenant: includes/idem.lua)
  const tenant = n.idempotencyKey !== undefined ? n.tenant : undefined
  if (!wide(n)) return { ref: n.ref, tenant, idempotencyKey: n.idempotencyKey, parentIds: n.parentIds }
  const refs = n.parentRefs ?? []
  const keyedRefs = refs.filter((r) => keyed.has(r))
  return { ref: n.ref, tenant, idempotencyKey: n.idempotencyKey, parentIds: n.parentIds, linkLater: true, keyedRefs, newRefs: refs.length - keyedRefs.length }
}

/**
 * A DAG larger than one part: check calls, then a write call per part (each followed by
 * the link calls of its wide nodes), in one MULTI / EXEC (includes/createBatch.lua) — one
 * atomic step, as docs/api.md#creating-tasks promises, without one long script call. Only nodes with an
 * idempotency key or parent ids, and wide nodes, need checking (a check costs Redis a few
 * lookups, so a check call takes CHECK_PARTS parts' worth); the first check call also
 * brings the DAG's node count and nodes per lane, and checks the batch key (`key`): a
 * recorded one replays its ids (`replayed`) and every part writes nothing. The write parts'
 * replies make one createTasks reply; a failed check is thrown, and nothing was written.
 */
export async function createInParts(
  scripts: Scripts,
  parts: CreateNodeArg[][],
  enqueue?: boolean,
  op = 'createTasks',
  key: BatchKeyArg = {},
): Promise<CreateReply> {
  const id = randomBytes(8).toString('hex')
  const all = parts.flat()
  const keyed = new Set(all.filter((n) => n.idempotencyKey !== undefined).map((n) => n.ref))
  const lanes: Record<string, number> = {}
  for (const n of all) if (n.assignee !== undefined) lanes[n.assignee] = (lanes[n.assignee] ?? 0) + 1
  const checked = all.filter((n) => n.idempotencyKey !== undefined || n.parentIds?.length || wide(n)).map((n) => checkOf(n, keyed))
  const checks = partsOf(checked, CHECK_PARTS * PART_BUDGET)
  const calls: AnyCall[] = (checks.length ? checks : [[]]).map((nodes, i) => [
    'createCheck',
    i === 0 ? { batch: id, nodes, count: all.length, lanes, ...key } : { batch: id, nodes },
  ])
  const writesFrom = calls.length
  // a later call resolves a write part's refs through the scratch hash: those a later part
  // names, those a wide node names (its link calls), any keyed node (a later node with the
  // same key is the same task) and the wide nodes themselves
  const named = new Set<string>()
  const keep = parts.map(() => [] as string[])
  for (let i = parts.length - 1; i >= 0; i--) {
    for (const n of parts[i]!) if (wide(n)) for (const r of n.parentRefs ?? []) named.add(r)
    for (const n of parts[i]!) if (named.has(n.ref) || n.idempotencyKey !== undefined || wide(n)) keep[i]!.push(n.ref)
    for (const n of parts[i]!) for (const r of n.parentRefs ?? []) named.add(r)
  }
  parts.forEach((nodes, i) => {
    // a wide node goes to its write part without its parents; link calls follow
    const write = nodes.map((n) =>
      wide(n) ? { ...n, parentIds: undefined, parentRefs: undefined, linkLater: true, links: (n.parentIds?.length ?? 0) + (n.parentRefs?.length ?? 0) } : n,
    )
    calls.push(['createWrite', { batch: id, nodes: write, enqueue, keep: keep[i], ...key }])
    for (const n of nodes.filter(wide)) {
      const ids = n.parentIds ?? []
      const refs = n.parentRefs ?? []
      for (let k = 0; k < ids.length + refs.length; k += LINK_SLICE) {
        const link = {
          ref: n.ref,
          parentIds: ids.slice(k, k + LINK_SLICE),
          parentRefs: refs.slice(Math.max(0, k - ids.length), Math.max(0, k + LINK_SLICE - ids.length)),
        }
        calls.push(['createLink', { batch: id, link }])
      }
    }
  })
  // the last call groups the DAG's lane jobs and deletes the scratch keys
  ;(calls.at(-1)![1] as { last?: boolean }).last = true
  // (a skipped part follows a failed check, whose error callAtomic throws)
  const results = await scripts.callAtomic(calls, op)
  const first = results[0] as BatchReplay | { replayed?: undefined }
  if (first.replayed) return { ok: true, ids: first.ids, created: [], jobs: [], toEnqueue: [], replayed: true }
  const replies = results.slice(writesFrom) as CreateReply[]
  const out: CreateReply = { ok: true, ids: {}, created: [], jobs: [], toEnqueue: [] }
  for (const r of replies) {
    Object.assign(out.ids, r.ids)
    out.created.push(...r.created)
    out.jobs.push(...r.jobs)
    out.toEnqueue.push(...r.toEnqueue)
  }
  return out
}

/**
 * The digest a batch key's record keeps of the batch (docs/api.md#batch-keys): sha256 of the
 * validated nodes — after trimming and lower-casing, so the same input spelled the same way
 * digests the same — sorted by ref (the nodes' order is not content) with their fields in
 * name order.
 */
export function batchDigest(nodes: ReadonlyArray<{ ref: string }>): string {
  const sorted = [...nodes].sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0))
  return createHash('sha256').update(canonical(sorted)).digest('hex')
}

/** JSON with every object's keys in order, undefined fields left out. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`
  }
  return JSON.stringify(v)
}
