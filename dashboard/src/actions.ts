/**
 * What a person may do to a task from the page: which actions a status and a role allow,
 * the form each asks for, the API calls it makes (docs/http-api.md) and the same thing as a
 * `kanban` command (docs/cli.md) for "copy as CLI command". Pure: no DOM, no React, so the
 * unit tests and a CLI test check it directly.
 */
import type { BulkRequest, Role, Status, Task } from './types.js'

export const ACTION_NAMES = [
  'unblock',
  'specify',
  'raise-limit',
  'request-changes',
  'promote',
  'reclaim',
  'rerun',
  'complete',
  'block',
  'assign',
  'comment',
  'archive',
  'delete',
] as const
export type ActionName = (typeof ACTION_NAMES)[number]

export type FieldName = 'note' | 'reason' | 'title' | 'body' | 'assignee' | 'maxRetries' | 'force' | 'kind' | 'result' | 'subtree'

export interface Field {
  name: FieldName
  label: string
  type: 'text' | 'textarea' | 'number' | 'checkbox' | 'select'
  required?: boolean
  options?: readonly string[]
}

export interface ActionSpec {
  name: ActionName
  label: string
  /** one line: what it does */
  hint: string
  role: Role
  /** the statuses the library accepts it from */
  from: readonly Status[]
  /** a further condition on the task */
  when?: (t: Task) => boolean
  fields: readonly Field[]
  /** ask before doing it */
  confirm?: boolean
}

const note: Field = { name: 'note', label: 'Note (added as a comment)', type: 'textarea' }
const ALL: readonly Status[] = ['triage', 'todo', 'scheduled', 'ready', 'running', 'blocked', 'review', 'done', 'archived']

/** blocked by the circuit breaker: not sticky, parked until someone raises the limit or unblocks it */
export const isBreakerOpen = (t: Task) => t.status === 'blocked' && !t.sticky

export const ACTIONS: Record<ActionName, ActionSpec> = {
  unblock: {
    name: 'unblock',
    label: 'Unblock',
    hint: 'release it: ready, or todo while a parent is unfinished; clears stickiness and the failure counter',
    role: 'operator',
    from: ['blocked', 'scheduled'],
    fields: [note],
  },
  specify: {
    name: 'specify',
    label: 'Specify',
    hint: 'take it out of triage with what a worker needs',
    role: 'operator',
    from: ['triage'],
    fields: [
      { name: 'title', label: 'Title', type: 'text' },
      { name: 'body', label: 'Body', type: 'textarea' },
      { name: 'assignee', label: 'Lane', type: 'text' },
      note,
    ],
  },
  'raise-limit': {
    name: 'raise-limit',
    label: 'Raise the limit',
    hint: "set this task's failure limit (maxRetries) above its failures: the next recompute lets it run again, keeping the count",
    role: 'operator',
    from: ['blocked'],
    when: isBreakerOpen,
    fields: [{ name: 'maxRetries', label: 'New failure limit', type: 'number', required: true }, note],
  },
  'request-changes': {
    name: 'request-changes',
    label: 'Request changes',
    hint: 'send it back from review to its lane with what to change',
    role: 'operator',
    from: ['review'],
    fields: [{ name: 'reason', label: 'What to change', type: 'textarea', required: true }],
  },
  promote: {
    name: 'promote',
    label: 'Promote',
    hint: 'make it ready now (force: even with unfinished parents)',
    role: 'operator',
    from: ['todo', 'blocked'],
    fields: [
      { name: 'reason', label: 'Reason', type: 'text' },
      { name: 'force', label: 'Ignore unfinished parents', type: 'checkbox' },
    ],
  },
  reclaim: {
    name: 'reclaim',
    label: 'Reclaim',
    hint: 'take it back from its worker (ready again; the worker is fenced off)',
    role: 'operator',
    from: ['running'],
    fields: [{ name: 'reason', label: 'Reason', type: 'text' }],
    confirm: true,
  },
  rerun: {
    name: 'rerun',
    label: 'Re-run',
    hint: 'reopen it: ready (to do while a parent is unfinished), a new run next time; its children wait for it again. Whole subtree: what depends on it is redone too',
    role: 'operator',
    from: ['done'],
    fields: [
      { name: 'subtree', label: 'Whole subtree (its done descendants reopen, started ones go back to to do)', type: 'checkbox' },
      { name: 'reason', label: 'Reason', type: 'text' },
    ],
    confirm: true,
  },
  complete: {
    name: 'complete',
    label: 'Mark done',
    hint: 'complete it by hand; its children are released',
    role: 'operator',
    from: ['ready', 'blocked'],
    fields: [{ name: 'result', label: 'Result', type: 'textarea' }],
    confirm: true,
  },
  block: {
    name: 'block',
    label: 'Block',
    hint: 'hold it for a person (sticky)',
    role: 'operator',
    from: ['ready', 'running'],
    fields: [
      { name: 'reason', label: 'Reason', type: 'text', required: true },
      { name: 'kind', label: 'Kind', type: 'select', options: ['', 'needs_input', 'capability', 'transient', 'dependency'] },
    ],
  },
  assign: {
    name: 'assign',
    label: 'Assign',
    hint: 'move it to another lane (empty: unassigned); resets the failure counter',
    role: 'operator',
    from: ['triage', 'todo', 'scheduled', 'ready', 'blocked', 'review'],
    fields: [{ name: 'assignee', label: 'Lane', type: 'text' }],
  },
  comment: {
    name: 'comment',
    label: 'Comment',
    hint: 'add a comment',
    role: 'operator',
    from: ALL,
    fields: [{ name: 'body', label: 'Comment', type: 'textarea', required: true }],
  },
  archive: {
    name: 'archive',
    label: 'Archive',
    hint: 'hide it from listings; its children count it as done',
    role: 'operator',
    from: ALL.filter((s) => s !== 'archived'),
    fields: [note],
    confirm: true,
  },
  delete: {
    name: 'delete',
    label: 'Delete',
    hint: 'delete it with its links, runs and events; its children are released',
    role: 'operator',
    from: ALL,
    fields: [],
    confirm: true,
  },
}

