/**
 * Scenario 5 — scale: boards of N tasks (1k, 10k, 100k, 1M), mostly done: N - U tasks went
 * through a real run (createTasks in batches of 5,000, then claimTask + completeTask, each
 * batch pipelined), and U = min(1000, N/10) are left unfinished — U/4 sticky-blocked, U/4
 * parked by the breaker (maxRetries 1, one crash), U/2 todo behind the sticky ones. With U
 * constant from 10k up, a tick's cost must stay flat as finished tasks grow.
 * Measured on the built board (no workers): an idle dispatchOnce() (nothing to dispatch),
 * recomputeReady(), the longest single Lua call of each (SLOWLOG at 0 µs), Redis commands
 * per call (commandstats), and used_memory per task.
 */
import { Board } from '../../src/board.js'
import { CREATE_CHUNK, LANE, createInChunks, type Ctx } from '../lib/context.js'
import { summarize, type Summary } from '../lib/stats.js'
import type { SlowEntry } from '../lib/redis.js'

export interface ScaleRun {
  tasks: number
  done: number
  unfinished: number
  buildMs: number
  buildTasksPerSec: number
  /** longest Lua call while building (createTasks of 5,000 dominates) */
  buildSlowestUs: number
  buildSlowest: string
  memoryBytes: number
  memoryPerTask: number
  tick: Summary
  tickEnqueued: number
  tickCommands: number
  tickSlowestUs: number
  tickSlowest: string
  recompute: Summary
  recomputeCommands: number
  recomputeSlowestUs: number
  recomputeSlowest: string
  /** where a finished task's bytes are (MEMORY USAGE), bytes per done task */
  memoryBreakdown: Record<string, number>
}

export interface ScaleResult {
  iterations: number
  runs: ScaleRun[]
}

const BATCH = CREATE_CHUNK
const ITER = 200

async function build(board: Board, n: number, unfinished: number, log: (m: string) => void): Promise<void> {
  const done = n - unfinished
  const t0 = Date.now()
  for (let i = 0; i < done; i += BATCH) {
    const k = Math.min(BATCH, done - i)
    const ids = Object.values(await board.createTasks(Array.from({ length: k }, (_, j) => ({ ref: `n${j}`, title: `task ${i + j}`, assignee: LANE }))))
    const claims = await Promise.all(ids.map((id) => board.claimTask(id, { claimer: 'bench-build' })))
    await Promise.all(ids.map((id, j) => board.completeTask(id, { runId: claims[j]!.runId, summary: 'ok' })))
    if ((i / BATCH) % 250 === 249) log(`scale ${n}: ${i + k} done tasks built in ${((Date.now() - t0) / 1000).toFixed(0)} s`)
  }
  const q = Math.floor(unfinished / 4)
  const nodes = [
    ...Array.from({ length: q }, (_, j) => ({ ref: `s${j}`, title: `needs a human ${j}`, assignee: LANE, initialStatus: 'blocked' as const })),
    ...Array.from({ length: unfinished - 2 * q }, (_, j) => ({ ref: `w${j}`, title: `waits ${j}`, assignee: LANE, dependsOn: [`s${j % q}`] })),
    ...Array.from({ length: q }, (_, j) => ({ ref: `f${j}`, title: `flaky ${j}`, assignee: LANE, maxRetries: 1 })),
  ]
  const ids = await createInChunks(board, nodes)
  const flaky = Array.from({ length: q }, (_, j) => ids[`f${j}`]!)
  const claims = await Promise.all(flaky.map((id) => board.claimTask(id, { claimer: 'bench-build' })))
  await Promise.all(flaky.map((id, j) => board.recordFailure(id, { runId: claims[j]!.runId, outcome: 'crashed', error: 'boom' })))
}

const topLevelMax = (entries: SlowEntry[]) =>
  entries
    .filter((e) => !e.nested && (e.name.startsWith('ours:') || e.name.startsWith('bullmq:') || e.name.startsWith('eval')))
    .reduce<SlowEntry | null>((a, b) => (a === null || b.us > a.us ? b : a), null)

