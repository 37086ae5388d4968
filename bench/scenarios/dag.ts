/**
 * Scenario 3 — DAG shapes, time from creation to the last task done, `procs` worker
 * processes at `concurrency`:
 *   fan-in   1,000 tasks -> one task that waits for all of them (ours: a task with 1,000
 *            parents; BullMQ: a FlowProducer parent job with 1,000 children)
 *   chain    1,000 tasks, each waiting for the previous (BullMQ: a flow 1,000 deep)
 *   lattice  a diamond lattice (layers x width, each node waits for two of the layer
 *            before) — no BullMQ equivalent, ours alone
 * Ours: createTasks in chunks of 100 on an autoEnqueue handle (ready tasks go to BullMQ as
 * they are created); the workers' completions promote and enqueue the rest. The end is the last task's completion time as stored (ours: Redis
 * server clock; BullMQ: job.finishedOn from the worker's clock, same host).
 * The chain also yields a promotion latency per link (next claimed - previous completed).
 */
import type { FlowJob, JobNode } from 'bullmq'
import type { Impl, WorkerReport } from '../procs/protocol.js'
import { LANE, createInChunks, doneCount, openBoard, openBull, order, workerSpec, type Ctx } from '../lib/context.js'
import type { RedisCost } from '../lib/redis.js'
import { median, medianOf, summarize, waitUntil, type Summary } from '../lib/stats.js'

export type Shape = 'fanIn' | 'chain' | 'lattice'

export interface DagRun {
  impl: Impl
  shape: Shape
  tasks: number
  /** creation start -> last task completed, ms */
  ms: number
  /** chain only: per-link promotion latency (child claimed - parent completed), ms */
  links?: Summary
  redis: RedisCost
  errors: string[]
}

export interface DagResult {
  reps: DagRun[]
  fanIn: { ours: DagRun; bullmq: DagRun; ratio: number }
  chain: { ours: DagRun; bullmq: DagRun; ratio: number }
  lattice: { ours: DagRun; layers: number; width: number }
}

type Node = { ref: string; title: string; assignee: string; dependsOn?: string[] }

function ourNodes(ctx: Ctx, shape: Shape): Node[] {
  const mk = (ref: string, dependsOn?: string[]): Node => ({ ref, title: ref, assignee: LANE, ...(dependsOn ? { dependsOn } : {}) })
  if (shape === 'fanIn') {
    const leaves = Array.from({ length: ctx.cfg.fanIn }, (_, i) => mk(`l${i}`))
    return [
      ...leaves,
      mk(
        'sink',
        leaves.map((l) => l.ref),
      ),
    ]
  }
  if (shape === 'chain') return Array.from({ length: ctx.cfg.chain }, (_, i) => mk(`c${i}`, i ? [`c${i - 1}`] : undefined))
  const { layers, width } = ctx.cfg.lattice
  const out: Node[] = []
  for (let l = 0; l < layers; l++) {
    for (let i = 0; i < width; i++) out.push(mk(`d${l}_${i}`, l ? [`d${l - 1}_${i}`, `d${l - 1}_${(i + 1) % width}`] : undefined))
  }
  return out
}

function bullFlow(ctx: Ctx, shape: Shape, queueName: string): FlowJob {
  if (shape === 'fanIn') {
    return {
      name: 'sink',
      queueName,
      children: Array.from({ length: ctx.cfg.fanIn }, (_, i) => ({ name: 'leaf', queueName, data: { i } })),
    }
  }
  let node: FlowJob = { name: 'c0', queueName }
  for (let i = 1; i < ctx.cfg.chain; i++) node = { name: `c${i}`, queueName, children: [node] }
  return node
}

