import { describe, expect, it } from 'vitest'
import { planBatch } from '../../src/graph.js'
import { ValidationError } from '../../src/errors.js'

type N = { ref: string; dependsOn?: string[]; parents?: string[] }

/** The error planBatch throws, or a test failure when it does not throw. */
function rejection(nodes: N[]): ValidationError {
  try {
    planBatch(nodes)
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError)
    return e as ValidationError
  }
  throw new Error('planBatch accepted the batch')
}

/** Asserts a reported cycle is a closed walk along real parent -> child edges. */
function expectRealCycle(nodes: N[], path: string[]): void {
  expect(path[0]).toBe(path.at(-1))
  for (let i = 0; i + 1 < path.length; i++) {
    const child = nodes.find((n) => n.ref === path[i + 1])!
    expect(child.dependsOn, `${path[i]} -> ${path[i + 1]}`).toContain(path[i])
  }
}

describe('planBatch', () => {
  it('orders parents before children, keeping input order among independent nodes', () => {
    const plan = planBatch([{ ref: 'deploy', dependsOn: ['build', 'test'] }, { ref: 'test', dependsOn: ['build'] }, { ref: 'docs' }, { ref: 'build' }])
    expect(plan.map((p) => p.ref)).toEqual(['docs', 'build', 'test', 'deploy'])
    expect(planBatch([{ ref: 'x' }, { ref: 'y' }, { ref: 'z' }]).map((p) => p.ref)).toEqual(['x', 'y', 'z'])
  })

  it('splits dependsOn into batch refs and existing ids, merged with parents, without duplicates', () => {
    const plan = planBatch([
      { ref: 'a', dependsOn: ['t7'] },
      { ref: 'b', dependsOn: ['a', 't7', 'a', 't8'], parents: ['t9', 't7'] },
    ])
    expect(plan).toEqual([
      { ref: 'a', refDeps: [], idDeps: ['t7'] },
      { ref: 'b', refDeps: ['a'], idDeps: ['t9', 't7', 't8'] },
    ])
  })

  it('a ref shadows an existing id of the same name (refs win)', () => {
    const plan = planBatch([{ ref: 't1' }, { ref: 'b', dependsOn: ['t1'] }])
    expect(plan[1]).toEqual({ ref: 'b', refDeps: ['t1'], idDeps: [] })
  })

  it('DUPLICATE_REF names both positions', () => {
    const e = rejection([{ ref: 'a' }, { ref: 'b' }, { ref: 'a' }])
    expect(e.code).toBe('DUPLICATE_REF')
    expect(e.details).toEqual({ ref: 'a' })
    expect(e.message).toBe('createTasks: nodes[2].ref: expected a ref unique in the batch, got "a" again (first at nodes[0])')
  })

  it('SELF_LINK on a node that depends on itself', () => {
    const e = rejection([{ ref: 'a' }, { ref: 'b', dependsOn: ['a', 'b'] }])
    expect(e.code).toBe('SELF_LINK')
    expect(e.details).toEqual({ ref: 'b' })
    expect(e.message).toBe('createTasks: nodes[1].dependsOn: expected other nodes, got a self edge on "b"')
  })

  it('CYCLE of two names the path parent -> child -> parent', () => {
    const nodes = [
      { ref: 'a', dependsOn: ['b'] },
      { ref: 'b', dependsOn: ['a'] },
    ]
    const e = rejection(nodes)
    expect(e.code).toBe('CYCLE')
    expect(e.details.path).toEqual(['b', 'a', 'b'])
    expect(e.message).toBe('createTasks: dependsOn: expected an acyclic graph, got a cycle b -> a -> b')
    expectRealCycle(nodes, e.details.path as string[])
  })

  it('CYCLE of three: a closed walk along real edges, in parent -> child direction', () => {
    // edges: c -> a -> b -> c
    const nodes = [
      { ref: 'a', dependsOn: ['c'] },
      { ref: 'b', dependsOn: ['a'] },
      { ref: 'c', dependsOn: ['b'] },
    ]
    const e = rejection(nodes)
    expect(e.details.path).toEqual(['b', 'c', 'a', 'b'])
    expect(e.message).toContain('got a cycle b -> c -> a -> b')
    expectRealCycle(nodes, e.details.path as string[])
  })

  it('the cycle path leaves out nodes that only hang behind the cycle', () => {
    const nodes = [{ ref: 'tail', dependsOn: ['x'] }, { ref: 'ok' }, { ref: 'x', dependsOn: ['y'] }, { ref: 'y', dependsOn: ['x', 'ok'] }]
    const path = rejection(nodes).details.path as string[]
    expect(new Set(path)).toEqual(new Set(['x', 'y']))
    expect(path).toHaveLength(3)
    expectRealCycle(nodes, path)
  })

  it('existing ids never take part in the cycle check (they cannot depend on the batch)', () => {
    expect(
      planBatch([
        { ref: 'a', dependsOn: ['t1'] },
        { ref: 'b', dependsOn: ['a', 't1'] },
      ]).map((p) => p.ref),
    ).toEqual(['a', 'b'])
  })

  it('handles a large chain without recursion limits', () => {
    const nodes = Array.from({ length: 5000 }, (_, i) => ({ ref: `n${i}`, dependsOn: i ? [`n${i - 1}`] : [] })).reverse()
    const plan = planBatch(nodes)
    expect(plan[0]!.ref).toBe('n0')
    expect(plan.at(-1)!.ref).toBe('n4999')
  })
})
