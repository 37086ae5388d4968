/**
 * The page's one door to `kanban serve` (docs/http-api.md). Paths are relative, so the page
 * works wherever the server mounts it; the session cookie rides along (same origin).
 */
import type { BoardSettings, BoardStats, BulkRequest, BulkResult, Fleet, GraphData, Me, NeedsYou, Task, TaskDetail, TaskPage } from './types.js'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly retryAfterS?: number,
  ) {
    super(message)
  }
}

type Listener = () => void
const unauthenticated = new Set<Listener>()

/** Called when any request answers 401: the session is gone, the page shows the login. */
export function onUnauthenticated(fn: Listener): () => void {
  unauthenticated.add(fn)
  return () => unauthenticated.delete(fn)
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`api/${path}`, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (res.status === 204) return undefined as T
  const text = await res.text()
  let json: any = null
  try {
    json = text ? JSON.parse(text) : null
  } catch {
    // a proxy's HTML error page: reported below by status
  }
  if (!res.ok) {
    const e = json?.error ?? {}
    const retry = Number(res.headers.get('retry-after'))
    if (res.status === 401 && path !== 'login') for (const fn of unauthenticated) fn()
    throw new ApiError(
      res.status,
      e.code ?? `HTTP_${res.status}`,
      e.message ?? `${res.status} ${res.statusText}`,
      e.field,
      Number.isFinite(retry) ? retry : undefined,
    )
  }
  return json as T
}

const b = (board: string) => `boards/${encodeURIComponent(board)}`
const t = (board: string, id: string) => `${b(board)}/tasks/${encodeURIComponent(id)}`

function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
  const s = q.toString()
  return s ? `?${s}` : ''
}

export interface TaskQuery {
  status?: string
  q?: string
  limit?: number
  after?: string | null
  includeArchived?: boolean
}

export interface GraphQuery {
  root?: string
  depth?: number
  direction?: 'up' | 'down' | 'both'
  maxNodes?: number
  blockingPath?: boolean
}

export const api = {
  login: (token: string) => request<Me>('POST', 'login', { token }),
  logout: () => request<void>('POST', 'logout', {}),
  me: () => request<Me>('GET', 'me'),
  boards: () => request<{ boards: string[] }>('GET', 'boards'),

  tasks: (board: string, q: TaskQuery) =>
    request<TaskPage>(
      'GET',
      `${b(board)}/tasks${query({ status: q.status, q: q.q, limit: q.limit, after: q.after, includeArchived: q.includeArchived || undefined })}`,
    ),
  detail: (board: string, id: string, events = 50) => request<TaskDetail>('GET', `${t(board, id)}/detail${query({ events })}`),
  needsYou: (board: string, limit = 50) => request<NeedsYou>('GET', `${b(board)}/needs-you${query({ limit })}`),
  graph: (board: string, g: GraphQuery) =>
    request<GraphData>(
      'GET',
      `${b(board)}/graph${query({ root: g.root, depth: g.depth, direction: g.direction, maxNodes: g.maxNodes, blockingPath: g.blockingPath ? 1 : undefined })}`,
    ),
  fleet: (board: string) => request<Fleet>('GET', `${b(board)}/fleet`),
  stats: (board: string) => request<BoardStats>('GET', `${b(board)}/stats`),
  settings: (board: string) => request<BoardSettings>('GET', `${b(board)}/settings`),

  /** `POST …/tasks/{id}/{action}`: unblock, specify, promote, reclaim, request-changes, rerun, archive, … */
  act: (board: string, id: string, action: string, body: Record<string, unknown> = {}) =>
    request<{ ok: boolean; task: Task }>('POST', `${t(board, id)}/${action}`, body),
  update: (board: string, id: string, patch: Record<string, unknown>) => request<{ ok: boolean; task: Task }>('PATCH', t(board, id), patch),
  remove: (board: string, id: string) => request<{ ok: boolean; id: string }>('DELETE', t(board, id)),
  comment: (board: string, id: string, body: string) => request<{ eventId: number }>('POST', `${t(board, id)}/comments`, { body }),
  bulk: (board: string, input: BulkRequest) => request<BulkResult>('POST', `${b(board)}/bulk`, input),
}

/** The message to show for a failed call: the server's, with the field it names. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 429 && e.retryAfterS) return `${e.message} (try again in ${e.retryAfterS} s)`
    return e.message
  }
  return e instanceof Error ? e.message : String(e)
}