async function runOurs(ctx: Ctx, shape: Shape): Promise<Omit<DagRun, 'redis' | 'errors'>> {
  const name = ctx.name(`dag-${shape.toLowerCase()}`)
  await ctx.pool.start(ctx.cfg.procs, workerSpec(ctx, 'ours', name))
  const board = await openBoard(ctx, name, { autoEnqueue: true })
  try {
    const nodes = ourNodes(ctx, shape)
    await ctx.probe.begin()
    const t0 = Date.now()
    const ids = await createInChunks(board, nodes) // ready tasks go to BullMQ as they are created
    await waitUntil(`${shape} done`, async () => (await doneCount(board)) >= nodes.length, 120_000, 5)
    const order = nodes.map((n) => ids[n.ref]!)
    const p = board.redis.pipeline()
    for (const id of order) p.hmget(board.keys.task(id), 'startedAt', 'completedAt')
    const rows = ((await p.exec()) ?? []).map(([, v]) => (v as string[]).map(Number))
    const end = Math.max(...rows.map((r) => r[1]!))
    const links = shape === 'chain' ? summarize(rows.slice(1).map((r, i) => r[0]! - rows[i]![1]!)) : undefined
    return { impl: 'ours', shape, tasks: nodes.length, ms: end - t0, links }
  } finally {
    await board.close()
  }
}

async function runBull(ctx: Ctx, shape: Shape): Promise<Omit<DagRun, 'redis' | 'errors'>> {
  const name = ctx.name(`dag-${shape.toLowerCase()}`)
  await ctx.pool.start(ctx.cfg.procs, workerSpec(ctx, 'bullmq', name))
  const bull = openBull(ctx, name)
  try {
    await bull.queue.waitUntilReady()
    const flow = bullFlow(ctx, shape, bull.queue.name)
    const total = shape === 'fanIn' ? ctx.cfg.fanIn + 1 : ctx.cfg.chain
    await ctx.probe.begin()
    const t0 = Date.now()
    const tree = await bull.flow.add(flow)
    await waitUntil(`${shape} done`, async () => (await bull.completed()) >= total, 120_000, 5)
    const end = Number(await bull.jobField(tree.job.id!, 'finishedOn'))
    let links: Summary | undefined
    if (shape === 'chain') {
      // walk root -> leaf; each link is (child finished -> parent taken by a worker)
      const lat: number[] = []
      let node: JobNode | undefined = tree
      while (node?.children?.length) {
        const child: JobNode = node.children[0]!
        const [processedOn, finishedOn] = await Promise.all([bull.jobField(node.job.id!, 'processedOn'), bull.jobField(child.job.id!, 'finishedOn')])
        lat.push(Number(processedOn) - Number(finishedOn))
        node = child
      }
      links = summarize(lat)
    }
    return { impl: 'bullmq', shape, tasks: total, ms: end - t0, links }
  } finally {
    await bull.close()
  }
}

export async function dag(ctx: Ctx): Promise<DagResult> {
  const runs: DagRun[] = []
  const one = async (impl: Impl, shape: Shape) => {
    await ctx.probe.flush()
    let r: Omit<DagRun, 'redis' | 'errors'>
    let reports: WorkerReport[] = []
    try {
      r = impl === 'ours' ? await runOurs(ctx, shape) : await runBull(ctx, shape)
    } finally {
      reports = await ctx.pool.stop()
    }
    const redis = await ctx.probe.end(r.tasks)
    const run: DagRun = { ...r, redis, errors: reports.flatMap((x) => x.errors) }
    ctx.log(`dag ${shape} ${impl}: ${run.ms.toFixed(0)} ms for ${run.tasks} tasks${run.links ? `, link p50 ${run.links.p50} ms` : ''}`)
    runs.push(run)
  }
  for (let rep = 0; rep < ctx.cfg.dagReps; rep++) {
    for (const shape of ['fanIn', 'chain'] as const) for (const impl of order(rep)) await one(impl, shape)
    await one('ours', 'lattice')
  }
  const pick = (impl: Impl, shape: Shape) => runs.filter((r) => r.impl === impl && r.shape === shape)
  const pair = (shape: Shape) => ({
    ours: medianOf(pick('ours', shape)),
    bullmq: medianOf(pick('bullmq', shape)),
    // time ratio: > 1 means ours took longer
    ratio: median(pick('ours', shape).map((r) => r.ms)) / median(pick('bullmq', shape).map((r) => r.ms)),
  })
  return {
    reps: runs,
    fanIn: pair('fanIn'),
    chain: pair('chain'),
    lattice: { ours: medianOf(pick('ours', 'lattice')), ...ctx.cfg.lattice },
  }
}
