/**
 * The dependency graph around a task, or of the board: statuses as colours (and words),
 * sticky and breaker badges, the path that holds a chosen task back highlighted. Every read
 * is bounded; "load more" reads around a frontier node, or the board's graph with a larger
 * bound, up to 5,000 tasks. Loaded on demand (React Flow and ELK are not in the main bundle).
 */
import { Background, Controls, Handle, MiniMap, Position, ReactFlow, useReactFlow, type Edge, type Node, type NodeProps } from '@xyflow/react'
import '@xyflow/react/dist/style.css'
import { memo, useEffect, useMemo, useRef, useState, type FormEvent } from 'react'
import { api, errorText } from '../api.js'
import { STATUS_LABEL, plural } from '../format.js'
import { NODE_H, NODE_W, layout, type Positions } from '../graph/layout.js'
import { BOARD_STEPS, blockingEdges, mergeReads, nextBoardStep, shapeKey, type GraphQueryKey } from '../graph/model.js'
import { useLiveData } from '../hooks.js'
import { href, navigate, taskHref } from '../route.js'
import { useSession } from '../session.js'
import { STATUSES, type GraphNode, type Status } from '../types.js'

type NodeData = { node: GraphNode; frontier: boolean; blocking: boolean; root: boolean }
type TaskNodeT = Node<NodeData, 'task'>

const TaskNode = memo(function TaskNode({ data }: NodeProps<TaskNodeT>) {
  const n = data.node
  return (
    <div className={`gnode status-${n.status}${data.blocking ? ' on-path' : ''}${data.root ? ' root' : ''}`} data-task={n.id} data-status={n.status}>
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <span className="gtitle">{n.title}</span>
      <span className="gmeta">
        {n.id} · {STATUS_LABEL[n.status]}
        {n.sticky && <span className="badge sticky">sticky</span>}
        {n.breaker && (
          <span className="badge breaker">
            breaker {n.failures}/{n.limit}
          </span>
        )}
        {data.frontier && (
          <span className="badge more" title="Has neighbours not loaded yet">
            +
          </span>
        )}
      </span>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  )
})
const NODE_TYPES = { task: TaskNode }
/** the minimap paints with attributes, not CSS: the stylesheet's status colours */
const STATUS_COLOUR: Record<Status, string> = {
  triage: '#7c3aed',
  todo: '#64748b',
  scheduled: '#0f766e',
  ready: '#2563eb',
  running: '#b45309',
  blocked: '#dc2626',
  review: '#be185d',
  done: '#15803d',
  archived: '#6b7280',
}

/** Above this many tasks the view opens on a part of the graph, not all of it: tasks too small to read cost as much to draw. */
const FIT_ALL_MAX = 400

/**
 * After each new layout: fit the whole graph when it is small; else the chosen task with what
 * holds it back, or the graph's top-left corner — the minimap and panning reach the rest, and
 * only the tasks in view are drawn.
 */
function FitOnLayout(props: { positions: Positions; focus: string[] }) {
  const flow = useReactFlow()
  useEffect(() => {
    const ids = Object.keys(props.positions)
    if (ids.length === 0) return
    let nodes: { id: string }[] | undefined
    if (ids.length > FIT_ALL_MAX) {
      const focus = props.focus.filter((id) => props.positions[id])
      nodes = (focus.length > 0 ? focus : ids.sort((a, b) => corner(props.positions[a]!) - corner(props.positions[b]!)).slice(0, 40)).map((id) => ({ id }))
    }
    const t = requestAnimationFrame(() => void flow.fitView({ maxZoom: 1.2, ...(nodes ? { nodes } : {}) }))
    return () => cancelAnimationFrame(t)
    // the focus is read when a layout lands, not followed
  }, [props.positions, flow])
  return null
}
const corner = (p: { x: number; y: number }) => p.x + p.y
/** bounds of one read: around a task, and up the path that holds it back */
const AROUND = 300
const PATH_MAX = 500

