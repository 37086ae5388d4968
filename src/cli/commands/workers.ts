/** Liveness: `kanban workers`, the live workers per lane from their announcements (docs/fleet.md#liveness). */
import { UsageError } from '../args.js'
import { print, type Command } from '../context.js'
import { table, time } from '../format.js'
import type { WorkersView } from '../../types.js'

const LANE = /^[a-z0-9][a-z0-9_.-]{0,63}$/

const workers: Command = {
  name: 'workers',
  summary: 'live workers per lane (from their announcements): concurrency and last seen; --lane: of one lane',
  usage: 'workers [--lane <lane>]',
  options: { lane: { type: 'string' } },
  async run(ctx) {
    ctx.flags.args(0, '')
    const lane = ctx.flags.str('lane')?.toLowerCase()
    if (lane !== undefined && !LANE.test(lane))
      throw new UsageError(`--lane: expected a lane name like "coder" ([a-z0-9][a-z0-9_.-]{0,63}), got ${JSON.stringify(lane)}`)
    const all = await ctx.board.workers()
    const view: WorkersView =
      lane === undefined ? all : { at: all.at, workers: all.workers.filter((w) => w.lanes.includes(lane)), lanes: all.lanes.filter((l) => l.lane === lane) }
    print(ctx, view, () => workersText(view, lane))
    return 0
  },
}

function workersText(v: WorkersView, lane: string | undefined): string {
  if (v.workers.length === 0) return lane === undefined ? '(no live workers)' : `(no live worker serves lane ${lane})`
  const ago = (ms: number) => `${Math.max(0, Math.round((v.at - ms) / 1000))}s ago`
  const lanes = table(
    ['LANE', 'WORKERS', 'CONCURRENCY', 'LAST SEEN'],
    v.lanes.map((l) => [l.lane, String(l.workers), String(l.concurrency), ago(l.lastSeen)]),
  )
  const ws = table(
    ['WORKER', 'NAME', 'HOST', 'PID', 'LANES', 'CONCURRENCY', 'STARTED', 'LAST SEEN'],
    v.workers.map((w) => [w.id, w.name, w.host, String(w.pid), w.lanes.join(','), String(w.concurrency), time(w.startedAt), ago(w.lastSeen)]),
  )
  return `${lanes}\n\n${ws}`
}

export const workerCommands: Command[] = [workers]
