/**
 * The graph the page holds: what the reads it made returned, merged. Each read is bounded by
 * the server (maxNodes); the page loads more by reading again around a frontier node, or
 * with a larger bound for the board's graph. Pure, so it is tested without a browser.
 */
import type { GraphData, GraphEdge, GraphNode } from '../types.js'

export interface GraphQueryKey {
  root?: string
  depth?: number
  direction?: 'up' | 'down' | 'both'
  maxNodes: number
  blockingPath?: boolean
}

export interface Merged {
  nodes: Map<string, GraphNode>
  edges: Map<string, GraphEdge>
  /** nodes with neighbours not loaded yet, less those already expanded */
  frontier: Set<string>
  /** the path that holds the root back (the reads that asked for it) */
  blocking: Set<string>
  truncated: boolean
}

export const edgeKey = (e: GraphEdge) => `${e.from}>${e.to}`

export function emptyGraph(): Merged {
  return { nodes: new Map(), edges: new Map(), frontier: new Set(), blocking: new Set(), truncated: false }
}

/** Merge reads in order: later reads overwrite a node's fields (fresher status). */
export function mergeReads(reads: readonly GraphData[], expanded: ReadonlySet<string>): Merged {
  const g = emptyGraph()
  for (const r of reads) {
    for (const n of r.nodes) g.nodes.set(n.id, n)
    for (const e of r.edges) g.edges.set(edgeKey(e), e)
    for (const f of r.frontier) g.frontier.add(f)
    for (const b of r.blocking ?? []) g.blocking.add(b)
    g.truncated ||= r.truncated
  }
  for (const id of expanded) g.frontier.delete(id)
  // a node is no longer on the frontier once a later read brought its neighbours
  for (const id of [...g.frontier]) if (!g.nodes.has(id)) g.frontier.delete(id)
  return g
}

/** The shape of the graph (what the layout depends on): node and edge ids, sorted. */
export function shapeKey(g: Merged): string {
  return `${[...g.nodes.keys()].sort().join(',')}|${[...g.edges.keys()].sort().join(',')}`
}

/** Edges on the blocking path: both ends on it (the root counts as on it). */
export function blockingEdges(g: Merged, root: string | undefined): Set<string> {
  const on = new Set(g.blocking)
  if (root) on.add(root)
  const out = new Set<string>()
  if (g.blocking.size === 0) return out
  for (const [k, e] of g.edges) if (on.has(e.from) && on.has(e.to)) out.add(k)
  return out
}

/** The bounds the board's graph grows through on "load more". */
export const BOARD_STEPS = [300, 1000, 2500, 5000] as const

export function nextBoardStep(current: number): number | null {
  return BOARD_STEPS.find((s) => s > current) ?? null
}
