/**
 * A handler for fault tests that records what the fleet did: how often each task started,
 * how many handlers worked on one task at once, and which completions the board
 * acknowledged (ctx.complete returned true) and when.
 */
import { expect } from 'vitest'
import type { Board, Handler } from '../../src/index.js'

export function fleetProbe() {
  const starts = new Map<string, number>()
  const inFlight = new Map<string, number>()
  const acks = new Map<string, number[]>()
  const completed = new Set<string>()
  let maxConcurrent = 0
  return {
    starts,
    completed,
    acks,
    /** sleeps `ms` (or until aborted), then completes */
    handler(ms: number): Handler {
      return async (task, ctx) => {
        starts.set(task.id, (starts.get(task.id) ?? 0) + 1)
        const now = (inFlight.get(task.id) ?? 0) + 1
        inFlight.set(task.id, now)
        maxConcurrent = Math.max(maxConcurrent, now)
        try {
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, ms)
            ctx.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true })
          })
          if (ctx.signal.aborted) return
          if (await ctx.complete({ result: 'ok' })) {
            completed.add(task.id)
            acks.set(task.id, [...(acks.get(task.id) ?? []), Date.now()])
          }
        } finally {
          inFlight.set(task.id, inFlight.get(task.id)! - 1)
        }
      }
    },
    maxConcurrentPerTask: () => maxConcurrent,
    /** the first acknowledged completion at or after `t`, or null */
    firstCompletionAfter(t: number): number | null {
      const after = [...acks.values()].flat().filter((x) => x >= t)
      return after.length ? Math.min(...after) : null
    },
    /** tasks whose completion was acknowledged more than once (the first was lost) */
    completedTwice: () => [...acks.values()].filter((a) => a.length > 1).length,
  }
}

/**
 * Every task done, its last run completed, and each run closed before the next began: at
 * no time two open runs (two leases) of one task.
 */
export async function expectDoneOneRunAtATime(board: Board, ids: string[]): Promise<void> {
  for (const id of ids) {
    expect((await board.getTask(id))!.status, id).toBe('done')
    const runs = (await board.runs(id)).sort((a, b) => a.startedAt - b.startedAt)
    expect(runs.at(-1)!.outcome, id).toBe('completed')
    for (let i = 1; i < runs.length; i++) {
      expect(runs[i - 1]!.endedAt, id).not.toBeNull()
      expect(runs[i - 1]!.endedAt!, id).toBeLessThanOrEqual(runs[i]!.startedAt)
    }
  }
}
