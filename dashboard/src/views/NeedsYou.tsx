/**
 * Needs you: every task waiting on a person (a sticky block, an open breaker, triage,
 * review), ranked by how many tasks downstream it holds up, with its reason, age and the
 * explain answer, and the action that frees it right there. Admins select several for a bulk
 * action, which first says how many it would change (a dry run).
 */
import { useState } from 'react'
import type { ActionName } from '../actions.js'
import { bulkCli } from '../actions.js'
import { api, errorText } from '../api.js'
import { ActionPanel } from '../components/ActionPanel.js'
import { CopyButton } from '../components/CopyButton.js'
import { NEED_LABEL, effectiveLimit, plural, since } from '../format.js'
import { useLiveData, useNow } from '../hooks.js'
import { taskHref } from '../route.js'
import { useSession } from '../session.js'
import { BULK_ACTIONS, type BulkAction, type BulkResult, type NeedItem, type NeedKind } from '../types.js'

/** What frees a task of each kind, first the usual answer. */
const FREES: Record<NeedKind, readonly ActionName[]> = {
  sticky_block: ['unblock', 'promote', 'comment'],
  breaker_open: ['raise-limit', 'unblock', 'comment'],
  triage: ['specify', 'comment'],
  review: ['request-changes', 'comment'],
}

export function NeedsView() {
  const { board, me } = useSession()
  const now = useNow(10_000)
  const needs = useLiveData(
    board,
    () => api.needsYou(board, 100),
    [board],
    (e) => e.kind !== 'heartbeat',
    1000,
  )
  const [selected, setSelected] = useState<Set<string>>(new Set())
  const items = needs.data?.items ?? []
  const canBulk = me.role === 'admin'
  const toggle = (id: string) =>
    setSelected((s) => {
      const n = new Set(s)
      if (n.has(id)) n.delete(id)
      else n.add(id)
      return n
    })
  const present = new Set(items.map((i) => i.task.id))
  const chosen = [...selected].filter((id) => present.has(id))

  return (
    <section aria-labelledby="needs-title">
      <div className="view-head">
        <h1 id="needs-title">Needs you</h1>
        {needs.data && (
          <p className="summary">
            {plural(needs.data.total, 'task')} waiting on a person{needs.data.truncated ? ' (more than could be read; the oldest first)' : ''}, most holding up
            others first.
          </p>
        )}
      </div>
      {needs.error != null && <p className="error">{errorText(needs.error)}</p>}
      {needs.loading && !needs.data && <p className="hint">Loading…</p>}
      {needs.data && items.length === 0 && <p className="empty">Nothing is waiting on a person.</p>}
      {canBulk && items.length > 0 && (
        <BulkBar ids={chosen} all={items.map((i) => i.task.id)} onSelect={(ids) => setSelected(new Set(ids))} onDone={() => setSelected(new Set())} />
      )}
      <ol className="needs">
        {items.map((item, i) => (
          <Need key={item.task.id} item={item} rank={i + 1} now={now} selectable={canBulk} selected={selected.has(item.task.id)} onToggle={toggle} />
        ))}
      </ol>
    </section>
  )
}

function Need(props: { item: NeedItem; rank: number; now: number; selectable: boolean; selected: boolean; onToggle: (id: string) => void }) {
  const { board, settings } = useSession()
  const { task, kind } = props.item
  const limit = effectiveLimit(task, settings?.failureLimit ?? 2)
  return (
    <li className={`need kind-${kind}`} data-task={task.id} aria-labelledby={`need-${task.id}`}>
      <div className="need-head">
        {props.selectable && <input type="checkbox" aria-label={`Select ${task.id}`} checked={props.selected} onChange={() => props.onToggle(task.id)} />}
        <span className="rank" aria-label={`Rank ${props.rank}`}>
          #{props.rank}
        </span>
        <a id={`need-${task.id}`} href={taskHref(board, task.id)} className="need-title">
          {task.title}
        </a>
        <span className="id">{task.id}</span>
        <span className={`badge need-${kind}`}>{NEED_LABEL[kind]}</span>
        <span className="holds" title="Tasks downstream that cannot finish before this one">
          holds up {props.item.holdsUpExact ? '' : '≥'}
          {plural(props.item.holdsUp, 'task')}
        </span>
        <span className="age" title="Waiting since">
          waiting {since(props.item.since, props.now)}
        </span>
      </div>
      <dl className="need-body">
        {props.item.reason && (
          <>
            <dt>Reason</dt>
            <dd className="reason">{props.item.reason}</dd>
          </>
        )}
        <dt>Why it is not running</dt>
        <dd className="explain">{props.item.explain.text}</dd>
        {kind === 'breaker_open' && (
          <>
            <dt>Failures</dt>
            <dd>
              {task.consecutiveFailures} of {limit}
              {task.lastFailureError ? ` — last: ${task.lastFailureError}` : ''}
            </dd>
          </>
        )}
      </dl>
      <ActionPanel task={task} failureLimit={limit} only={FREES[kind]} />
    </li>
  )
}

function BulkBar(props: { ids: string[]; all: string[]; onSelect: (ids: string[]) => void; onDone: () => void }) {
  const { board, me, announce } = useSession()
  const [action, setAction] = useState<BulkAction>('unblock')
  const [dry, setDry] = useState<BulkResult | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const key = `${action}:${props.ids.join(',')}`
  const [dryKey, setDryKey] = useState('')
  const fresh = dry && dryKey === key

  async function run(dryRun: boolean) {
    setBusy(true)
    setError(null)
    try {
      const r = await api.bulk(board, action, props.ids, dryRun)
      if (dryRun) {
        setDry(r)
        setDryKey(key)
      } else {
        announce(`${action}: applied to ${r.applied} of ${props.ids.length}`)
        setDry(null)
        props.onDone()
      }
    } catch (e) {
      setError(errorText(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="bulk" role="region" aria-label="Bulk actions">
      <label>
        <input
          type="checkbox"
          checked={props.ids.length > 0 && props.ids.length === props.all.length}
          onChange={(e) => props.onSelect(e.target.checked ? props.all : [])}
        />{' '}
        Select all
      </label>
      <span>{props.ids.length} selected</span>
      <label>
        Action{' '}
        <select value={action} onChange={(e) => setAction(e.target.value as BulkAction)}>
          {BULK_ACTIONS.map((a) => (
            <option key={a}>{a}</option>
          ))}
        </select>
      </label>
      <button type="button" disabled={busy || props.ids.length === 0} onClick={() => run(true)}>
        Dry run
      </button>
      {fresh && (
        <>
          <span className="dry" role="status">
            would {action} {dry.matched} of {props.ids.length}
          </span>
          <button type="button" className="primary" disabled={busy || dry.matched === 0} onClick={() => run(false)}>
            {action} {dry.matched}
          </button>
        </>
      )}
      {props.ids.length > 0 && <CopyButton text={bulkCli(action, props.ids, board, me.name)} label="Copy as CLI command" />}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  )
}
