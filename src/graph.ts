/**
 * Whole-DAG validation for createTasks, done completely before anything is written:
 * duplicate refs, self edges and cycles (the error names the path). Pure code.
 */
import { ValidationError, show } from './errors.js'

export interface PlanNode {
  ref: string
  /** entries naming another node of the batch */
  refDeps: string[]
  /** entries naming tasks that must already exist */
  idDeps: string[]
}

/**
 * Splits each node's dependsOn into batch refs and existing ids and returns the nodes in
 * topological order (parents first; ties keep input order).
 */
export function planBatch(nodes: { ref: string; dependsOn?: string[]; parents?: string[] }[]): PlanNode[] {
  const byRef = new Map<string, number>()
  nodes.forEach((n, i) => {
    if (byRef.has(n.ref)) {
      throw new ValidationError(
        'DUPLICATE_REF',
        `createTasks: nodes[${i}].ref: expected a ref unique in the batch, got ${show(n.ref)} again (first at nodes[${byRef.get(n.ref)}])`,
        { ref: n.ref },
      )
    }
    byRef.set(n.ref, i)
  })
  const plan: PlanNode[] = nodes.map((n, i) => {
    const refDeps: string[] = []
    const idDeps = [...(n.parents ?? [])]
    for (const d of n.dependsOn ?? []) {
      if (d === n.ref) {
        throw new ValidationError('SELF_LINK', `createTasks: nodes[${i}].dependsOn: expected other nodes, got a self edge on ${show(d)}`, {
          ref: d,
        })
      }
      if (byRef.has(d)) refDeps.push(d)
      else idDeps.push(d)
    }
    return { ref: n.ref, refDeps: [...new Set(refDeps)], idDeps: [...new Set(idDeps)] }
  })

  // Kahn's algorithm over batch edges; whatever is left over sits on or behind a cycle.
  const indegree = plan.map((p) => p.refDeps.length)
  const dependents = new Map<string, number[]>()
  plan.forEach((p, i) => p.refDeps.forEach((d) => dependents.set(d, [...(dependents.get(d) ?? []), i])))
  const queue = plan.flatMap((_, i) => (indegree[i] === 0 ? [i] : []))
  const order: PlanNode[] = []
  for (let h = 0; h < queue.length; h++) {
    const i = queue[h]!
    order.push(plan[i]!)
    for (const j of dependents.get(plan[i]!.ref) ?? []) if (--indegree[j]! === 0) queue.push(j)
  }
  if (order.length < plan.length) {
    const path = findCycle(plan, byRef, indegree)
    throw new ValidationError('CYCLE', `createTasks: dependsOn: expected an acyclic graph, got a cycle ${path.join(' -> ')}`, { path })
  }
  return order
}

/** Walks dependsOn edges among the unresolved nodes until a node repeats. */
function findCycle(plan: PlanNode[], byRef: Map<string, number>, indegree: number[]): string[] {
  let i = indegree.findIndex((d) => d > 0)
  const seenAt = new Map<number, number>()
  const walk: number[] = []
  while (!seenAt.has(i)) {
    seenAt.set(i, walk.length)
    walk.push(i)
    const next = plan[i]!.refDeps.map((r) => byRef.get(r)!).find((j) => indegree[j]! > 0)
    i = next!
  }
  // walk follows child -> parent; report it parent -> child like linkTasks does
  const cycle = walk.slice(seenAt.get(i)!).map((j) => plan[j]!.ref)
  cycle.reverse()
  return [...cycle, cycle[0]!]
}
