/**
 * The dashboard: sign in with a token, then the board's views (docs/dashboard.md). Data comes
 * from `kanban serve`'s API and stays live through its event stream.
 */
import { lazy, StrictMode, Suspense, useCallback, useEffect, useMemo, useState } from 'react'
import { createRoot } from 'react-dom/client'
import { api, errorText, onUnauthenticated } from './api.js'
import { useLiveData, useLiveState } from './hooks.js'
import { closeStreams } from './live.js'
import { href, navigate, useRoute, type View } from './route.js'
import { SessionContext, type Session } from './session.js'
import type { Me } from './types.js'
import { Login } from './views/Login.js'
import { BoardView } from './views/Board.js'
import { NeedsView } from './views/NeedsYou.js'
import { TaskView } from './views/Task.js'
import { FleetView } from './views/Fleet.js'
import './styles.css'

// React Flow and ELK load with the Graph view only
const GraphView = lazy(() => import('./views/Graph.js').then((m) => ({ default: m.GraphView })))

const NAV: { view: View; label: string }[] = [
  { view: 'needs', label: 'Needs you' },
  { view: 'board', label: 'Board' },
  { view: 'graph', label: 'Graph' },
  { view: 'fleet', label: 'Fleet' },
]

function App() {
  const [me, setMe] = useState<Me | null | 'unknown'>('unknown')
  const [boards, setBoards] = useState<string[] | null>(null)
  const [error, setError] = useState<string | null>(null)

  const signIn = useCallback(async () => {
    try {
      const who = await api.me()
      const { boards } = await api.boards()
      setBoards(boards)
      setMe(who)
      setError(null)
    } catch (e) {
      if ((e as { status?: number }).status === 401) setMe(null)
      else setError(errorText(e))
    }
  }, [])

  useEffect(() => {
    void signIn()
    return onUnauthenticated(() => {
      closeStreams()
      setMe(null)
    })
  }, [signIn])

  if (error) return <Failure message={error} retry={signIn} />
  if (me === 'unknown') return <p className="loading-page">Loading…</p>
  if (me === null || boards === null) return <Login onSignedIn={signIn} />
  return <SignedIn me={me} boards={boards} onSignOut={() => setMe(null)} />
}

function SignedIn(props: { me: Me; boards: string[]; onSignOut: () => void }) {
  const route = useRoute()
  const board = route.board && props.boards.includes(route.board) ? route.board : (props.boards[0] ?? null)
  const [message, setMessage] = useState('')
  const live = useLiveState(board)
  // a message stays a while, then leaves (screen readers heard it when it came)
  useEffect(() => {
    if (!message) return
    const t = setTimeout(() => setMessage(''), 10_000)
    return () => clearTimeout(t)
  }, [message])
  const settings = useLiveData(
    board,
    () => (board ? api.settings(board) : Promise.resolve(null)),
    [board],
    (e) => e.kind === 'settings_changed',
  )

  useEffect(() => {
    if (board && route.board !== board) navigate(href(board, route.view), true)
  }, [board, route.board, route.view])

  const session = useMemo<Session | null>(
    () => (board ? { me: props.me, board, boards: props.boards, settings: settings.data, announce: setMessage } : null),
    [board, props.me, props.boards, settings.data],
  )
  if (!session || !board) return <Failure message={`Token "${props.me.name}" may not see any board this server serves.`} />

  async function signOut() {
    closeStreams()
    await api.logout().catch(() => undefined)
    props.onSignOut()
  }

  return (
    <SessionContext.Provider value={session}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">kanban-queue</span>
        {props.boards.length > 1 ? (
          <label className="board-pick">
            <span className="visually-hidden">Board</span>
            <select value={board} onChange={(e) => navigate(href(e.target.value, route.view === 'task' ? 'board' : route.view))}>
              {props.boards.map((b) => (
                <option key={b}>{b}</option>
              ))}
            </select>
          </label>
        ) : (
          <span className="board-name">{board}</span>
        )}
        <nav aria-label="Views">
          {NAV.map((n) => (
            <a key={n.view} href={href(board, n.view)} aria-current={route.view === n.view ? 'page' : undefined}>
              {n.label}
            </a>
          ))}
        </nav>
        <span className={`live live-${live}`} role="status" title="Updates arrive from the board's event stream">
          {live === 'live' ? '● live' : live === 'closed' ? '○ offline' : '○ connecting…'}
        </span>
        <span className="who" data-role={props.me.role}>
          {props.me.name} <small>({props.me.role})</small>
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <p className="announce" role="status" aria-live="polite">
        {message}
      </p>
      <main id="main">
        {route.view === 'board' && <BoardView query={route.params.get('q') ?? ''} />}
        {route.view === 'needs' && <NeedsView />}
        {route.view === 'task' && route.id && <TaskView id={route.id} />}
        {route.view === 'graph' && (
          <Suspense fallback={<p className="hint">Loading the graph…</p>}>
            <GraphView root={route.params.get('root') ?? ''} />
          </Suspense>
        )}
        {route.view === 'fleet' && <FleetView />}
      </main>
    </SessionContext.Provider>
  )
}

function Failure(props: { message: string; retry?: () => void }) {
  return (
    <main className="failure">
      <h1>kanban-queue</h1>
      <p role="alert">{props.message}</p>
      {props.retry && (
        <button type="button" onClick={props.retry}>
          Try again
        </button>
      )}
    </main>
  )
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
