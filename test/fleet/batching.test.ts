/**
 * Lane jobs that carry several tasks (setting tasksPerJob): a worker claims them as its
 * handler slots free up, never runs more than its concurrency, and at shutdown hands the
 * tasks it holds but has not claimed back to the board at once — nothing waits for the
 * lost-job repair, nothing runs twice.
 */
import { describe, expect, it } from 'vitest'
import type { Run } from '../../src/index.js'
import { fleetBoard, startDispatcher, startWorker, waitFor } from './fleet.js'
import { boardContext } from '../../src/context.js'

/** Most runs of one claimer open at the same moment (Redis clock, from the runs themselves). */
function maxOverlap(runs: Run[]): number {
  const edges = runs.flatMap((r) => [
    [r.startedAt, 1],
    [r.endedAt ?? Number.MAX_SAFE_INTEGER, -1],
  ])
  // at equal times the end comes first: a slot freed and reused in the same ms is not two
  edges.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!)
  let open = 0
  let max = 0
  for (const [, d] of edges) max = Math.max(max, (open += d!))
  return max
}

describe('fleet: lane jobs of several tasks', () => {
  it('two workers of concurrency 3 over jobs of up to 10 tasks: each task runs once, never more than 3 at a time per worker', { timeout: 90_000 }, async () => {
    const board = await fleetBoard('batch')
    await board.configure({ tasksPerJob: 10 })
    const ids = Object.values(
      await board.createTasks(
        Array.from({ length: 120 }, (_, i) => ({ ref: `n${i}`, title: `task ${i}`, assignee: 'alpha', metadata: { behavior: 'slow:15' } })),
      ),
    )
    const [, a, b] = await Promise.all([
      startDispatcher(board, { intervalMs: 100 }),
      startWorker(board, { lanes: ['alpha'], concurrency: 3 }),
      startWorker(board, { lanes: ['alpha'], concurrency: 3 }),
    ])
    await waitFor(async () => (await board.stats()).byStatus.done === 120, 'all 120 done', { timeoutMs: 60_000 })

    const runs = (await Promise.all(ids.map((id) => board.runs(id)))).flat()
    expect(runs).toHaveLength(120)
    expect(runs.every((r) => r.outcome === 'completed')).toBe(true)
    const by = (name: string) => runs.filter((r) => r.claimer === name)
    expect(by(a.name).length + by(b.name).length).toBe(120)
    expect(maxOverlap(by(a.name))).toBeLessThanOrEqual(3)
    expect(maxOverlap(by(b.name))).toBeLessThanOrEqual(3)
    // both took part: a job's tasks do not all pile up on one worker
    expect(by(a.name).length).toBeGreaterThan(10)
    expect(by(b.name).length).toBeGreaterThan(10)
  })

  it('a worker starting on a deep lane takes only the jobs it can start, leaving the rest to the fleet', { timeout: 60_000 }, async () => {
    const board = await fleetBoard('batch-deep')
    await board.configure({ tasksPerJob: 10 })
    await board.createTasks(
      Array.from({ length: 300 }, (_, i) => ({ ref: `n${i}`, title: `task ${i}`, assignee: 'alpha', metadata: { behavior: 'slow:3000' } })),
    )
    await startDispatcher(board, { intervalMs: 100 })
    const lane = await boardContext(board).lanes.get('alpha')
    await waitFor(async () => (await lane.getJobCounts('waiting')).waiting === 30, '300 tasks in 30 lane jobs')
    await startWorker(board, { lanes: ['alpha'], concurrency: 10 })
    await waitFor(async () => (await board.stats()).byStatus.running === 10, 'ten running')
    await new Promise((r) => setTimeout(r, 300)) // let its BullMQ loop fetch whatever it will
    // ten running came from one job; at most one more job's tasks are held in reserve
    const counts = await lane.getJobCounts('waiting', 'active')
    expect(counts.active).toBeLessThanOrEqual(1)
    expect(counts.waiting).toBeGreaterThanOrEqual(28)
    expect((await board.stats()).byStatus.running).toBe(10)
  })

  it('workers of concurrency 1 get one-task jobs: a deep lane spreads over every one of them', { timeout: 90_000 }, async () => {
    const board = await fleetBoard('batch-c1')
    // five workers announce concurrency 1 before any task exists; 20 tasks reserved at once
    // would otherwise go in 4 jobs of 5 (floor(20 / 4)) and leave one worker idle
    const workers = await Promise.all(Array.from({ length: 5 }, () => startWorker(board, { lanes: ['alpha'], concurrency: 1 })))
    const ids = Object.values(
      await board.createTasks(
        Array.from({ length: 20 }, (_, i) => ({ ref: `n${i}`, title: `task ${i}`, assignee: 'alpha', metadata: { behavior: 'slow:300' } })),
      ),
    )
    await startDispatcher(board, { intervalMs: 100 })
    await waitFor(async () => (await board.stats()).byStatus.done === 20, 'all 20 done', { timeoutMs: 60_000 })
    const runs = (await Promise.all(ids.map((id) => board.runs(id)))).flat()
    expect(runs).toHaveLength(20)
    for (const w of workers) {
      const mine = runs.filter((r) => r.claimer === w.name)
      expect(mine.length, w.name).toBeGreaterThanOrEqual(2)
      expect(maxOverlap(mine), w.name).toBe(1)
    }
  })

  it('SIGTERM: tasks held but not claimed go back to the board at once and are done by another worker', { timeout: 60_000 }, async () => {
    const board = await fleetBoard('batch-term')
    await board.configure({ tasksPerJob: 10 })
    // 12 tasks in one lane -> jobs of 3; a worker of concurrency 1 runs one and holds the rest of its job
    const ids = Object.values(
      await board.createTasks(
        Array.from({ length: 12 }, (_, i) => ({ ref: `n${i}`, title: `task ${i}`, assignee: 'alpha', metadata: { behavior: 'slow:1500' } })),
      ),
    )
    // lost-job repair is 30 s away: only the worker's own give-back can bring held tasks back in time
    await startDispatcher(board, { intervalMs: 100, lostJobAfterMs: 30_000 })
    const leaving = await startWorker(board, { lanes: ['alpha'], concurrency: 1, graceMs: 5000 })
    await waitFor(async () => (await board.listTasks({ status: 'running' })).length === 1, 'one running on the leaving worker')
    const first = (await board.listTasks({ status: 'running' }))[0]!
    for (const id of ids) await board.updateTask(id, { metadata: { behavior: 'ok' } })

    leaving.signal('SIGTERM')
    expect((await leaving.exited).code).toBe(0)
    // the running one finished within the grace; nothing else was claimed by the leaving worker
    expect((await board.getTask(first.id))!.status).toBe('done')
    const claimedByLeaving = (await Promise.all(ids.map((id) => board.runs(id)))).flat().filter((r) => r.claimer === leaving.name)
    expect(claimedByLeaving.map((r) => r.taskId)).toEqual([first.id])

    const next = await startWorker(board, { lanes: ['alpha'], concurrency: 4 })
    await waitFor(async () => (await board.stats()).byStatus.done === 12, 'all 12 done well before lost-job repair', { timeoutMs: 15_000 })
    for (const id of ids) {
      const runs = await board.runs(id)
      expect(runs.map((r) => r.outcome)).toEqual(['completed'])
      expect(runs[0]!.claimer).toBe(id === first.id ? leaving.name : next.name)
    }
  })
})
