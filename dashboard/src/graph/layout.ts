/**
 * Layered layout of the task graph by ELK (elkjs), run in a Web Worker so that laying out
 * thousands of tasks never freezes the page. ELK was chosen over dagre for that and for how
 * it scales: 5,000 tasks / 6,665 edges took ELK 16–21 s where dagre (synchronous, on the page's
 * own thread) took over 390 s, measured side by side on a 2-core machine at load average 11–15
 * (the commit that added this file has the figures). The worker script (~1.6 MB, already
 * minified) is copied as it is and loaded only when the Graph view is opened.
 */
import ELK from 'elkjs/lib/elk-api.js'
import workerUrl from 'elkjs/lib/elk-worker.min.js?url'

export const NODE_W = 200
export const NODE_H = 48

let elk: InstanceType<typeof ELK> | null = null

export interface Positions {
  [id: string]: { x: number; y: number }
}

export async function layout(nodes: readonly { id: string }[], edges: readonly { from: string; to: string }[]): Promise<Positions> {
  elk ??= new ELK({ workerUrl })
  const big = nodes.length > 500
  const g = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': '14',
      'elk.layered.spacing.nodeNodeBetweenLayers': '48',
      'elk.spacing.componentComponent': '40',
      // fewer crossing-minimisation sweeps on a big graph: a layout in seconds, not minutes
      'elk.layered.thoroughness': big ? '1' : '7',
      'elk.layered.nodePlacement.strategy': big ? 'SIMPLE' : 'BRANDES_KOEPF',
    },
    children: nodes.map((n) => ({ id: n.id, width: NODE_W, height: NODE_H })),
    edges: edges.map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to] })),
  })
  const out: Positions = {}
  for (const c of g.children ?? []) out[c.id] = { x: c.x ?? 0, y: c.y ?? 0 }
  return out
}
