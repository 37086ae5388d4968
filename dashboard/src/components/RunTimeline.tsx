/**
 * A task's runs as a timeline: one row per attempt with a bar from its start to its end (to
 * now, for the open run, with its lease's expiry marked), its outcome, who ran it, and the
 * failure count after it; a traced run shows its trace id's first 8 digits (docs/tracing.md).
 */
import { age, when } from '../format.js'
import type { Run, Task } from '../types.js'

const FAILED = new Set(['crashed', 'protocol_violation', 'timed_out', 'reclaimed', 'gave_up'])

export function RunTimeline(props: { runs: Run[]; task: Task; now: number; limit: number }) {
  const { runs, task, now } = props
  if (runs.length === 0) return <p className="empty">Not run yet.</p>
  const start = Math.min(...runs.map((r) => r.startedAt))
  const end = Math.max(now, ...runs.map((r) => r.endedAt ?? now), task.leaseExpiresAt ?? 0)
  const span = Math.max(1, end - start)
  const pct = (t: number) => `${(((t - start) / span) * 100).toFixed(2)}%`
  return (
    <table className="timeline">
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Run</th>
          <th scope="col">By</th>
          <th scope="col">Outcome</th>
          <th scope="col">Took</th>
          <th scope="col" className="bar-col">
            {when(start)} → {task.currentRunId ? 'now' : when(end)}
          </th>
          <th scope="col">Summary or error</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r, i) => {
          const open = r.endedAt === null
          const stop = r.endedAt ?? now
          const outcome = r.outcome ?? (open ? 'running' : 'ended')
          return (
            <tr key={r.id} data-run={r.id} data-outcome={outcome}>
              <td>{i + 1}</td>
              <td className="id">
                {r.id}
                {r.fromReview ? ' (review)' : ''}
                {r.traceId && (
                  <>
                    {' '}
                    <span className="trace" data-trace={r.traceId} title={`OpenTelemetry trace ${r.traceId}`}>
                      trace {r.traceId.slice(0, 8)}
                    </span>
                  </>
                )}
              </td>
              <td>{r.claimer}</td>
              <td>
                <span className={`badge outcome outcome-${FAILED.has(outcome) ? 'failed' : outcome}`}>{outcome.replace(/_/g, ' ')}</span>
              </td>
              <td>{age(stop - r.startedAt)}</td>
              <td className="bar-col" aria-hidden="true">
                <div className="track">
                  <div
                    className={`bar outcome-${FAILED.has(outcome) ? 'failed' : outcome}`}
                    style={{ left: pct(r.startedAt), width: `max(2px, calc(${pct(stop)} - ${pct(r.startedAt)}))` }}
                  />
                  {open && task.currentRunId === r.id && task.leaseExpiresAt && (
                    <div className="lease" style={{ left: pct(task.leaseExpiresAt) }} title={`Lease expires ${when(task.leaseExpiresAt)}`} />
                  )}
                </div>
              </td>
              <td className="pre">
                {r.error ?? r.summary ?? ''}
                {open && task.leaseExpiresAt ? `lease until ${when(task.leaseExpiresAt)}` : ''}
              </td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}
