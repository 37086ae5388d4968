/** Human output: aligned tables and short lines, readable at a glance. */
import type { BoardSettings, BoardStats, Comment, KanbanEvent, Run, Task } from '../types.js'
import { STATUSES } from '../status.js'

export const time = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'))

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s)
const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ⏎ ')

/** Columns padded to their widest cell; the last column is left ragged. */
export function table(head: string[], rows: string[][]): string {
  const all = [head, ...rows]
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)))
  return all
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

export function taskTable(tasks: Task[]): string {
  if (tasks.length === 0) return '(no tasks)'
  return table(
    ['ID', 'STATUS', 'PRI', 'ASSIGNEE', 'FAIL', 'TITLE'],
    tasks.map((t) => [
      t.id,
      t.status === 'blocked' ? (t.sticky ? 'blocked*' : 'blocked') : t.status,
      String(t.priority),
      t.assignee ?? '-',
      String(t.consecutiveFailures),
      cut(oneLine(t.title), 80),
    ]),
  )
}

export function payloadText(p: Record<string, unknown> | null): string {
  if (!p) return ''
  const parts = Object.entries(p)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? cut(oneLine(v), 60) : JSON.stringify(v)}`)
  return parts.join(' ')
}

export function eventLine(e: KanbanEvent): string {
  return [`#${e.id}`, time(e.at), e.taskId ?? '-', e.runId ?? '-', e.kind, payloadText(e.payload)].join('  ').trimEnd()
}

export function eventTable(events: KanbanEvent[]): string {
  if (events.length === 0) return '(no events)'
  return table(
    ['#', 'AT', 'TASK', 'RUN', 'KIND', 'DETAIL'],
    events.map((e) => [String(e.id), time(e.at), e.taskId ?? '-', e.runId ?? '-', e.kind, payloadText(e.payload)]),
  )
}

export function runTable(runs: Run[]): string {
  if (runs.length === 0) return '(no runs)'
  return table(
    ['RUN', 'CLAIMER', 'LANE', 'STARTED', 'ENDED', 'OUTCOME', 'DETAIL'],
    runs.map((r) => [
      r.id,
      r.claimer,
      r.assignee ?? '-',
      time(r.startedAt),
      time(r.endedAt),
      r.outcome ?? 'open',
      cut(oneLine(r.error ?? r.summary ?? ''), 60),
    ]),
  )
}

type Brief = { id: string; status: string; title: string }

export function taskDetail(
  t: Task,
  parents: Brief[],
  children: Brief[],
  runs: Run[],
  events: KanbanEvent[],
  comments: Comment[],
  limit: { failureLimit: number; source: string; blockRecurrenceLimit?: number },
): string {
  const brief = (xs: Brief[]) => (xs.length ? xs.map((x) => `${x.id} (${x.status})`).join(', ') : '-')
  const status =
    t.status === 'blocked'
      ? `blocked, ${t.sticky ? 'sticky' : 'not sticky'}${t.blockKind ? `, kind ${t.blockKind}` : ''}${t.blockReason ? `: ${t.blockReason}` : ''}`
      : t.status
  const rows: [string, string][] = [
    ['status', status],
    ['priority', String(t.priority)],
    ['assignee', t.assignee ?? '-'],
    ['tenant', t.tenant ?? '-'],
    [
      'failures',
      `${t.consecutiveFailures}/${limit.failureLimit} (limit from ${limit.source})${t.lastFailureError ? `; last error: ${cut(oneLine(t.lastFailureError), 100)}` : ''}`,
    ],
    ['parents', brief(parents)],
    ['children', brief(children)],
    ['open run', t.currentRunId ? `${t.currentRunId}, lease until ${time(t.leaseExpiresAt)}, heartbeat ${time(t.lastHeartbeatAt)}` : '-'],
    ['created', `${time(t.createdAt)}${t.createdBy ? ` by ${t.createdBy}` : ''}`],
    ['started', time(t.startedAt)],
    ['completed', time(t.completedAt)],
  ]
  if (t.runAt !== null) rows.push(['run at', time(t.runAt)])
  if (t.cooldownUntil !== null) rows.push(['cooldown', `until ${time(t.cooldownUntil)}${t.cooldownReason === 'backoff' ? ' (retry backoff)' : ''}`])
  if (t.maxRuntimeMs !== null) rows.push(['max runtime', `${t.maxRuntimeMs} ms`])
  if (t.retryBackoffMs !== null) rows.push(['retry backoff', t.retryBackoffMs === 0 ? "none (the task's own)" : `${t.retryBackoffMs} ms base (the task's own)`])
  if (t.blockRecurrences) {
    const to = limit.blockRecurrenceLimit !== undefined ? `, triage at ${limit.blockRecurrenceLimit}` : ''
    rows.push(['block recurrences', `${t.blockRecurrences} of kind ${t.blockKind ?? '(none)'}${to}`])
  }
  if (t.idempotencyKey) rows.push(['idem. key', t.idempotencyKey])
  if (Object.keys(t.metadata).length) rows.push(['metadata', JSON.stringify(t.metadata)])
  if (t.result) rows.push(['result', cut(oneLine(t.result), 200)])
  const w = Math.max(...rows.map(([k]) => k.length))
  const lines = [`${t.id}  ${t.title}`, ...rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`)]
  if (t.body) lines.push('', 'body:', ...t.body.split('\n').map((l) => `  ${l}`))
  if (comments.length) {
    lines.push('', 'comments:')
    for (const c of comments) lines.push(`  ${time(c.at)}  ${c.author}: ${oneLine(c.body)}`)
  }
  lines.push('', 'runs:', indent(runTable(runs)))
  lines.push('', `events (last ${events.length}):`, indent(eventTable(events)))
  return lines.join('\n')
}

const indent = (s: string) =>
  s
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')

export function statsText(s: BoardStats): string {
  const w = Math.max(...STATUSES.map((x) => x.length))
  const lines = STATUSES.map((st) => `  ${st.padEnd(w)}  ${String(s.byStatus[st]).padStart(6)}`)
  return [
    `tasks: ${s.total}`,
    ...lines,
    `blocked: ${s.stickyBlocked} sticky, ${s.breakerBlocked} by the breaker`,
    `running: ${s.running} (${s.expiredLeases} with an expired lease)`,
    `cooling down: ${s.coolingDown}   scheduled and due: ${s.scheduledDue}`,
    ...s.paused.map((p) => `paused: ${p.lane === null ? 'the board' : `lane ${p.lane}`} by ${p.by} since ${time(p.since)}${p.reason ? `: ${p.reason}` : ''}`),
    dispatcherLine(s.dispatcher),
  ].join('\n')
}

/** The dispatcher's last tick and the leader now (docs/fleet.md#liveness). */
function dispatcherLine(d: BoardStats['dispatcher']): string {
  const last = d.lastTickAt === null ? 'no tick yet' : `last tick ${time(d.lastTickAt)} by ${d.lastTickBy}`
  return `dispatcher: ${last}${d.leader ? `; ticking now: ${d.leader.holder} (lease until ${time(d.leader.expiresAt)})` : ''}`
}

export function settingsText(s: BoardSettings): string {
  const rows = Object.entries(s)
    .filter(([k]) => k !== 'failureLimitSource')
    .map(([k, v]) => [k, v === null ? '-' : String(v), k === 'failureLimit' ? `(${s.failureLimitSource})` : ''])
  return table(['SETTING', 'VALUE', ''], rows)
}

/** key=value pairs on one line (DispatchResult and friends). */
export function counts(o: object): string {
  return Object.entries(o)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ')
}
