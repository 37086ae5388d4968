/**
 * The whole runtime at once: 2 dispatcher replicas and 3 worker processes over a 500-task
 * DAG (a wide fan-out, a wide fan-in, diamonds and a random layered mesh, on two lanes
 * plus the default lane). Every task must run exactly once: done, one run, `completed`,
 * one handler start across the whole fleet, and never before all its parents were done.
 */
import { describe, expect, it } from 'vitest'
import type { CreateNodeInput } from '../../src/index.js'
import { fleetBoard, startDispatcher, startWorker, starts, waitFor } from './fleet.js'

/** Small deterministic PRNG, so a failure can be replayed with the same graph. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function buildDag(size: number, seed = 42): CreateNodeInput[] {
  const rnd = prng(seed)
  const nodes: CreateNodeInput[] = []
  const add = (dependsOn: number[]) => {
    const i = nodes.length
    // alpha, beta, and every 7th left unassigned for the board's defaultAssignee
    const assignee = i % 7 === 3 ? undefined : i % 2 ? 'alpha' : 'beta'
    nodes.push({
      ref: `n${i}`,
      title: `node ${i}`,
      assignee,
      priority: Math.floor(rnd() * 5),
      dependsOn: dependsOn.map((d) => `n${d}`),
      metadata: { behavior: 'ok' },
    })
    return i
  }
  const root = add([])
  for (let i = 0; i < 4; i++) add([])
  // fan-out: 40 children of one root, then fan-in: one node waiting on all 40
  const fan = Array.from({ length: 40 }, () => add([root]))
  const sink = add(fan)
  // 25 diamonds hanging off the fan-in and off each other
  let top = sink
  for (let d = 0; d < 25; d++) {
    const l = add([top])
    const r = add([top])
    top = add([l, r])
  }
  // a random mesh: each node depends on 0-3 recent nodes
  while (nodes.length < size) {
    const i = nodes.length
    const k = Math.floor(rnd() * 4)
    const deps = new Set<number>()
    for (let j = 0; j < k; j++) deps.add(Math.max(0, i - 1 - Math.floor(rnd() * 60)))
    add([...deps])
  }
  return nodes
}

describe('fleet: a 500-task DAG over 2 dispatchers and 3 workers', () => {
  it('finishes every task exactly once, each after all its parents', { timeout: 120_000 }, async () => {
    const board = await fleetBoard('dag')
    await board.configure({ defaultAssignee: 'alpha' })
    const nodes = buildDag(500)
    const ids = await board.createTasks(nodes)
    expect(Object.keys(ids)).toHaveLength(500)

    const [workers] = await Promise.all([
      Promise.all([1, 2, 3].map(() => startWorker(board, { lanes: ['alpha', 'beta'], concurrency: 6 }))),
      Promise.all([1, 2].map(() => startDispatcher(board, { intervalMs: 150 }))),
    ])

    await waitFor(async () => (await board.stats()).byStatus.done === 500, 'all 500 tasks done', {
      timeoutMs: 90_000,
      intervalMs: 250,
    })
    const stats = await board.stats()
    expect(stats.total).toBe(500)

    const tasks = await board.listTasks({ limit: 1000 })
    expect(tasks).toHaveLength(500)
    const byId = new Map(tasks.map((t) => [t.id, t]))
    const names = new Set(workers.map((w) => w.name))
    for (const t of tasks) {
      expect(t.status, t.id).toBe('done')
      expect(t.consecutiveFailures, t.id).toBe(0)
      const runs = await board.runs(t.id)
      expect(
        runs.map((r) => r.outcome),
        `runs of ${t.id}`,
      ).toEqual(['completed'])
      expect(names.has(runs[0]!.claimer), `claimer of ${t.id}`).toBe(true)
      // never started before its last parent was done (one clock: the Redis server's)
      for (const p of t.parents) expect(t.startedAt!, `${t.id} after parent ${p}`).toBeGreaterThanOrEqual(byId.get(p)!.completedAt!)
    }
    // The defaultAssignee took the unassigned ones.
    expect(tasks.filter((t) => t.assignee === null)).toEqual([])

    // Exactly one handler start per task across the fleet (the IPC reports may trail the
    // writes by a moment).
    await waitFor(() => starts(workers).length >= 500, 'all handler starts reported')
    const perTask = new Map<string, number>()
    for (const s of starts(workers)) if (s.type === 'start') perTask.set(s.taskId, (perTask.get(s.taskId) ?? 0) + 1)
    expect(perTask.size).toBe(500)
    expect([...perTask.values()].every((n) => n === 1)).toBe(true)
  })
})
