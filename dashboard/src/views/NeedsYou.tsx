/**
 * Needs you: every task waiting on a person (a sticky block, an open breaker, triage,
 * review), ranked by how many tasks downstream it holds up, with its reason, age and the
 * explain answer, and the action that frees it right there. Admins run a bulk operation by
 * filter (the library's, `POST …/bulk`), which first says how many it would change (a dry run).
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
import { BULK_OPS, type BulkOp, type BulkRequest, type BulkResult, type NeedItem, type NeedKind, type Status } from '../types.js'

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
  const items = needs.data?.items ?? []
  const canBulk = me.role === 'admin'

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
      {canBulk && items.length > 0 && <BulkBar lanes={[...new Set(items.map((i) => i.task.assignee).filter((a): a is string => a !== null))].sort()} />}
      <ol className="needs">
        {items.map((item, i) => (
          <Need key={item.task.id} item={item} rank={i + 1} now={now} />
        ))}
      </ol>
    </section>
  )
}

function Need(props: { item: NeedItem; rank: number; now: number }) {
  const { board, settings } = useSession()
  const { task, kind } = props.item
  const limit = effectiveLimit(task, settings?.failureLimit ?? 2)
  return (
    <li className={`need kind-${kind}`} data-task={task.id} aria-labelledby={`need-${task.id}`}>
      <div className="need-head">
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

/** The statuses a person's attention goes to, as the bulk bar offers them. */
const WAITING: Record<string, Status[]> = { blocked: ['blocked'], triage: ['triage'], review: ['review'], 'all three': ['blocked', 'triage', 'review'] }

const SKIPPED: Record<keyof BulkResult['skipped'], string> = {
  status: 'not in a status it applies to',
  sticky: 'held for a person (retry leaves those: use unblock)',
  unchanged: 'already there',
}

/**
 * A bulk operation by filter: the op, which of the waiting statuses, a lane and a tenant
 * (empty: any). "Dry run" asks the library what it would change; only then is it offered.
 */
function BulkBar(props: { lanes: string[] }) {
  const { board, me, announce } = useSession()
  const [op, setOp] = useState<BulkOp>('unblock')
  const [waiting, setWaiting] = useState('blocked')
  const [lane, setLane] = useState('')
  const [tenant, setTenant] = useState('')
  const [to, setTo] = useState('')
  const [dry, setDry] = useState<{ key: string; result: BulkResult } | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const req: BulkRequest = {
    op,
    filter: { status: WAITING[waiting]!, ...(lane.trim() ? { lane: lane.trim() } : {}), ...(tenant.trim() ? { tenant: tenant.trim() } : {}) },
    ...(op === 'reassign' ? { to: to.trim() || null } : {}),
  }
  const key = JSON.stringify(req)
  const fresh = dry && dry.key === key ? dry.result : null
  const skipped = fresh ? Object.entries(fresh.skipped).filter(([, n]) => n > 0) : []

  async function run(dryRun: boolean) {
    setBusy(true)
    setError(null)
    try {
      const r = await api.bulk(board, { ...req, dryRun })
      if (dryRun) setDry({ key, result: r })
      else {
        announce(`${op}: changed ${plural(r.changed, 'task')}${r.cursor ? ' (stopped before the end: run it again for the rest)' : ''}`)
        setDry(null)
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
        Action{' '}
        <select value={op} onChange={(e) => setOp(e.target.value as BulkOp)}>
          {BULK_OPS.map((a) => (
            <option key={a}>{a}</option>
          ))}
        </select>
      </label>
      <label>
        Status{' '}
        <select value={waiting} onChange={(e) => setWaiting(e.target.value)}>
          {Object.keys(WAITING).map((w) => (
            <option key={w}>{w}</option>
          ))}
        </select>
      </label>
      <label>
        Lane <input list="bulk-lanes" value={lane} placeholder="any" size={10} onChange={(e) => setLane(e.target.value)} />
        <datalist id="bulk-lanes">
          {props.lanes.map((l) => (
            <option key={l} value={l} />
          ))}
        </datalist>
      </label>
      <label>
        Tenant <input value={tenant} placeholder="any" size={10} onChange={(e) => setTenant(e.target.value)} />
      </label>
      {op === 'reassign' && (
        <label>
          To lane <input value={to} placeholder="unassigned" size={10} onChange={(e) => setTo(e.target.value)} />
        </label>
      )}
      <button type="button" disabled={busy} onClick={() => run(true)}>
        Dry run
      </button>
      {fresh && (
        <>
          <span className="dry" role="status">
            would {op} {fresh.changed} of {fresh.matched} matched
            {skipped.length > 0 && ` (skipped: ${skipped.map(([k, n]) => `${n} ${SKIPPED[k as keyof BulkResult['skipped']]}`).join('; ')})`}
          </span>
          <button type="button" className="primary" disabled={busy || fresh.changed === 0} onClick={() => run(false)}>
            {op} {fresh.changed}
          </button>
        </>
      )}
      <CopyButton text={bulkCli(req, board, me.name)} label="Copy as CLI command" />
      <span className="hint">Acts on every task of the board that matches, listed here or not.</span>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  )
}
