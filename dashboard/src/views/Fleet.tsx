/**
 * The fleet: each lane's ready and running tasks and how long its oldest ready task has
 * waited, what is in flight against its caps, its live workers and pauses; every live worker;
 * and the dispatcher's last tick, which replica ran it and who holds the lease now. Live:
 * the server pushes the fleet on the board's stream whenever it changes (docs/dashboard.md#fleet).
 */
import { useEffect, useState } from 'react'
import { api, errorText } from '../api.js'
import { age, plural, since, when } from '../format.js'
import { useLiveState, useNow } from '../hooks.js'
import { boardStream } from '../live.js'
import { href } from '../route.js'
import { useSession } from '../session.js'
import type { Fleet } from '../types.js'

type Read = Fleet & { readAt: number }

/**
 * The fleet as the stream last pushed it; read once from the API when the stream has none yet
 * (the view opened before the stream's first push). The newer of the two by the server's clock wins.
 */
function useLiveFleet(board: string): { data: Read | null; error: unknown } {
  const [data, setData] = useState<Read | null>(null)
  const [error, setError] = useState<unknown>(null)
  useEffect(() => {
    const stream = boardStream(board)
    let gone = false
    const take = (f: Fleet, readAt: number) => {
      if (gone) return
      setError(null)
      setData((cur) => (cur && cur.at > f.at ? cur : { ...f, readAt }))
    }
    setData(null)
    const off = stream.subscribe((s) => {
      if (s.type === 'fleet') take(s.fleet.data, s.fleet.receivedAt)
    })
    if (stream.fleet) take(stream.fleet.data, stream.fleet.receivedAt)
    else
      api.fleet(board).then(
        (f) => take(f, Date.now()),
        (e: unknown) => !gone && setError(e),
      )
    return () => {
      gone = true
      off()
    }
  }, [board])
  return { data, error }
}

export function FleetView() {
  const { board } = useSession()
  const now = useNow(1000)
  const live = useLiveState(board)
  const fleet = useLiveFleet(board)
  const f = fleet.data
  // the server's clock now, from its clock when read: ages are not skewed by this machine's clock
  const serverNow = f ? f.at + (now - f.readAt) : now
  const d = f?.dispatcher ?? null
  const waiting = new Map((f?.httpWorkers ?? []).map((w) => [w.lane, w.waiting]))
  return (
    <section aria-labelledby="fleet-title">
      <div className="view-head">
        <h1 id="fleet-title">Fleet</h1>
        {f && (
          <p className="summary" data-live={live}>
            {live === 'live'
              ? `live: updated as it changes (last change ${new Date(f.readAt).toLocaleTimeString()})`
              : `as of ${new Date(f.readAt).toLocaleTimeString()}; reconnecting…`}
          </p>
        )}
      </div>
      {fleet.error != null && <p className="error">{errorText(fleet.error)}</p>}
      {!f && !fleet.error && <p className="hint">Loading…</p>}
      {f && d && (
        <>
          <section aria-labelledby="dispatcher" className="dispatcher">
            <h2 id="dispatcher">Dispatcher</h2>
            <dl className="fields">
              <div>
                <dt>Last tick</dt>
                <dd className="last-tick">
                  {d.lastTickAt ? `${since(d.lastTickAt, serverNow)} ago (${when(d.lastTickAt)})${d.lastTickBy ? ` by ${d.lastTickBy}` : ''}` : 'none recorded'}
                </dd>
              </div>
              <div>
                <dt>Leader</dt>
                <dd className="leader">
                  {d.leader
                    ? `${d.leader.holder}, ticking now (lease until ${when(d.leader.expiresAt)})`
                    : 'none now (a tick holds the lease only while it runs)'}
                </dd>
              </div>
            </dl>
            {!d.lastTickAt && (
              <p className="hint">
                No dispatcher has ticked on this board. If tasks stay ready and nothing is dispatched, start one: <code>kanban dispatcher</code>.
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
                    {p.reason ? `: ${p.reason}` : ''}, {since(p.since, serverNow)} ago
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
                    <th scope="col">Oldest ready</th>
                    <th scope="col">Running</th>
                    <th scope="col">In flight</th>
                    <th scope="col">Live workers</th>
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
                      <td className="oldest">{l.oldestReadyAt === null ? '—' : `waiting ${age(serverNow - l.oldestReadyAt)}`}</td>
                      <td className="running">{l.running}</td>
                      <td>{l.inFlight}</td>
                      <td className="workers">
                        {l.workers.live === 0
                          ? l.ready > 0
                            ? 'none: its ready tasks wait for one'
                            : 'none'
                          : `${l.workers.live} (${plural(l.workers.concurrency, 'slot')}), seen ${since(l.workers.lastSeen, serverNow)} ago`}
                      </td>
                      <td>{waiting.get(l.lane) ?? 0}</td>
                      <td>{l.paused ? `by ${l.paused.by}` : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {f.unassigned.ready > 0 && (
              <p className="hint">
                {f.unassigned.ready} ready {f.unassigned.ready === 1 ? 'task has' : 'tasks have'} no lane
                {f.unassigned.oldestReadyAt !== null ? ` (the oldest waiting ${age(serverNow - f.unassigned.oldestReadyAt)})` : ''}: no worker takes them until
                they are assigned.
              </p>
            )}
            {f.notListed > 0 && <p className="hint">{f.notListed} more lanes are not listed (the first 1,000 by name are).</p>}
            {!f.indexed && <p className="hint">The board's listing indexes are being backfilled: the counts may miss tasks until then.</p>}
          </section>
          <section aria-labelledby="workers">
            <h2 id="workers">Live workers</h2>
            {f.workers.length === 0 ? (
              <p className="empty">
                No live worker: none has announced itself lately. Start one with <code>kanban worker --lane &lt;lane&gt; …</code>.
              </p>
            ) : (
              <table className="workers">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Lanes</th>
                    <th scope="col">Concurrency</th>
                    <th scope="col">Host</th>
                    <th scope="col">PID</th>
                    <th scope="col">Started</th>
                    <th scope="col">Last seen</th>
                  </tr>
                </thead>
                <tbody>
                  {f.workers.map((w) => (
                    <tr key={w.id} data-worker={w.id} data-name={w.name}>
                      <th scope="row" title={w.id}>
                        {w.name}
                      </th>
                      <td>{w.lanes.join(', ')}</td>
                      <td>{w.concurrency}</td>
                      <td>{w.host}</td>
                      <td>{w.pid}</td>
                      <td>{since(w.startedAt, serverNow)} ago</td>
                      <td>{since(w.lastSeen, serverNow)} ago</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </>
      )}
    </section>
  )
}