export const roleAtLeast = (have: Role | null | undefined, need: Role) =>
  have != null && ['viewer', 'operator', 'admin'].indexOf(have) >= ['viewer', 'operator', 'admin'].indexOf(need)

export function allowed(spec: ActionSpec, task: Task, role: Role | null | undefined): boolean {
  return roleAtLeast(role, spec.role) && spec.from.includes(task.status) && (spec.when?.(task) ?? true)
}

/** The actions a role may take on a task in its status, in the order the page shows them. */
export function actionsFor(task: Task, role: Role | null | undefined): ActionSpec[] {
  return ACTION_NAMES.map((n) => ACTIONS[n]).filter((s) => allowed(s, task, role))
}

export type Values = Partial<Record<FieldName, string | boolean>>

/** What the form starts with; `limit` is the task's effective failure limit (its maxRetries, else the board's). */
export function initialValues(spec: ActionSpec, task: Task, limit: number): Values {
  const v: Values = {}
  for (const f of spec.fields) v[f.name] = f.type === 'checkbox' ? false : ''
  if (spec.name === 'specify') Object.assign(v, { title: task.title, body: task.body ?? '', assignee: task.assignee ?? '' })
  if (spec.name === 'assign') v.assignee = task.assignee ?? ''
  if (spec.name === 'raise-limit') v.maxRetries = String(Math.max(task.consecutiveFailures, limit) + 1)
  return v
}

/** One HTTP call of an action, relative to `/api/boards/{board}/tasks/{id}`. */
export type Call =
  | { kind: 'act'; action: string; body: Record<string, unknown> }
  | { kind: 'update'; body: Record<string, unknown> }
  | { kind: 'comment'; body: string }
  | { kind: 'delete' }

export interface Plan {
  calls: Call[]
  /** the same as `kanban` commands, run in order */
  cli: string[]
}

const text = (v: string | boolean | undefined): string | undefined => {
  if (typeof v !== 'string') return undefined
  const s = v.trim()
  return s === '' ? undefined : s
}

