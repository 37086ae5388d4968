/**
 * The actions a person may take on one task: a button per action the task's status and the
 * user's role allow (none for a viewer), each opening a small form with the action's fields,
 * "Run" and "Copy as CLI command".
 */
import { useId, useState, type FormEvent } from 'react'
import { ACTIONS, actionsFor, allowed, initialValues, plan, cliLine, type ActionName, type ActionSpec, type Call, type Values } from '../actions.js'
import { api, errorText } from '../api.js'
import { useSession } from '../session.js'
import type { Task } from '../types.js'
import { CopyButton } from './CopyButton.js'

async function perform(board: string, id: string, calls: Call[]): Promise<Task | null> {
  let task: Task | null = null
  for (const c of calls) {
    if (c.kind === 'act') task = (await api.act(board, id, c.action, c.body)).task
    else if (c.kind === 'update') task = (await api.update(board, id, c.body)).task
    else if (c.kind === 'comment') await api.comment(board, id, c.body)
    else await api.remove(board, id)
  }
  return task
}

export function ActionPanel(props: { task: Task; failureLimit: number; only?: readonly ActionName[]; onDone?: (t: Task | null) => void }) {
  const { me, board, announce } = useSession()
  const [open, setOpen] = useState<ActionName | null>(null)
  const specs = props.only ? props.only.map((n) => ACTIONS[n]).filter((s) => allowed(s, props.task, me.role)) : actionsFor(props.task, me.role)
  if (specs.length === 0) return null
  const current = open ? specs.find((s) => s.name === open) : undefined
  return (
    <div className="actions">
      <div className="action-buttons" role="group" aria-label={`Actions on ${props.task.id}`}>
        {specs.map((s) => (
          <button
            key={s.name}
            type="button"
            className={s.name === 'delete' ? 'danger' : ''}
            aria-expanded={open === s.name}
            title={s.hint}
            onClick={() => setOpen(open === s.name ? null : s.name)}
          >
            {s.label}
          </button>
        ))}
      </div>
      {current && (
        <ActionForm
          key={`${props.task.id}:${current.name}`}
          spec={current}
          task={props.task}
          failureLimit={props.failureLimit}
          board={board}
          actor={me.name}
          onDone={(t) => {
            setOpen(null)
            announce(`${props.task.id}: ${current.label.toLowerCase()} done${t ? ` — now ${t.status}` : ''}`)
            props.onDone?.(t)
          }}
          onCancel={() => setOpen(null)}
        />
      )}
    </div>
  )
}

function ActionForm(props: {
  spec: ActionSpec
  task: Task
  failureLimit: number
  board: string
  actor: string
  onDone: (t: Task | null) => void
  onCancel: () => void
}) {
  const { spec, task } = props
  const [values, setValues] = useState<Values>(() => initialValues(spec, task, props.failureLimit))
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const uid = useId()
  const p = plan(spec, task, values, props.board, props.actor)
  const missing = spec.fields.filter((f) => f.required && !String(values[f.name] ?? '').trim())

  async function submit(e: FormEvent) {
    e.preventDefault()
    if (missing.length > 0) return setError(`${missing.map((f) => f.label).join(', ')}: required`)
    if (spec.confirm && !window.confirm(`${spec.label} ${task.id} (${task.title})?`)) return
    setBusy(true)
    setError(null)
    try {
      props.onDone(await perform(props.board, task.id, p.calls))
    } catch (err) {
      setError(errorText(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form className="action-form" onSubmit={submit} aria-label={`${spec.label} ${task.id}`}>
      <p className="hint">{spec.hint}</p>
      {spec.fields.map((f) => {
        const id = `${uid}-${f.name}`
        const v = values[f.name]
        const set = (nv: string | boolean) => setValues((s) => ({ ...s, [f.name]: nv }))
        return (
          <div key={f.name} className={`field field-${f.type}`}>
            <label htmlFor={id}>
              {f.label}
              {f.required ? ' *' : ''}
            </label>
            {f.type === 'textarea' ? (
              <textarea id={id} rows={2} value={String(v ?? '')} required={f.required} onChange={(e) => set(e.target.value)} />
            ) : f.type === 'checkbox' ? (
              <input id={id} type="checkbox" checked={v === true} onChange={(e) => set(e.target.checked)} />
            ) : f.type === 'select' ? (
              <select id={id} value={String(v ?? '')} onChange={(e) => set(e.target.value)}>
                {f.options!.map((o) => (
                  <option key={o} value={o}>
                    {o || '(none)'}
                  </option>
                ))}
              </select>
            ) : (
              <input
                id={id}
                type={f.type}
                min={f.type === 'number' ? 1 : undefined}
                value={String(v ?? '')}
                required={f.required}
                onChange={(e) => set(e.target.value)}
              />
            )}
          </div>
        )
      })}
      <div className="cli">
        <code aria-label="As a CLI command">{cliLine(p)}</code>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="form-buttons">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Working…' : spec.label}
        </button>
        <CopyButton text={cliLine(p)} label="Copy as CLI command" />
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  )
}
