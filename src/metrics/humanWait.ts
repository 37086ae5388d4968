/**
 * Tasks waiting on a person (docs/operations.md#metrics): sticky blocks, triage, review — the
 * kinds of the dashboard's "needs you" view — and when each started waiting, from the
 * task's last events. Bounded reads: the status indexes are ordered by dispatch order, not
 * by time, so the oldest is looked for among the first HUMAN_WAIT_SAMPLE of each kind.
 */
import type { Cluster, Redis } from 'ioredis'
import type { BoardKeys } from '../keys.js'
import { decodeEvent } from '../reads.js'

type Conn = Redis | Cluster

export const HUMAN_KINDS = ['sticky_block', 'triage', 'review'] as const
export type HumanKind = (typeof HUMAN_KINDS)[number]

/** tasks per kind the oldest-wait gauge reads */
export const HUMAN_WAIT_SAMPLE = 100
/** a task's last events read to find when its wait began */
const EVENTS_READ = 20

/** the events that start each kind of wait (as views.ts#needsYou reads them) */
const STARTS: Record<HumanKind, readonly string[]> = {
  sticky_block: ['blocked'],
  triage: ['block_loop_detected', 'created'],
  review: ['review_requested'],
}

/** The kind of wait a task's status and stickiness make, or null: not waiting on a person. */
export function humanKind(status: string | undefined, sticky: boolean): HumanKind | null {
  if (status === 'triage') return 'triage'
  if (status === 'review') return 'review'
  if (status === 'blocked' && sticky) return 'sticky_block'
  return null
}

/** When each task's wait of `kind` began (epoch ms): its last starting event, else its creation. */
export async function waitStarts(redis: Conn, keys: BoardKeys, kind: HumanKind, ids: string[]): Promise<number[]> {
  if (ids.length === 0) return []
  const p = redis.pipeline()
  for (const id of ids) p.lrange(keys.taskEvents(id), -EVENTS_READ, -1).hget(keys.task(id), 'createdAt')
  const r = (await p.exec()) ?? []
  return ids.map((id, i) => {
    const events = ((r[2 * i]?.[1] as string[] | null) ?? []).map((s) => decodeEvent(s, id))
    const last = events.reverse().find((e) => STARTS[kind].includes(e.kind))
    return last?.at ?? Number(r[2 * i + 1]?.[1] ?? 0)
  })
}

/** Per kind, the oldest wait's start among the first HUMAN_WAIT_SAMPLE tasks (null: none waiting). */
export async function oldestWaits(redis: Conn, keys: BoardKeys): Promise<Record<HumanKind, number | null>> {
  const p = redis.pipeline()
  p.zrange(keys.status('blocked'), 0, HUMAN_WAIT_SAMPLE - 1)
  p.zrange(keys.status('triage'), 0, HUMAN_WAIT_SAMPLE - 1)
  p.zrange(keys.status('review'), 0, HUMAN_WAIT_SAMPLE - 1)
  const [blocked, triage, review] = ((await p.exec()) ?? []).map(([, v]) => (v as string[]) ?? [])
  // breaker-parked tasks are blocked too, and wait on the dispatcher, not on a person
  const parked = blocked!.length ? ((await (redis as Redis).smismember(keys.nsblocked, ...blocked!)) as number[]) : []
  const sticky = blocked!.filter((_, i) => !parked[i])
  const ids: Record<HumanKind, string[]> = { sticky_block: sticky, triage: triage!, review: review! }
  const out = { sticky_block: null, triage: null, review: null } as Record<HumanKind, number | null>
  await Promise.all(
    HUMAN_KINDS.map(async (k) => {
      const starts = await waitStarts(redis, keys, k, ids[k])
      if (starts.length) out[k] = Math.min(...starts)
    }),
  )
  return out
}
