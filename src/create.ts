/** Turning a validated createTask / createTasks node into the createTasks script's argument. */
import { randomBytes } from 'node:crypto'
import type { AnyCall, CheckNodeArg, CreateNodeArg, ScriptReplies, Scripts } from './scripts.js'

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
 * larger DAG is written as several parts in one MULTI / EXEC (createTasks.lua's header):
 * one atomic step, and no single script call longer than a part. A node is never split, so
 * a node with more parents than this is a part of its own.
 */
export const PART_BUDGET = 50

/** A check call of a large createTasks covers this many parts' budget of checked nodes. */
export const CHECK_PARTS = 4

/** The nodes in consecutive parts of at most PART_BUDGET units each (node order kept). */
export function partsOf<T extends Pick<CreateNodeArg, 'parentIds' | 'parentRefs'>>(nodes: T[], budget = PART_BUDGET): T[][] {
  const parts: T[][] = []
  let part: T[] = []
  let used = 0
  for (const n of nodes) {
    const cost = 1 + (n.parentIds?.length ?? 0) + (n.parentRefs?.length ?? 0)
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

/** What a check part needs of a node (createTasks.lua: the idempotency and parent checks). */
function checkOf(n: CreateNodeArg): CheckNodeArg {
  return { ref: n.ref, idempotencyKey: n.idempotencyKey, parentIds: n.parentIds }
}

/**
 * A DAG larger than one part: check calls, then a write call per part, in one MULTI / EXEC
 * (createTasks.lua's header) — one atomic step, as the SPEC asks, without one long script
 * call. Only nodes with an idempotency key or parent ids need checking (a check costs Redis
 * a few lookups, so a check call takes CHECK_PARTS parts' worth); the first check call also
 * brings the DAG's node count and nodes per lane. The write parts' replies make one
 * createTasks reply; a failed check is thrown, and nothing was written.
 */
export async function createInParts(scripts: Scripts, parts: CreateNodeArg[][], enqueue?: boolean): Promise<ScriptReplies['createTasks']> {
  const id = randomBytes(8).toString('hex')
  const all = parts.flat()
  const lanes: Record<string, number> = {}
  for (const n of all) if (n.assignee !== undefined) lanes[n.assignee] = (lanes[n.assignee] ?? 0) + 1
  const checks = partsOf(all.filter((n) => n.idempotencyKey !== undefined || n.parentIds?.length).map(checkOf), CHECK_PARTS * PART_BUDGET)
  const calls: AnyCall[] = (checks.length ? checks : [[]]).map((nodes, i) => [
    'createTasks',
    i === 0 ? { nodes, batch: { id, check: true }, count: all.length, lanes } : { nodes, batch: { id, check: true } },
  ])
  // a later part resolves an earlier part's refs through the scratch hash: those it names,
  // and any keyed node (a later node with the same key is the same task)
  const later = new Set<string>()
  const keep = parts.map(() => [] as string[])
  for (let i = parts.length - 1; i >= 0; i--) {
    for (const n of parts[i]!) if (later.has(n.ref) || n.idempotencyKey !== undefined) keep[i]!.push(n.ref)
    for (const n of parts[i]!) for (const r of n.parentRefs ?? []) later.add(r)
  }
  parts.forEach((nodes, i) => calls.push(['createTasks', { nodes, enqueue, batch: { id, last: i === parts.length - 1, keep: keep[i] } }]))
  const replies = (await scripts.callAtomic(calls)).slice(calls.length - parts.length) as ScriptReplies['createTasks'][]
  const out: ScriptReplies['createTasks'] = { ok: true, ids: {}, created: [], jobs: [], toEnqueue: [] }
  for (const r of replies) {
    Object.assign(out.ids, r.ids)
    out.created.push(...r.created)
    out.jobs.push(...r.jobs)
    out.toEnqueue.push(...r.toEnqueue)
  }
  return out
}