async function timed(ctx: Ctx, fn: () => Promise<unknown>): Promise<{ ms: number[]; commands: number; slowest: SlowEntry | null }> {
  for (let i = 0; i < 2; i++) await fn() // warm: scripts loaded, connections up
  await ctx.probe.begin({ slowlogUs: 0, slowlogLen: 100_000 })
  const ms: number[] = []
  for (let i = 0; i < ITER; i++) {
    const t = performance.now()
    await fn()
    ms.push(performance.now() - t)
  }
  const entries = await ctx.probe.slowEntries()
  const cost = await ctx.probe.end(ITER, { entries })
  return { ms, commands: cost.callsPerTask, slowest: topLevelMax(entries) }
}

/**
 * MEMORY USAGE of a sample of done tasks' own keys, and of the board-wide indexes per
 * task; `other` is what used_memory grew by beyond them (main-dict entries, allocator).
 */
async function memoryBreakdown(board: Board, n: number, perTask: number): Promise<Record<string, number>> {
  const r = board.redis
  const usage = async (key: string, samples = 5) => Number((await r.call('MEMORY', 'USAGE', key, 'SAMPLES', String(samples))) ?? 0)
  const ids = ((await r.call('ZRANDMEMBER', board.keys.status('done'), '200')) as string[]) ?? []
  const acc: Record<string, number> = { 'task hash': 0, 'task events list': 0, 'run hash': 0 }
  for (const id of ids) {
    acc['task hash']! += await usage(board.keys.task(id))
    acc['task events list']! += await usage(board.keys.taskEvents(id))
    const runIds = ((await r.hget(board.keys.task(id), 'runIds')) ?? '').split(' ').filter(Boolean)
    for (const rid of runIds) acc['run hash']! += await usage(board.keys.run(rid))
  }
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(acc)) out[k] = ids.length ? v / ids.length : 0
  out['status index (zset)'] = (await usage(board.keys.status('done'), 0)) / n
  out['event stream (capped)'] = (await usage(board.keys.events, 0)) / n
  out.other = perTask - Object.values(out).reduce((a, b) => a + b, 0)
  return out
}

export async function scale(ctx: Ctx): Promise<ScaleResult> {
  const runs: ScaleRun[] = []
  for (const n of ctx.cfg.scaleSizes) {
    await ctx.probe.flush()
    const board = await Board.open({ redis: ctx.url, board: ctx.name('scale') })
    try {
      const unfinished = Math.min(1000, Math.floor(n / 10))
      await ctx.probe.begin({ slowlogUs: 1000 })
      const mem0 = await ctx.probe.usedMemory()
      const t0 = performance.now()
      await build(board, n, unfinished, ctx.log)
      const buildMs = performance.now() - t0
      const buildWorst = topLevelMax(await ctx.probe.slowEntries())
      const memoryBytes = (await ctx.probe.usedMemory()) - mem0
      let enqueued = 0
      const tick = await timed(ctx, async () => {
        enqueued += (await board.dispatchOnce()).enqueued
      })
      const rec = await timed(ctx, () => board.recomputeReady())
      const run: ScaleRun = {
        tasks: n,
        done: n - unfinished,
        unfinished,
        buildMs,
        buildTasksPerSec: (n / buildMs) * 1000,
        buildSlowestUs: buildWorst?.us ?? 0,
        buildSlowest: buildWorst?.name ?? '-',
        memoryBytes,
        memoryPerTask: memoryBytes / n,
        tick: summarize(tick.ms),
        tickEnqueued: enqueued,
        tickCommands: tick.commands,
        tickSlowestUs: tick.slowest?.us ?? 0,
        tickSlowest: tick.slowest?.name ?? '-',
        recompute: summarize(rec.ms),
        recomputeCommands: rec.commands,
        recomputeSlowestUs: rec.slowest?.us ?? 0,
        recomputeSlowest: rec.slowest?.name ?? '-',
        memoryBreakdown: await memoryBreakdown(board, n, memoryBytes / n),
      }
      ctx.log(
        `scale ${n}: built in ${(buildMs / 1000).toFixed(1)} s, ${run.memoryPerTask.toFixed(0)} B/task, ` +
          `idle tick p50 ${run.tick.p50.toFixed(2)} ms, recompute p50 ${run.recompute.p50.toFixed(2)} ms, ` +
          `longest Lua ${run.tickSlowestUs} µs (${run.tickSlowest})`,
      )
      runs.push(run)
    } finally {
      await board.close()
    }
  }
  await ctx.probe.flush()
  return { iterations: ITER, runs }
}
