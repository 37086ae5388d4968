/**
 * createTasks over random DAGs (fast-check) against a plain model (docs/api.md#createtasks):
 * a valid batch makes exactly its tasks — `ready` when every parent is satisfied, else
 * `todo` — with their parent links; a batch with a duplicate ref, a self edge, a cycle or
 * an unknown ref is refused with that code and leaves every key of the board as it was.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Board, KanbanError } from '../../src/index.js'
import { openBoard } from '../helpers/board.js'
import { snapshot } from './snapshot.js'

interface Node {
  ref: string
  title: string
  dependsOn?: string[]
}

/** A DAG: node i depends on some nodes before it, and maybe on existing tasks (done or not). */
const dag = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.tuple(
    ...Array.from({ length: n }, (_, i) =>
      fc.record({
        deps: fc.uniqueArray(fc.integer({ min: 0, max: Math.max(0, i - 1) }), { maxLength: i === 0 ? 0 : Math.min(i, 3) }),
        existing: fc.subarray(['done', 'open'] as const, { maxLength: 2 }),
      }),
    ),
  ),
)

const DEFECTS = ['DUPLICATE_REF', 'SELF_LINK', 'CYCLE', 'UNKNOWN_REF'] as const

async function refusal(p: Promise<unknown>): Promise<KanbanError> {
  try {
    await p
  } catch (e) {
    return e as KanbanError
  }
  throw new Error('expected a refusal')
}

describe('createTasks against a model', () => {
  it('a valid DAG makes its tasks with the model statuses and parents', async () => {
    const board = await openBoard('prop-dag')
    const done = await board.createTask({ title: 'done parent' })
    await board.completeTask(done)
    const open = await board.createTask({ title: 'open parent' })
    await fc.assert(
      fc.asyncProperty(dag, async (spec) => {
        const nodes: Node[] = spec.map((s, i) => {
          const deps = [...s.deps.map((d) => `n${d}`), ...s.existing.map((e) => (e === 'done' ? done : open))]
          return { ref: `n${i}`, title: `node ${i}`, ...(deps.length ? { dependsOn: deps } : {}) }
        })
        const ids = await board.createTasks(nodes)
        expect(Object.keys(ids).sort()).toEqual(nodes.map((n) => n.ref).sort())
        expect(new Set(Object.values(ids)).size).toBe(nodes.length)
        for (const [i, s] of spec.entries()) {
          const t = (await board.getTask(ids[`n${i}`]!))!
          // a parent of the batch is new, so unsatisfied; of the existing ones only `done` is satisfied
          const waits = s.deps.length > 0 || s.existing.includes('open')
          expect(t.status).toBe(waits ? 'todo' : 'ready')
          const parents = [...s.deps.map((d) => ids[`n${d}`]!), ...s.existing.map((e) => (e === 'done' ? done : open))]
          expect([...t.parents].sort()).toEqual(parents.sort())
        }
      }),
      { numRuns: 40 },
    )
  })

  it('a DAG with one defect is refused with its code and writes nothing', async () => {
    const board: Board = await openBoard('prop-bad')
    await board.createTask({ title: 'existing' })
    await fc.assert(
      fc.asyncProperty(dag, fc.constantFrom(...DEFECTS), fc.nat(), async (spec, defect, pick) => {
        const nodes: Node[] = spec.map((s, i) => ({ ref: `n${i}`, title: `node ${i}`, ...(s.deps.length ? { dependsOn: s.deps.map((d) => `n${d}`) } : {}) }))
        const at = pick % nodes.length
        const dep = (i: number, ref: string) => (nodes[i]!.dependsOn = [...(nodes[i]!.dependsOn ?? []), ref])
        if (defect === 'DUPLICATE_REF') nodes.push({ ref: nodes[at]!.ref, title: 'again' })
        if (defect === 'SELF_LINK') dep(at, nodes[at]!.ref)
        if (defect === 'UNKNOWN_REF') dep(at, `ghost-${pick}`)
        if (defect === 'CYCLE') {
          // close a loop: the last node depends on the first, and the first on the last
          if (nodes.length === 1) nodes.push({ ref: 'n1', title: 'loop', dependsOn: ['n0'] })
          dep(0, nodes[nodes.length - 1]!.ref)
          if (!nodes[nodes.length - 1]!.dependsOn?.includes('n0')) dep(nodes.length - 1, 'n0')
        }
        const before = await snapshot(board)
        const e = await refusal(board.createTasks(nodes))
        expect(e.code).toBe(defect)
        expect(e.message).toMatch(/^createTasks: /)
        expect(await snapshot(board)).toEqual(before)
      }),
      { numRuns: 60 },
    )
  })
})
