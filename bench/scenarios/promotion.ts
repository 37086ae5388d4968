/**
 * Scenario 4 — promotion latency: a parent's completion -> its child claimed by a worker.
 * `pairs` parent/child pairs, released in waves of `pairWave` so the lane is not
 * backlogged (a backlog would measure queueing, not promotion). Per pair:
 *   ours    child.startedAt (claim) - parent.completedAt, both from the Redis server clock
 *   BullMQ  the flow parent's processedOn - its child's finishedOn (worker clocks, one host)
 * In BullMQ terms our parent is the flow's child job.
 * Ours runs the pairs twice: child in the parent's lane (the completing worker takes it
 * over in the completion itself, includes/takeover.lua) and child in another lane of the
 * same workers (it goes through BullMQ: job added, fetched, claimed — the breakdown).
 */
import type { Impl, WorkerReport } from '../procs/protocol.js'
import { LANE, LANE2, doneCount, openBoard, openBull, order, workerSpec, type Ctx } from '../lib/context.js'
import type { RedisCost } from '../lib/redis.js'
import { medianOf, summarize, waitUntil, type Summary } from '../lib/stats.js'

export interface PromotionRun {
  impl: Impl
  pairs: number
  latencyMs: Summary
  /** ours: how many of the `pairs` children the completing worker took over (no BullMQ job) */
  handedOver?: number
  /** ours: the same pairs with the child in another lane, so through BullMQ */
  viaBullmqMs?: Summary
  /**
   * ours, cross-lane pairs: where the time goes, from the lane's BullMQ event stream (Redis
   * clock): enqueue = parent completed -> child's job added; pickup = added -> a worker
   * took it (active); claim = active -> claimTask done
   */
  breakdown?: { enqueue: Summary; pickup: Summary; claim: Summary }
  redis: RedisCost
  errors: string[]
}

export interface PromotionResult {
  pairs: number
  wave: number
  reps: PromotionRun[]
  ours: PromotionRun
  bullmq: PromotionRun
}

type OurBoard = Awaited<ReturnType<typeof openBoard>>

type Measured = { lat: number[]; handedOver?: number; viaBullmq?: number[]; breakdown?: PromotionRun['breakdown'] }

/** Pairs in waves; the child in `childLane`. Returns [parent, child] ids. */
async function pairsOf(board: OurBoard, pairs: number, wave: number, childLane: string): Promise<[string, string][]> {
  const ids: [string, string][] = []
  const base = await doneCount(board)
  for (let w = 0; w < pairs; w += wave) {
    const n = Math.min(wave, pairs - w)
    const nodes = Array.from({ length: n }, (_, k) => [
      { ref: `p${k}`, title: `parent ${w + k}`, assignee: LANE },
      { ref: `c${k}`, title: `child ${w + k}`, assignee: childLane, dependsOn: [`p${k}`] },
    ]).flat()
    const got = await board.createTasks(nodes)
    for (let k = 0; k < n; k++) ids.push([got[`p${k}`]!, got[`c${k}`]!])
    await board.dispatchOnce()
    await waitUntil('wave done', async () => (await doneCount(board)) >= base + 2 * (w + n), 30_000, 2)
  }
  return ids
}

/** Per pair: parent completedAt, child startedAt, child queueToken (null: never in BullMQ). */
async function stamps(board: OurBoard, ids: [string, string][]): Promise<{ done: number; claimed: number; token: string | null }[]> {
  const p = board.redis.pipeline()
  for (const [parent, child] of ids) {
    p.hget(board.keys.task(parent), 'completedAt').hget(board.keys.task(child), 'startedAt').hget(board.keys.task(child), 'queueToken')
  }
  const raw = ((await p.exec()) ?? []).map(([, v]) => v as string | null)
  return ids.map((_, i) => ({ done: Number(raw[3 * i]), claimed: Number(raw[3 * i + 1]), token: raw[3 * i + 2] ?? null }))
}

