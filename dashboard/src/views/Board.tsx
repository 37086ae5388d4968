/**
 * The board: a column per status with its count, each column paged from the server; the
 * search box sends its text to the server (qualifiers status:, lane:, tenant:, breaker:open,
 * sticky:yes, id:, and free words).
 */
import { useEffect, useState, type FormEvent } from 'react'
import { api, errorText } from '../api.js'
import { TaskCard } from '../components/TaskCard.js'
import { STATUS_LABEL } from '../format.js'
import { useLiveData, useNow } from '../hooks.js'
import { href, navigate } from '../route.js'
import { useSession } from '../session.js'
import { columnsFor } from '../search.js'
import type { KanbanEvent, Status, Task } from '../types.js'

const PAGE = 50
/** a column re-reads what it shows in one request, up to the API's page bound */
const MAX_RELOAD = 500
/** Events that leave every card as it was. */
const quiet = (e: KanbanEvent) => e.kind === 'heartbeat' || e.kind === 'commented'

export function BoardView(props: { query: string }) {
  const { board } = useSession()
  const [text, setText] = useState(props.query)
  useEffect(() => setText(props.query), [props.query])
  const stats = useLiveData(
    board,
    () => api.stats(board),
    [board],
    (e) => !quiet(e),
    1000,
  )
  const columns = columnsFor(props.query)

  function search(e: FormEvent) {
    e.preventDefault()
    navigate(href(board, 'board', null, { q: text.trim() || undefined }))
  }

  return (
    <section aria-labelledby="board-title">
      <div className="view-head">
        <h1 id="board-title">Board</h1>
        <form role="search" className="search" onSubmit={search}>
          <label htmlFor="q" className="visually-hidden">
            Search tasks
          </label>
          <input
            id="q"
            type="search"
            value={text}
            placeholder="status:blocked lane:coder tenant:acme breaker:open text…"
            aria-describedby="q-help"
            onChange={(e) => setText(e.target.value)}
          />
          <button type="submit">Search</button>
          {props.query && (
            <button type="button" onClick={() => navigate(href(board, 'board'))}>
              Clear
            </button>
          )}
        </form>
      </div>
      <p id="q-help" className="hint">
        Qualifiers: <code>status:blocked,review</code> <code>lane:coder</code> (<code>lane:none</code>) <code>tenant:acme</code> <code>breaker:open</code>{' '}
        <code>sticky:yes</code> <code>id:t12</code>; other words must appear in the title, body or id. The server searches.
      </p>
      {stats.error != null && <p className="error">{errorText(stats.error)}</p>}
      <div className="columns">
        {columns.map((s) => (
          <Column key={`${board}:${s}:${props.query}`} status={s} query={props.query} total={props.query ? null : (stats.data?.byStatus[s] ?? null)} />
        ))}
      </div>
    </section>
  )
}

function Column(props: { status: Status; query: string; total: number | null }) {
  const { board, settings } = useSession()
  const now = useNow(10_000)
  const [want, setWant] = useState(PAGE)
  const page = useLiveData(
    board,
    () =>
      api.tasks(board, { status: props.status, q: props.query || undefined, limit: Math.min(want, MAX_RELOAD), includeArchived: props.status === 'archived' }),
    [board, props.status, props.query, want],
    (e) => !quiet(e),
    1000,
  )
  const [more, setMore] = useState<{ tasks: Task[]; next: string | null } | null>(null)
  const [loadingMore, setLoadingMore] = useState(false)
  // a live reload replaces the first pages; pages read past the reload bound stay as read
  useEffect(() => setMore(null), [page.data])

  const tasks = [...(page.data?.tasks ?? []), ...(more?.tasks ?? [])]
  const next = more ? more.next : (page.data?.next ?? null)
  const count = props.total ?? tasks.length
  const label = STATUS_LABEL[props.status]

  async function loadMore() {
    if (!next) return
    if (want < MAX_RELOAD && !more) return setWant((w) => Math.min(w + PAGE, MAX_RELOAD))
    setLoadingMore(true)
    try {
      const p = await api.tasks(board, { status: props.status, q: props.query || undefined, limit: PAGE, after: next })
      setMore((m) => ({ tasks: [...(m?.tasks ?? []), ...p.tasks], next: p.next }))
    } finally {
      setLoadingMore(false)
    }
  }

  return (
    <section className={`column status-${props.status}`} aria-label={`${label}: ${count}`} data-status={props.status}>
      <h2>
        {label} <span className="count">{props.total === null && next ? `${count}+` : count}</span>
      </h2>
      {page.error != null && <p className="error">{errorText(page.error)}</p>}
      {page.data?.truncated && <p className="hint">Search stopped after {page.data.scanned} tasks: load more to go on.</p>}
      <ul className="cards">
        {tasks.map((t) => (
          <TaskCard key={t.id} task={t} board={board} boardLimit={settings?.failureLimit ?? 2} now={now} />
        ))}
      </ul>
      {page.loading && !page.data && <p className="hint">Loading…</p>}
      {next && (
        <button type="button" className="more" onClick={loadMore} disabled={loadingMore || page.loading}>
          Load more
        </button>
      )}
    </section>
  )
}
