/**
 * The HTTP API's metrics (docs/operations.md#metrics): request durations by route, the
 * successful writes by action and role, and the waits on a person an operator resolves —
 * for those few routes, the task is read before and after the call, so the wait's kind and
 * length are the board's, not guessed from the route.
 */
import type { MiddlewareHandler } from 'hono'
import type { Board } from '../board.js'
import type { Env } from '../http/define.js'
import type { HttpMetrics } from './hooks.js'
import { humanKind, waitStarts, type HumanKind } from './humanWait.js'

/** task routes that may end a wait on a person */
const RESOLVING = /^\/api\/boards\/([^/]+)\/tasks\/([^/]+)\/(unblock|promote|complete|request-changes|specify|archive)$/
/** task routes that may start one */
const OPENING = /^\/api\/boards\/([^/]+)\/tasks\/([^/]+)\/(block|review)$/

interface Wait {
  kind: HumanKind
  since: number
}

async function waitOf(board: Board, id: string): Promise<Wait | null> {
  const t = await board.getTask(id)
  const kind = t ? humanKind(t.status, t.sticky) : null
  if (!t || !kind) return null
  const [since] = await waitStarts(board.redis, board.keys, kind, [t.id])
  return { kind, since: since! }
}

export function httpMetrics(m: HttpMetrics, boards: { has(b: string): boolean; reader(b: string): Board }): MiddlewareHandler<Env> {
  return async (c, next) => {
    const t0 = performance.now()
    const post = c.req.method === 'POST'
    const resolving = post ? RESOLVING.exec(c.req.path) : null
    const opening = post ? OPENING.exec(c.req.path) : null
    const board = (resolving ?? opening)?.[1]
    const id = decodeURIComponent((resolving ?? opening)?.[2] ?? '')
    const handle = board !== undefined && boards.has(board) ? boards.reader(board) : null
    // a metrics read that fails must not fail the request
    const before = resolving && handle ? await waitOf(handle, id).catch(() => null) : null
    await next()
    const tag = c.get('route')
    const status = c.res.status
    m.request(c.req.method, tag?.path ?? 'other', status, (performance.now() - t0) / 1000)
    if (!tag || status >= 400 || c.req.method === 'GET') return
    const principal = c.get('principal')
    const boardName = c.get('board')
    if (principal && boardName) m.action(boardName, tag.op, principal.role)
    if (!handle || (!before && !opening)) return
    const after = await waitOf(handle, id).catch(() => undefined)
    if (after === undefined) return
    if (before && after?.kind !== before.kind) {
      const now = await handle.now().catch(() => null)
      m.humanResolved(handle.name, before.kind, now === null ? null : (now - before.since) / 1000)
    }
    if (opening && after) m.humanOpened(handle.name, after.kind)
  }
}