async function ours(ctx: Ctx, name: string, pairs: number, wave: number): Promise<Measured> {
  const board = await openBoard(ctx, name)
  try {
    const same = await stamps(board, await pairsOf(board, pairs, wave, LANE))
    const ids = await pairsOf(board, pairs, wave, LANE2)
    const cross = await stamps(board, ids)
    // the BullMQ job that carried each child: j<its queue token> (reserveDispatch.lua)
    const jobOf = cross.map((s) => `j${s.token}`)
    // the child lane's BullMQ event stream: stream ids are the Redis clock at XADD
    const added = new Map<string, number>()
    const active = new Map<string, number>()
    const stream = `${board.keys.bullPrefix}:lane-${LANE2}:events`
    for (const [sid, f] of await board.redis.xrange(stream, '-', '+')) {
      const ev = f[f.indexOf('event') + 1]
      const job = f[f.indexOf('jobId') + 1] ?? ''
      const at = Number(sid.split('-')[0])
      if (ev === 'added' && !added.has(job)) added.set(job, at)
      if (ev === 'active' && !active.has(job)) active.set(job, at)
    }
    const br = { enqueue: [] as number[], pickup: [] as number[], claim: [] as number[] }
    cross.forEach((s, i) => {
      const a = added.get(jobOf[i]!)
      const b = active.get(jobOf[i]!)
      if (a === undefined || b === undefined) return
      br.enqueue.push(a - s.done)
      br.pickup.push(b - a)
      br.claim.push(s.claimed - b)
    })
    return {
      lat: same.map((s) => s.claimed - s.done),
      handedOver: same.filter((s) => s.token === null).length,
      viaBullmq: cross.map((s) => s.claimed - s.done),
      breakdown: { enqueue: summarize(br.enqueue), pickup: summarize(br.pickup), claim: summarize(br.claim) },
    }
  } finally {
    await board.close()
  }
}

async function bullmq(ctx: Ctx, name: string, pairs: number, wave: number): Promise<Measured> {
  const bull = openBull(ctx, name)
  try {
    await bull.queue.waitUntilReady()
    const q = bull.queue.name
    const ids: [string, string][] = []
    for (let w = 0; w < pairs; w += wave) {
      const n = Math.min(wave, pairs - w)
      const trees = await bull.flow.addBulk(
        Array.from({ length: n }, (_, k) => ({ name: 'child', queueName: q, data: { k: w + k }, children: [{ name: 'parent', queueName: q }] })),
      )
      for (const t of trees) ids.push([t.children![0]!.job.id!, t.job.id!])
      await waitUntil('wave done', async () => (await bull.completed()) >= 2 * (w + n), 30_000, 2)
    }
    const out: number[] = []
    for (const [first, second] of ids) {
      const [fin, proc] = await Promise.all([bull.jobField(first, 'finishedOn'), bull.jobField(second, 'processedOn')])
      out.push(Number(proc) - Number(fin))
    }
    return { lat: out }
  } finally {
    await bull.close()
  }
}

export async function promotion(ctx: Ctx): Promise<PromotionResult> {
  const { pairs, pairWave: wave } = ctx.cfg
  const runs: PromotionRun[] = []
  for (let rep = 0; rep < ctx.cfg.dagReps; rep++) {
    for (const impl of order(rep)) {
      await ctx.probe.flush()
      const name = ctx.name(`promo-${impl}`)
      await ctx.pool.start(ctx.cfg.procs, workerSpec(ctx, impl, name, ctx.cfg.concurrency, [LANE2]))
      await ctx.probe.begin()
      let m: Measured = { lat: [] }
      let reports: WorkerReport[] = []
      try {
        m = impl === 'ours' ? await ours(ctx, name, pairs, wave) : await bullmq(ctx, name, pairs, wave)
      } finally {
        reports = await ctx.pool.stop()
      }
      const run: PromotionRun = {
        impl,
        pairs,
        latencyMs: summarize(m.lat),
        ...(m.handedOver !== undefined ? { handedOver: m.handedOver } : {}),
        ...(m.viaBullmq ? { viaBullmqMs: summarize(m.viaBullmq) } : {}),
        ...(m.breakdown ? { breakdown: m.breakdown } : {}),
        redis: await ctx.probe.end(impl === 'ours' ? pairs * 4 : pairs * 2),
        errors: reports.flatMap((r) => r.errors),
      }
      ctx.log(`promotion ${impl}: p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms`)
      runs.push(run)
    }
  }
  return {
    pairs,
    wave,
    reps: runs,
    ours: medianOf(runs.filter((r) => r.impl === 'ours')),
    bullmq: medianOf(runs.filter((r) => r.impl === 'bullmq')),
  }
}
