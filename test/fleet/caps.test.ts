/**
 * Dispatch caps hold under a real fleet (docs/fleet.md#a-tick): maxInProgress per board and
 * maxInProgressPerAssignee, with 3 workers of concurrency 4 (12 slots) competing for
 * two lanes, and children promoted by completions enqueued by the workers themselves
 * (the immediate path must respect the caps as much as the tick does).
 */
import { describe, expect, it } from 'vitest'
import type { CreateNodeInput } from '../../src/index.js'
import { fleetBoard, startDispatcher, startWorker, ticks } from './fleet.js'

describe('fleet: dispatch caps', () => {
  it('never runs more than maxInProgress, nor more than maxInProgressPerAssignee per lane', { timeout: 90_000 }, async () => {
    const board = await fleetBoard('caps')
    await board.configure({ maxInProgress: 3, maxInProgressPerAssignee: 2 })
    // 40 roots over two lanes, and 20 children of some of them
    const nodes: CreateNodeInput[] = []
    for (let i = 0; i < 40; i++) {
      nodes.push({ ref: `r${i}`, title: `root ${i}`, assignee: i % 2 ? 'alpha' : 'beta', metadata: { behavior: 'slow:100' } })
    }
    for (let i = 0; i < 20; i++) {
      nodes.push({
        ref: `c${i}`,
        title: `child ${i}`,
        assignee: i % 3 ? 'alpha' : 'beta',
        dependsOn: [`r${i}`, `r${i + 20}`],
        metadata: { behavior: 'slow:100' },
      })
    }
    await board.createTasks(nodes)

    const [d] = await Promise.all([
      startDispatcher(board, { intervalMs: 100 }),
      ...[1, 2, 3].map(() => startWorker(board, { lanes: ['alpha', 'beta'], concurrency: 4 })),
    ])

    let samples = 0
    let maxTotal = 0
    let maxLane = 0
    const violations: string[] = []
    for (const deadline = Date.now() + 80_000; ;) {
      const [stats, running] = await Promise.all([board.stats(), board.listTasks({ status: 'running' })])
      samples++
      const perLane = { alpha: 0, beta: 0 } as Record<string, number>
      for (const t of running) perLane[t.assignee!] = (perLane[t.assignee!] ?? 0) + 1
      maxTotal = Math.max(maxTotal, stats.byStatus.running, running.length)
      maxLane = Math.max(maxLane, ...Object.values(perLane))
      if (stats.byStatus.running > 3) violations.push(`board running ${stats.byStatus.running}`)
      for (const [lane, n] of Object.entries(perLane)) if (n > 2) violations.push(`${lane} running ${n}`)
      if (stats.byStatus.done === 60) break
      if (Date.now() > deadline) throw new Error(`not all done: ${JSON.stringify(stats.byStatus)}`)
      await new Promise((r) => setTimeout(r, 20))
    }

    expect(violations).toEqual([])
    // The sampling saw the fleet busy, and the caps were what held it back.
    expect(samples).toBeGreaterThan(20)
    expect(maxTotal).toBeGreaterThanOrEqual(2)
    expect(maxTotal).toBeLessThanOrEqual(3)
    expect(maxLane).toBeLessThanOrEqual(2)
    expect(ticks(d).some((r) => r.skippedCapped > 0)).toBe(true)
    for (const t of await board.listTasks({ limit: 100 })) {
      expect(t.status).toBe('done')
      expect((await board.runs(t.id)).map((r) => r.outcome)).toEqual(['completed'])
    }
  })
})
