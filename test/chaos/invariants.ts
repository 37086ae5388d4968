/**
 * The checks after a chaos run (docs/reliability.md#chaos): the doctor's invariants over the
 * whole board (src/doctor.ts: zero drift), and what a finished chaos run must also hold —
 * every task done, exactly one `completed` run each, no run left open, nothing left in
 * flight, and the event stream agreeing with that final state: one `completed` event per
 * task, carrying the id of its completed run. Plain reads; the fleet is stopped first.
 */
import type { Board } from '../../src/index.js'

export interface Ack {
  taskId: string
  runId: string
  /** when the worker saw the acknowledgement (epoch ms, this machine's clock) */
  at: number
}

export interface FinalState {
  violations: string[]
  /** acknowledged completions whose run is not the task's completed run in the end */
  lostAcks: Ack[]
  doctorFindings: number
}

/** The task's completed-event run ids, from the board stream (XRANGE in pages of 1,000). */
async function completedEvents(board: Board): Promise<Map<string, (string | null)[]>> {
  const byTask = new Map<string, (string | null)[]>()
  let from = '-'
  for (;;) {
    const page = (await board.redis.xrange(board.keys.events, from, '+', 'COUNT', 1000)) as [string, string[]][]
    for (const [id, fields] of page) {
      if (id === from) continue
      const f = new Map<string, string>()
      for (let i = 0; i < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!)
      const ev = JSON.parse(f.get('e') ?? '{}') as { kind?: string; runId?: string }
      const task = f.get('t')
      if (task && ev.kind === 'completed') byTask.set(task, [...(byTask.get(task) ?? []), ev.runId ?? null])
    }
    if (page.length < 1000) break
    from = page[page.length - 1]![0]
  }
  return byTask
}

export async function checkFinalState(board: Board, ids: string[], acks: Ack[]): Promise<FinalState> {
  const violations: string[] = []
  const doctor = await board.doctor({ lostJobAfterMs: 0 })
  for (const f of doctor.findings) violations.push(`doctor: ${f.id} ${f.check} ${JSON.stringify(f.detail)}`)
  const completedRun = new Map<string, string>()
  const events = await completedEvents(board)
  for (const id of ids) {
    const task = await board.getTask(id)
    if (!task) {
      violations.push(`${id}: gone`)
      continue
    }
    if (task.status !== 'done') violations.push(`${id}: ${task.status}, not done`)
    if (task.currentRunId) violations.push(`${id}: currentRunId ${task.currentRunId} on a ${task.status} task`)
    const runs = await board.runs(id)
    const completed = runs.filter((r) => r.outcome === 'completed')
    if (completed.length !== 1) violations.push(`${id}: ${completed.length} completed runs (${runs.map((r) => `${r.id}:${r.outcome}`).join(' ')})`)
    for (const r of runs) if (r.endedAt === null) violations.push(`${id}: run ${r.id} still open`)
    if (completed[0]) completedRun.set(id, completed[0].id)
    const ev = events.get(id) ?? []
    if (ev.length !== 1 || ev[0] !== completed[0]?.id) violations.push(`${id}: completed events ${JSON.stringify(ev)}, completed run ${completed[0]?.id}`)
  }
  const k = board.keys
  const [inflight, leases, queued, dq, dqu] = await Promise.all([
    board.redis.hgetall(k.inflight),
    board.redis.zcard(k.leases),
    board.redis.zcard(k.queued),
    board.redis.zcard(k.dispatchQueue),
    board.redis.zcard(k.dispatchUnassigned),
  ])
  if (Object.keys(inflight).length) violations.push(`in-flight counters left: ${JSON.stringify(inflight)}`)
  if (leases + queued + dq + dqu) violations.push(`left in leases ${leases}, queued ${queued}, dq ${dq}, dqu ${dqu}`)
  const lostAcks = acks.filter((a) => completedRun.get(a.taskId) !== a.runId)
  return { violations, lostAcks, doctorFindings: doctor.findings.length }
}
