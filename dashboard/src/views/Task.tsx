/**
 * One task: its fields, why it is (not) running in words, its parents and children, its runs
 * as a timeline, its events and comments, and the actions its status and the user's role
 * allow.
 */
import { useRef, type ReactNode } from 'react'
import { api, ApiError, errorText } from '../api.js'
import { ActionPanel } from '../components/ActionPanel.js'
import { RunTimeline } from '../components/RunTimeline.js'
import { backoffSetting, backoffText, COOLDOWN_LABEL, retryBackoff } from '../backoff.js'
import { STATUS_LABEL, since, when } from '../format.js'
import { useLiveData, useNow } from '../hooks.js'
import { href, taskHref } from '../route.js'
import { useSession } from '../session.js'
import type { Brief, Explanation, KanbanEvent, Task } from '../types.js'

export function TaskView(props: { id: string }) {
  const { board } = useSession()
  const now = useNow(5000)
  const related = useRef(new Set<string>())
  const detail = useLiveData(
    board,
    () => api.detail(board, props.id, 100),
    [board, props.id],
    (e) => e.taskId === props.id || related.current.has(e.taskId ?? ''),
  )
  const d = detail.data
  related.current = new Set([...(d?.parents ?? []), ...(d?.children ?? [])].map((b) => b.id))

  if (detail.error instanceof ApiError && detail.error.status === 404) {
    return (
      <section>
        <h1>Task {props.id}</h1>
        <p className="empty">There is no task {props.id} on this board (it may have been deleted).</p>
      </section>
    )
  }
  if (!d) return <p className="hint">{detail.error ? errorText(detail.error) : 'Loading…'}</p>
  const t = d.task
  return (
    <article className="task" aria-labelledby="task-title" data-task={t.id} data-status={t.status}>
      <header className="view-head">
        <h1 id="task-title">{t.title}</h1>
        <span className="id">{t.id}</span>
        <span className={`badge status status-${t.status}`}>{STATUS_LABEL[t.status]}</span>
        {t.sticky && <span className="badge sticky">sticky</span>}
        {t.status === 'blocked' && !t.sticky && <span className="badge breaker">breaker open</span>}
        <a href={href(board, 'graph', null, { root: t.id })}>Graph around it</a>
      </header>
      {detail.error != null && <p className="error">{errorText(detail.error)}</p>}
      <section aria-labelledby="why">
        <h2 id="why">Why</h2>
        <p className="explain">{d.explain.text}</p>
        <Backoff task={t} explain={d.explain} now={now} />
      </section>
      <ActionPanel task={t} failureLimit={d.limits.failureLimit} />
      <div className="task-grid">
        <section aria-labelledby="fields">
          <h2 id="fields">Fields</h2>
          <Fields task={t} limit={d.limits} now={now} />
        </section>
        <section aria-labelledby="links">
          <h2 id="links">Parents</h2>
          <Briefs items={d.parents} empty="No parents." />
          <h2>Children</h2>
          <Briefs items={d.children} empty="No children." />
        </section>
      </div>
      <section aria-labelledby="runs">
        <h2 id="runs">Runs</h2>
        <RunTimeline runs={d.runs} task={t} now={now} limit={d.limits.failureLimit} />
      </section>
      <section aria-labelledby="comments">
        <h2 id="comments">Comments</h2>
        {d.comments.length === 0 && <p className="empty">No comments.</p>}
        <ul className="comments">
          {d.comments.map((c, i) => (
            <li key={i}>
              <strong>{c.author}</strong> <time dateTime={new Date(c.at).toISOString()}>{when(c.at)}</time>
              <p>{c.body}</p>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="events">
        <h2 id="events">Events</h2>
        <Events events={d.events} />
      </section>
    </article>
  )
}

/**
 * A task waiting out its retry backoff (explain's `backoff`): when it is dispatched again,
 * after which failure, and the last error. The wait counts down on this machine's clock.
 */
function Backoff(props: { task: Task; explain: Explanation; now: number }) {
  const b = retryBackoff(props.task, props.explain)
  if (!b) return null
  return (
    <p className="backoff" role="note" data-until={b.until}>
      <strong>Retry backoff</strong>: {backoffText(b, props.now)} ({when(b.until)}).
      {b.lastError ? ` Last error: ${b.lastError}` : ''}
    </p>
  )
}

function Fields(props: { task: Task; limit: { failureLimit: number; source: string; blockRecurrenceLimit: number }; now: number }) {
  const { settings } = useSession()
  const t = props.task
  const rows: [string, ReactNode][] = [
    ['Status', `${STATUS_LABEL[t.status]}${t.sticky ? ' (sticky)' : ''}`],
    ['Lane', t.assignee ?? 'unassigned'],
    ['Priority', t.priority],
    ['Tenant', t.tenant ?? '—'],
    ['Failures', `${t.consecutiveFailures} of ${props.limit.failureLimit} (limit from the ${props.limit.source})`],
    ['Last failure', t.lastFailureError ?? '—'],
    ['Block', t.blockReason ? `${t.blockReason}${t.blockKind ? ` (${t.blockKind})` : ''}` : '—'],
    ['Block recurrences', `${t.blockRecurrences} (triage at ${props.limit.blockRecurrenceLimit})`],
    ['Created', `${when(t.createdAt)}${t.createdBy ? ` by ${t.createdBy}` : ''} — ${since(t.createdAt, props.now)} ago`],
    ['Started', when(t.startedAt)],
    ['Completed', when(t.completedAt)],
    ['Run at', when(t.runAt)],
    ['Cooldown until', t.cooldownUntil ? `${when(t.cooldownUntil)} (${COOLDOWN_LABEL[t.cooldownReason ?? 'rate_limited']})` : '—'],
    ['Retry backoff', backoffSetting(t, settings)],
    ['Open run', t.currentRunId ?? '—'],
    ['Lease expires', when(t.leaseExpiresAt)],
    ['Last heartbeat', when(t.lastHeartbeatAt)],
    ['Max runtime', t.maxRuntimeMs ? `${t.maxRuntimeMs} ms` : '—'],
    ['Result', t.result ?? '—'],
  ]
  return (
    <dl className="fields">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
      {t.body && (
        <div className="wide">
          <dt>Body</dt>
          <dd className="pre">{t.body}</dd>
        </div>
      )}
      {Object.keys(t.metadata).length > 0 && (
        <div className="wide">
          <dt>Metadata</dt>
          <dd>
            <pre>{JSON.stringify(t.metadata, null, 2)}</pre>
          </dd>
        </div>
      )}
    </dl>
  )
}

function Briefs(props: { items: Brief[]; empty: string }) {
  const { board } = useSession()
  if (props.items.length === 0) return <p className="empty">{props.empty}</p>
  return (
    <ul className="briefs">
      {props.items.map((b) => (
        <li key={b.id} data-task={b.id} data-status={b.status}>
          <span className={`badge status status-${b.status}`}>{STATUS_LABEL[b.status]}</span> <a href={taskHref(board, b.id)}>{b.title}</a>{' '}
          <span className="id">{b.id}</span>
          {b.sticky && <span className="badge sticky">sticky</span>}
        </li>
      ))}
    </ul>
  )
}

function Events(props: { events: KanbanEvent[] }) {
  if (props.events.length === 0) return <p className="empty">No events.</p>
  return (
    <table className="events">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Event</th>
          <th scope="col">Who</th>
          <th scope="col">Run</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {[...props.events].reverse().map((e) => (
          <tr key={e.id} data-kind={e.kind}>
            <td>{when(e.at)}</td>
            <td>{e.kind}</td>
            <td>{e.actor ?? ''}</td>
            <td>{e.runId ?? ''}</td>
            <td className="payload">{e.payload ? JSON.stringify(e.payload) : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
