/**
 * The fleet: each lane's ready and running tasks, what is in flight against its caps, the
 * workers it has, pauses, and the dispatcher's leader with its last tick.
 */
import { api, errorText } from '../api.js'
import { since, when } from '../format.js'
import { useLiveData, useNow } from '../hooks.js'
import { href } from '../route.js'
import { useSession } from '../session.js'

export function FleetView() {
  const { board } = useSession()
  const now = useNow(1000)
  // a tick writes no event when it changes no task: the dispatcher's part is as of the last read, which the page says
  const fleet = useLiveData(
    board,
    () => api.fleet(board).then((data) => ({ ...data, readAt: Date.now() })),
    [board],
    (e) => e.kind !== 'heartbeat' && e.kind !== 'commented',
    1000,
  )
  const f = fleet.data
  const d = f?.dispatcher ?? null
  const waiting = new Map((f?.httpWorkers ?? []).map((w) => [w.lane, w.waiting]))
  return (
    <section aria-labelledby="fleet-title">
      <div className="view-head">
        <h1 id="fleet-title">Fleet</h1>
      </div>
      {fleet.error != null && <p className="error">{errorText(fleet.error)}</p>}
      {!f && !fleet.error && <p className="hint">Loading…</p>}
      {f && (
        <>
          <section aria-labelledby="dispatcher" className="dispatcher">
            <h2 id="dispatcher">
              Dispatcher <small className="hint">as of {new Date(f.readAt).toLocaleTimeString()}</small>
            </h2>
            <dl className="fields">
              <div>
                <dt>Leader</dt>
                <dd className="leader">{d?.leader ?? 'none now'}</dd>
              </div>
              <div>
                <dt>Fencing token</dt>
                <dd>{d?.fence ?? '—'}</dd>
              </div>
              <div>
                <dt>Leader lease</dt>
                <dd>
                  {d?.leaseExpiresAt
                    ? d.leaseExpiresAt > now
                      ? `held, expires ${when(d.leaseExpiresAt)}`
                      : `expired ${since(d.leaseExpiresAt, now)} ago`
                    : 'free (a tick holds it only while it runs)'}
                </dd>
              </div>
              <div>
                <dt>Last tick</dt>
                <dd className="last-tick">{d?.lastTickAt ? `${since(d.lastTickAt, now)} ago (${when(d.lastTickAt)})` : 'not recorded'}</dd>
              </div>
            </dl>
            {!d?.leader && !d?.lastTickAt && (
              <p className="hint">
                No tick is running now. If tasks stay ready and nothing is dispatched, start a dispatcher: <code>kanban dispatcher</code>.
              </p>
            )}
          </section>
          {f.paused.length > 0 && (
            <section aria-labelledby="paused">
              <h2 id="paused">Paused</h2>
              <ul>
                {f.paused.map((p) => (
                  <li key={p.lane ?? '*'}>
                    {p.lane ? `lane ${p.lane}` : 'the whole board'} — by {p.by}
                    {p.reason ? `: ${p.reason}` : ''}, {since(p.since, now)} ago
                  </li>
                ))}
              </ul>
            </section>
          )}
          <section aria-labelledby="lanes">
            <h2 id="lanes">Lanes</h2>
            {f.lanes.length === 0 ? (
              <p className="empty">No lanes yet: a lane appears with its first assigned task or worker.</p>
            ) : (
              <table className="lanes">
                <thead>
                  <tr>
                    <th scope="col">Lane</th>
                    <th scope="col">Ready</th>
                    <th scope="col">Running</th>
                    <th scope="col">In flight</th>
                    <th scope="col">Workers</th>
                    <th scope="col">HTTP workers waiting</th>
                    <th scope="col">Paused</th>
                  </tr>
                </thead>
                <tbody>
                  {f.lanes.map((l) => (
                    <tr key={l.lane} data-lane={l.lane}>
                      <th scope="row">
                        <a href={href(board, 'board', null, { q: `lane:${l.lane}` })}>{l.lane}</a>
                      </th>
                      <td className="ready">{l.ready}</td>
                      <td className="running">{l.running}</td>
                      <td>{l.inFlight}</td>
                      <td className="workers">
                        {l.workers.concurrency === null ? 'none seen in the last minute' : `live, smallest concurrency ${l.workers.concurrency}`}
                      </td>
                      <td>{waiting.get(l.lane) ?? 0}</td>
                      <td>{l.paused ? `by ${l.paused.by}` : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {f.readyTruncated && <p className="hint">Ready counts stop at {f.readyCounted} tasks.</p>}
          </section>
        </>
      )}
    </section>
  )
}