export function GraphView(props: { root: string }) {
  const { board } = useSession()
  const root = props.root.trim() || undefined
  const [depth, setDepth] = useState(3)
  const [direction, setDirection] = useState<'up' | 'down' | 'both'>('both')
  const [boardMax, setBoardMax] = useState<number>(BOARD_STEPS[0])
  const [expanded, setExpanded] = useState<string[]>([])
  const [rootText, setRootText] = useState(props.root)
  const [selected, setSelected] = useState<string | null>(root ?? null)
  useEffect(() => {
    setRootText(props.root)
    setExpanded([])
    setSelected(props.root || null)
  }, [props.root])

  const queries = useMemo<GraphQueryKey[]>(() => {
    const around = expanded.map((id) => ({ root: id, depth: 2, direction: 'both' as const, maxNodes: AROUND }))
    if (!root) return [{ maxNodes: boardMax }, ...around]
    // what holds the task back is read as deep as the API allows, whatever depth the view shows around it
    return [{ root, depth: 20, direction: 'up', maxNodes: PATH_MAX, blockingPath: true }, { root, depth, direction, maxNodes: AROUND }, ...around]
  }, [root, depth, direction, boardMax, expanded])

  const ids = useRef(new Set<string>())
  const reads = useLiveData(
    board,
    () => Promise.all(queries.map((q) => api.graph(board, q))),
    [board, queries],
    (e) => ids.current.has(e.taskId ?? '') || ['created', 'deleted', 'linked', 'unlinked'].includes(e.kind),
    1500,
  )
  const merged = useMemo(() => mergeReads(reads.data ?? [], new Set(expanded)), [reads.data, expanded])
  ids.current = new Set(merged.nodes.keys())

  // lay out again only when the shape changes; a status change only repaints
  const shape = shapeKey(merged)
  const [positions, setPositions] = useState<Positions>({})
  const [laying, setLaying] = useState(false)
  const [layoutError, setLayoutError] = useState<string | null>(null)
  useEffect(() => {
    if (merged.nodes.size === 0) return
    let live = true
    setLaying(true)
    layout([...merged.nodes.values()], [...merged.edges.values()]).then(
      (p) => live && (setPositions(p), setLaying(false), setLayoutError(null)),
      (e: unknown) => live && (setLaying(false), setLayoutError(errorText(e))),
    )
    return () => {
      live = false
    }
  }, [shape])

  const onPath = blockingEdges(merged, root)
  const nodes: TaskNodeT[] = useMemo(
    () =>
      [...merged.nodes.values()]
        .filter((n) => positions[n.id])
        .map((n) => ({
          id: n.id,
          type: 'task' as const,
          position: positions[n.id]!,
          width: NODE_W,
          height: NODE_H,
          selected: n.id === selected,
          data: { node: n, frontier: merged.frontier.has(n.id), blocking: merged.blocking.has(n.id), root: n.id === root },
        })),
    [merged, positions, selected, root],
  )
  const edges: Edge[] = useMemo(
    () =>
      [...merged.edges.entries()]
        .filter(([, e]) => positions[e.from] && positions[e.to])
        .map(([k, e]) => ({ id: k, source: e.from, target: e.to, animated: onPath.has(k), className: onPath.has(k) ? 'on-path' : undefined })),
    [merged, positions],
  )

  function center(e: FormEvent) {
    e.preventDefault()
    navigate(href(board, 'graph', null, { root: rootText.trim() || undefined }))
  }
  const sel = selected ? merged.nodes.get(selected) : undefined
  const nextStep = nextBoardStep(boardMax)
  const blockingPath = [...merged.blocking]
    .filter((id) => id !== root)
    .map((id) => merged.nodes.get(id))
    .filter((n): n is GraphNode => !!n)
    // furthest first: the task at the top of the path is usually the one to act on
    .sort((a, b) => b.depth - a.depth || a.id.localeCompare(b.id, undefined, { numeric: true }))

  return (
    <section className="graph-view" aria-labelledby="graph-title">
      <div className="view-head">
        <h1 id="graph-title">Graph</h1>
        <form className="graph-controls" onSubmit={center}>
          <label>
            Around task <input value={rootText} placeholder="t12 (empty: the board)" onChange={(e) => setRootText(e.target.value)} size={14} />
          </label>
          <button type="submit">Show</button>
          {root && (
            <>
              <label>
                Depth{' '}
                <select value={depth} onChange={(e) => setDepth(Number(e.target.value))}>
                  {[1, 2, 3, 5, 8, 12, 20].map((d) => (
                    <option key={d}>{d}</option>
                  ))}
                </select>
              </label>
              <label>
                Direction{' '}
                <select value={direction} onChange={(e) => setDirection(e.target.value as typeof direction)}>
                  <option value="both">parents and children</option>
                  <option value="up">parents</option>
                  <option value="down">children</option>
                </select>
              </label>
            </>
          )}
          {!root && nextStep && (
            <button type="button" onClick={() => setBoardMax(nextStep)} disabled={reads.loading}>
              Load more (up to {nextStep.toLocaleString()})
            </button>
          )}
        </form>
      </div>
      <p className="summary" role="status">
        {plural(merged.nodes.size, 'task')}, {plural(merged.edges.size, 'edge')}
        {merged.truncated || merged.frontier.size > 0 ? ` — more beyond ${plural(merged.frontier.size, 'frontier task')} (marked +)` : ''}
        {reads.loading ? ' — reading…' : laying ? ` — laying out ${merged.nodes.size.toLocaleString()} tasks…` : ''}
      </p>
      {reads.error != null && <p className="error">{errorText(reads.error)}</p>}
      {layoutError && <p className="error">Layout failed: {layoutError}</p>}
      <div className="graph-body">
        <div className="canvas" aria-label="Task graph (see the list beside it)">
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={NODE_TYPES}
            onNodeClick={(_, n) => setSelected(n.id)}
            onNodeDoubleClick={(_, n) => navigate(taskHref(board, n.id))}
            nodesDraggable={false}
            nodesConnectable={false}
            onlyRenderVisibleElements
            minZoom={0.02}
            proOptions={{ hideAttribution: true }}
          >
            <Background />
            <Controls showInteractive={false} />
            <FitOnLayout positions={positions} focus={root ? [root, ...merged.blocking] : []} />
            <MiniMap pannable zoomable nodeColor={(n) => STATUS_COLOUR[(n.data as NodeData).node.status]} />
          </ReactFlow>
        </div>
        <aside className="graph-side" aria-label="Selected task and legend">
          {sel ? (
            <div className="selected" data-task={sel.id}>
              <h2>{sel.title}</h2>
              <p>
                <span className="id">{sel.id}</span> · {STATUS_LABEL[sel.status]} · {sel.assignee ?? 'unassigned'} · failures {sel.failures}/{sel.limit}
                {sel.sticky ? ' · sticky' : ''}
                {sel.breaker ? ' · breaker open' : ''}
              </p>
              <p className="links">
                <a href={taskHref(board, sel.id)}>Open task</a> <a href={href(board, 'graph', null, { root: sel.id })}>Center here</a>
                {merged.frontier.has(sel.id) && (
                  <button type="button" onClick={() => setExpanded((x) => [...x, sel.id])}>
                    Load around it
                  </button>
                )}
              </p>
            </div>
          ) : (
            <p className="hint">Click a task to select it; double-click to open it.</p>
          )}
          {root && (
            <div className="path">
              <h2>What holds {root} back</h2>
              {blockingPath.length === 0 ? (
                <p className="empty">Nothing upstream: no unfinished ancestor.</p>
              ) : (
                <ul className="blocking-list">
                  {blockingPath.map((n) => (
                    <li key={n.id} data-task={n.id}>
                      <a href={taskHref(board, n.id)}>{n.title}</a> <span className="id">{n.id}</span> — {STATUS_LABEL[n.status]}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
          <h2>Legend</h2>
          <ul className="legend">
            {STATUSES.map((s) => (
              <li key={s}>
                <span className={`swatch status-${s}`} aria-hidden="true" /> {STATUS_LABEL[s]}
              </li>
            ))}
            <li>
              <span className="swatch on-path" aria-hidden="true" /> on the blocking path
            </li>
          </ul>
        </aside>
      </div>
    </section>
  )
}
