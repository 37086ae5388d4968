/**
 * Random sequences of operations (fast-check) on a small random DAG against a model of the
 * statuses (docs/lifecycle.md#transitions): claim, complete, block, unblock and a counted
 * failure, with the board's failure limit 2, no retry backoff and the default block
 * recurrence limit 2. After every step each task's status — and what the call returned —
 * is the model's.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Board } from '../../src/index.js'
import { openBoard } from '../helpers/board.js'

const FAILURE_LIMIT = 2

interface M {
  status: string
  parents: number[]
  sticky: boolean
  failures: number
  /** blocks without a kind since the last completion */
  blocks: number
  runId?: string
}

type Op = { op: 'claim' | 'complete' | 'block' | 'unblock' | 'fail'; task: number }

const satisfied = (m: M[], i: number) => m[i]!.parents.every((p) => m[p]!.status === 'done')

/** The model's answer to one op: the return value it expects, and the statuses after it. */
function step(m: M[], { op, task }: Op): unknown {
  const t = m[task]!
  switch (op) {
    case 'claim':
      if (t.status !== 'ready') return null
      t.status = 'running'
      return 'claim'
    case 'complete': {
      if (!['running', 'ready', 'blocked'].includes(t.status)) return false
      Object.assign(t, { status: 'done', sticky: false, failures: 0, blocks: 0 })
      delete t.runId
      for (const c of m) {
        if (!c.parents.includes(task) || !satisfied(m, m.indexOf(c))) continue
        if (c.status === 'todo' || (c.status === 'blocked' && !c.sticky && c.failures < FAILURE_LIMIT)) c.status = 'ready'
      }
      return true
    }
    case 'block':
      if (t.status !== 'running' && t.status !== 'ready') return false
      t.blocks++
      t.status = t.blocks >= 2 ? 'triage' : 'blocked'
      t.sticky = t.status === 'blocked'
      delete t.runId
      return true
    case 'unblock':
      if (t.status !== 'blocked') return false
      Object.assign(t, { status: satisfied(m, task) ? 'ready' : 'todo', sticky: false, failures: 0 })
      return true
    case 'fail':
      // only a running task's failure, through its run (a worker's)
      if (t.status !== 'running') return 'skip'
      t.failures++
      t.status = t.failures >= FAILURE_LIMIT ? 'blocked' : 'ready'
      t.sticky = false
      delete t.runId
      return t.failures >= FAILURE_LIMIT
  }
}

async function apply(board: Board, m: M[], ids: string[], { op, task }: Op): Promise<unknown> {
  const id = ids[task]!
  const t = m[task]!
  switch (op) {
    case 'claim': {
      const c = await board.claimTask(id, { claimer: 'prop' })
      if (c) t.runId = c.runId
      return c ? 'claim' : null
    }
    case 'complete':
      return board.completeTask(id, t.runId ? { runId: t.runId } : {})
    case 'block':
      return board.blockTask(id, { reason: 'prop', ...(t.runId ? { runId: t.runId } : {}) })
    case 'unblock':
      return board.unblockTask(id)
    case 'fail':
      if (t.status !== 'running') return 'skip'
      return (await board.recordFailure(id, { runId: t.runId!, outcome: 'crashed', error: 'prop' })).tripped
  }
}

const scenario = fc.integer({ min: 1, max: 5 }).chain((n) =>
  fc.record({
    parents: fc.tuple(
      ...Array.from({ length: n }, (_, i) =>
        fc.subarray(
          Array.from({ length: i }, (_, k) => k),
          { maxLength: Math.min(i, 2) },
        ),
      ),
    ),
    ops: fc.array(fc.record({ op: fc.constantFrom('claim', 'complete', 'block', 'unblock', 'fail') as fc.Arbitrary<Op['op']>, task: fc.nat({ max: n - 1 }) }), {
      minLength: 1,
      maxLength: 25,
    }),
  }),
)

describe('operation sequences against a model of statuses', () => {
  it('every status and every answer is the model’s', async () => {
    const board = await openBoard('prop-ops')
    await board.configure({ failureLimit: FAILURE_LIMIT, retryBackoffMs: 0 })
    await fc.assert(
      fc.asyncProperty(scenario, async ({ parents, ops }) => {
        const made = await board.createTasks(
          parents.map((ps, i) => ({ ref: `n${i}`, title: `n${i}`, ...(ps.length ? { dependsOn: ps.map((p) => `n${p}`) } : {}) })),
        )
        const ids = parents.map((_, i) => made[`n${i}`]!)
        const m: M[] = parents.map((ps) => ({ status: ps.length ? 'todo' : 'ready', parents: ps, sticky: false, failures: 0, blocks: 0 }))
        for (const [k, o] of ops.entries()) {
          // the run id the call needs is the one before the model moves on
          const got = await apply(board, m, ids, o)
          const want = step(m, o)
          expect(got, `step ${k}: ${o.op} n${o.task}`).toEqual(want)
          const statuses = await Promise.all(ids.map(async (id) => (await board.getTask(id))!.status))
          expect(statuses, `after step ${k}: ${o.op} n${o.task}`).toEqual(m.map((t) => t.status))
        }
      }),
      { numRuns: 100 },
    )
  })
})
