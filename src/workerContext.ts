/**
 * The worker's view of a task (docs/api.md#workercontext): the task, its parents'
 * completions (result, summary, metadata), its last runs and comments with their total
 * counts — within a size bound, whatever the board holds (10,000 comments, 64 KiB results).
 * Caps on the number of items and on the bytes of each text field; a cut text ends in a
 * marker and its path is listed in `truncated`. Plain reads, never a write (reads.ts).
 */
import type { Cluster, Redis } from 'ioredis'
import type { BoardKeys } from './keys.js'
import { toRun, toTask } from './reads.js'
import type { ParentContext, Run, WorkerContext, WorkerContextLimits } from './types.js'
import type { Status } from './status.js'

type Conn = Redis | Cluster
type Hash = Record<string, string>

/** The caps a workerContext applies when the caller names none (docs/api.md#workercontext). */
export const WORKER_CONTEXT_DEFAULTS: Readonly<WorkerContextLimits> = Object.freeze({
  maxParents: 20,
  maxAttempts: 10,
  maxComments: 20,
  maxFieldBytes: 8 * 1024,
})

/** The parent fields read: not its body (up to 64 KiB) nor anything else the worker does not get. */
const PARENT_FIELDS = ['id', 'title', 'status', 'result', 'completedAt', 'runIds'] as const

/**
 * The context of task `id`, null when there is no such task. Three round trips: the task
 * with its comment count and newest comments (one MULTI, a consistent snapshot), then its
 * last runs and first parents, then the parents' last runs.
 */
export async function readWorkerContext(redis: Conn, keys: BoardKeys, id: string, limits: WorkerContextLimits): Promise<WorkerContext | null> {
  const m = redis.multi().hgetall(keys.task(id)).smembers(keys.parents(id)).llen(keys.comments(id))
  // (LRANGE -0 -1 would be the whole list)
  if (limits.maxComments > 0) m.lrange(keys.comments(id), -limits.maxComments, -1)
  const first = (await m.exec()) ?? []
  const h = first[0]?.[1] as Hash
  if (!h || !h.id) return null
  const task = toTask(h, first[1]?.[1] as string[])
  // the task's run ids, oldest first, as one field (includes/runs.lua)
  const runIds = (h.runIds ?? '').split(' ').filter(Boolean)
  const commentsTotal = Number(first[2]?.[1] ?? 0)
  const comments = limits.maxComments > 0 ? ((first[3]?.[1] as string[]) ?? []) : []

  const runs = runIds.slice(Math.max(0, runIds.length - limits.maxAttempts))
  const parents = task.parents.slice(0, limits.maxParents)
  const p = redis.pipeline()
  for (const rid of runs) p.hgetall(keys.run(rid))
  for (const pid of parents) p.hmget(keys.task(pid), ...PARENT_FIELDS)
  const second = (await p.exec()) ?? []
  const attempts = second
    .slice(0, runs.length)
    .map(([, h]) => h as Hash)
    .filter((h) => h && h.id)
    .map(toRun)
  const parentRows = second
    .slice(runs.length)
    .map(([, v]) => v as (string | null)[])
    .filter((v) => v && v[0])
  // a parent's summary and metadata are its completing run's: its last run, when completed
  const lastRuns = parentRows.map((v) => (v[5] ?? '').split(' ').filter(Boolean).at(-1) ?? null)
  const q = redis.pipeline()
  for (const rid of lastRuns) if (rid) q.hmget(keys.run(rid), 'outcome', 'summary', 'metadata')
  const third = (await q.exec()) ?? []
  let at = 0
  const completions = lastRuns.map((rid) => (rid ? (third[at++]?.[1] as (string | null)[]) : null))

  const truncated: string[] = []
  const clipText = (path: string, s: string | null) => {
    if (s === null) return null
    const c = clip(s, limits.maxFieldBytes)
    if (c !== s) truncated.push(path)
    return c
  }
  const clipMeta = (path: string, json: string | null) => {
    if (!json) return null
    if (Buffer.byteLength(json, 'utf8') <= limits.maxFieldBytes) return JSON.parse(json) as Record<string, unknown>
    truncated.push(path)
    return null
  }
  const parentCtx: ParentContext[] = parentRows.map((v, i) => {
    const run = completions[i]
    const done = run && run[0] === 'completed'
    return {
      id: v[0]!,
      title: v[1]!,
      status: v[2] as Status,
      result: clipText(`parents[${i}].result`, v[3] || null),
      summary: done ? clipText(`parents[${i}].summary`, run[1] || null) : null,
      metadata: done ? clipMeta(`parents[${i}].metadata`, run[2] || null) : null,
      completedAt: v[4] ? Number(v[4]) : null,
    }
  })
  const priorAttempts: Run[] = attempts.map((r, i) => ({
    ...r,
    summary: clipText(`priorAttempts[${i}].summary`, r.summary),
    error: clipText(`priorAttempts[${i}].error`, r.error),
    metadata: r.metadata === null ? null : clipMeta(`priorAttempts[${i}].metadata`, JSON.stringify(r.metadata)),
  }))
  return {
    task,
    parents: parentCtx,
    priorAttempts,
    comments: comments.map((s, i) => {
      const c = JSON.parse(s) as { author: string; body: string; at: number }
      return { author: c.author, body: clipText(`comments[${i}].body`, c.body)!, at: c.at }
    }),
    totals: { parents: task.parents.length, attempts: runIds.length, comments: commentsTotal },
    truncated,
    limits: { ...limits },
  }
}

/**
 * `s` cut to at most `maxBytes` UTF-8 bytes, marker included: the longest prefix that ends
 * on a character boundary, then `\n…[truncated: <n> bytes, first <k> shown]`. A text that
 * fits comes back as it is (the same string).
 */
export function clip(s: string, maxBytes: number): string {
  const buf = Buffer.from(s, 'utf8')
  if (buf.length <= maxBytes) return s
  const marker = (k: number) => `\n…[truncated: ${buf.length} bytes, first ${k} shown]`
  // the marker at its longest (k has at most the digits of maxBytes), so the sum never exceeds
  let keep = Math.max(0, maxBytes - Buffer.byteLength(marker(maxBytes), 'utf8'))
  // back off to the start of a character: never half of one
  while (keep > 0 && (buf[keep]! & 0xc0) === 0x80) keep--
  return buf.toString('utf8', 0, keep) + marker(keep)
}