/** A word for a POSIX shell: bare when it is safe, else single-quoted. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`
}

/** The calls and the commands for an action. `actor` is the signed-in name (the API records it from the token). */
export function plan(spec: ActionSpec, task: Task, values: Values, board: string, actor: string): Plan {
  const id = task.id
  const calls: Call[] = []
  const cli: string[][] = []
  const k = (...words: (string | undefined | false)[]) => cli.push(['kanban', '--board', board, ...words.filter((w): w is string => typeof w === 'string')])
  const opt = (flag: string, v: string | undefined) => (v === undefined ? [] : [flag, v])
  const n = text(values.note)
  const commentNote = () => {
    if (!n) return
    calls.push({ kind: 'comment', body: n })
    k('comment', id, '--body', n, '--author', actor)
  }
  const reason = text(values.reason)
  switch (spec.name) {
    case 'unblock':
      commentNote()
      calls.push({ kind: 'act', action: 'unblock', body: {} })
      k('unblock', id, '--actor', actor)
      break
    case 'specify': {
      const body: Record<string, string> = {}
      const flags: string[] = []
      for (const f of ['title', 'body', 'assignee'] as const) {
        const v = text(values[f])
        const was = f === 'title' ? task.title : f === 'body' ? task.body : task.assignee
        if (v !== undefined && v !== was) {
          body[f] = v
          flags.push(`--${f}`, v)
        }
      }
      commentNote()
      calls.push({ kind: 'act', action: 'specify', body })
      k('specify', id, ...flags, '--author', actor)
      break
    }
    case 'raise-limit': {
      const limit = Number(text(values.maxRetries))
      commentNote()
      calls.push({ kind: 'update', body: { maxRetries: limit } })
      k('update', id, '--max-retries', String(limit))
      break
    }
    case 'request-changes':
      calls.push({ kind: 'act', action: 'request-changes', body: { reason: reason ?? '' } })
      k('request-changes', '--task', id, '--reason', reason ?? '')
      break
    case 'promote': {
      const force = values.force === true
      calls.push({ kind: 'act', action: 'promote', body: { ...(reason ? { reason } : {}), ...(force ? { force } : {}) } })
      k('promote', id, force && '--force', ...opt('--reason', reason), '--actor', actor)
      break
    }
    case 'reclaim':
      calls.push({ kind: 'act', action: 'reclaim', body: reason ? { reason } : {} })
      k('reclaim', id, ...opt('--reason', reason))
      break
    case 'rerun': {
      const subtree = values.subtree === true
      calls.push({ kind: 'act', action: 'rerun', body: { ...(subtree ? { subtree } : {}), ...(reason ? { reason } : {}) } })
      k('rerun', id, subtree && '--subtree', ...opt('--reason', reason), '--actor', actor)
      break
    }
    case 'complete': {
      const result = text(values.result)
      calls.push({ kind: 'act', action: 'complete', body: result ? { result } : {} })
      k('complete', id, ...opt('--result', result))
      break
    }
    case 'block': {
      const kind = text(values.kind)
      calls.push({ kind: 'act', action: 'block', body: { reason: reason ?? '', ...(kind ? { kind } : {}) } })
      k('block', id, '--reason', reason ?? '', ...opt('--kind', kind))
      break
    }
    case 'assign': {
      const lane = text(values.assignee)
      calls.push({ kind: 'act', action: 'assign', body: { assignee: lane ?? null } })
      k('assign', id, lane ?? '-')
      break
    }
    case 'comment': {
      const body = text(values.body) ?? ''
      calls.push({ kind: 'comment', body })
      k('comment', id, '--body', body, '--author', actor)
      break
    }
    case 'archive':
      commentNote()
      calls.push({ kind: 'act', action: 'archive', body: {} })
      k('archive', id)
      break
    case 'delete':
      calls.push({ kind: 'delete' })
      k('delete', id)
      break
  }
  return { calls, cli: cli.map((words) => words.map(shellWord).join(' ')) }
}

/** Every command of a plan as one line a shell runs in order, stopping at the first failure. */
export const cliLine = (p: Plan) => p.cli.join(' && ')

/** A bulk operation by filter (`POST …/bulk`) as the `kanban bulk` command that does the same. */
export function bulkCli(req: BulkRequest, board: string, actor: string): string {
  const words = ['kanban', '--board', board, 'bulk', req.op]
  const f = req.filter
  if (f.status?.length) words.push('--status', f.status.join(','))
  if (f.lane !== undefined) words.push('--lane', f.lane ?? '-')
  if (f.tenant !== undefined) words.push('--tenant', f.tenant ?? '-')
  if (req.to !== undefined) words.push('--to', req.to ?? '-')
  words.push('--actor', actor)
  if (req.dryRun) words.push('--dry-run')
  return words.map(shellWord).join(' ')
}
