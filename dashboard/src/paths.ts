/**
 * The page routes by its hash (`#/<board>/<view>[/<id>][?query]`), so every view has a URL
 * to share and reload, and the server only ever serves one file.
 */
export const VIEWS = ['board', 'needs', 'task', 'graph', 'fleet'] as const
export type View = (typeof VIEWS)[number]

export interface Route {
  board: string | null
  view: View
  /** the task of the task view */
  id: string | null
  params: URLSearchParams
}

export function parseHash(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?', 2)
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent)
  const view = (VIEWS as readonly string[]).includes(parts[1] ?? '') ? (parts[1] as View) : 'needs'
  return { board: parts[0] ?? null, view, id: view === 'task' ? (parts[2] ?? null) : null, params: new URLSearchParams(query) }
}

export function href(board: string, view: View, id?: string | null, params?: Record<string, string | undefined>): string {
  let h = `#/${encodeURIComponent(board)}/${view}`
  if (id) h += `/${encodeURIComponent(id)}`
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params ?? {})) if (v) q.set(k, v)
  const s = q.toString()
  return s ? `${h}?${s}` : h
}

export const taskHref = (board: string, id: string) => href(board, 'task', id)
