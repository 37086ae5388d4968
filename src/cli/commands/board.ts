/** Board-wide commands: events (and --follow), explain, stats, config, recompute, dispatch-once, pause, resume. */
import type { Board } from '../../board.js'
import type { SettingsInput } from '../../schemas.js'
import { UsageError } from '../args.js'
import { err, out, print, type Command } from '../context.js'
import { counts, eventLine, eventTable, settingsText, statsText, time } from '../format.js'
import { me } from './tasks.js'
import { subscriberEventOptions, subscriberEvents } from './subscribers.js'
import { listingStatsText } from './listing.js'

const events: Command = {
  name: 'events',
  summary: 'events of the board (or of one task); --follow streams new ones until Ctrl-C; --subscriber reads and acknowledges a durable subscriber',
  usage:
    'events [--task <id>] [--after <eventId>] [--limit <n>] [--follow] | ' +
    'events --subscriber <name> [--kinds <kind>[,<kind>]] [--from latest|earliest|<eventId>] [--limit <n>] [--follow] [--peek]',
  options: {
    task: { type: 'string' },
    after: { type: 'string' },
    limit: { type: 'string' },
    follow: { type: 'boolean' },
    ...subscriberEventOptions,
  },
  async run(ctx) {
    const f = ctx.flags
    f.args(0, '')
    if (f.str('subscriber') !== undefined) return subscriberEvents(ctx)
    for (const only of ['kinds', 'from', 'peek']) if (f.values[only] !== undefined) throw new UsageError(`--${only}: only with --subscriber <name>`)
    const taskId = f.str('task')
    const after = f.int('after')
    const limit = f.int('limit')
    if (!f.bool('follow')) {
      const evs = await ctx.board.events({
        ...(taskId !== undefined ? { taskId } : {}),
        ...(after !== undefined ? { after } : {}),
        ...(limit !== undefined ? { limit } : {}),
      })
      print(ctx, evs, () => eventTable(evs))
      return 0
    }
    if (limit !== undefined) throw new UsageError('--limit: not with --follow (it streams until interrupted)')
    if (taskId !== undefined) await ctx.board.events({ taskId, limit: 1 }) // validates the id
    // Start from an explicit position, read now: nothing written after this line is missed,
    // even before the first blocking read is issued.
    const from = after ?? (await lastEventId(ctx.board))
    const ac = new AbortController()
    const stop = () => ac.abort()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    err(`following events of board ${ctx.boardName}${taskId ? ` for ${taskId}` : ''} after #${from} (Ctrl-C to stop)`)
    try {
      for await (const e of ctx.board.follow({ after: from, signal: ac.signal })) {
        if (taskId !== undefined && e.taskId !== taskId) continue
        out(ctx.json ? JSON.stringify(e) : eventLine(e))
      }
    } finally {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
    }
    return 0
  },
}

async function lastEventId(board: Board): Promise<number> {
  const r = await board.redis.xrevrange(board.keys.events, '+', '-', 'COUNT', 1)
  return r.length ? Number(r[0]![0].split('-')[0]) : 0
}

const explain: Command = {
  name: 'explain',
  summary: 'why a task is (not) running, in words (--json: as data)',
  usage: 'explain <id>',
  async run(ctx) {
    ctx.flags.args(1, '<id>')
    const id = ctx.flags.task()
    const x = await ctx.board.explain(id)
    print(ctx, x, () => `${x.id} ${x.status}${x.runnable ? ' (runnable)' : ''}\n${x.text}`)
    return 0
  },
}

const stats: Command = {
  name: 'stats',
  summary: 'task counts per status, per lane and per tenant, and the board health counters',
  usage: 'stats',
  async run(ctx) {
    ctx.flags.args(0, '')
    const [s, now] = await Promise.all([ctx.board.stats(), ctx.board.now()])
    print(ctx, s, () => [statsText(s), listingStatsText(s, now)].filter(Boolean).join('\n'))
    return 0
  },
}

const NULLABLE = new Set([
  'failureLimit',
  'blockRecurrenceLimit',
  'claimTtlMs',
  'rateLimitCooldownMs',
  'staleTimeoutMs',
  'maxInProgress',
  'maxInProgressPerAssignee',
  'defaultAssignee',
  'taskEventsMax',
  'eventStreamMax',
  'tasksPerJob',
  'batchKeyTtlMs',
  'retryBackoffMs',
  'retryBackoffMaxMs',
  'archiveDoneAfterMs',
  'deleteArchivedAfterMs',
  'eventStreamRetentionMs',
])

const config: Command = {
  name: 'config',
  summary: 'show board settings; config set k=v ...; config unset <name> (back to the default)',
  usage: 'config | config set <name>=<value>... | config unset <name>...',
  async run(ctx) {
    const [verb, ...rest] = ctx.flags.positionals
    if (verb === undefined) {
      const s = await ctx.board.settings()
      print(ctx, s, () => settingsText(s))
      return 0
    }
    if (verb !== 'set' && verb !== 'unset') throw new UsageError(`config: expected "set" or "unset", got ${JSON.stringify(verb)}`)
    if (rest.length === 0) throw new UsageError(`config ${verb}: expected ${verb === 'set' ? '<name>=<value>' : '<name>'} arguments`)
    const input: Record<string, string | number | null> = {}
    for (const a of rest) {
      if (verb === 'unset') {
        if (!NULLABLE.has(a)) throw new UsageError(`config unset: expected one of ${[...NULLABLE].join(', ')}, got ${JSON.stringify(a)}`)
        input[a] = null
        continue
      }
      const eq = a.indexOf('=')
      if (eq <= 0) throw new UsageError(`config set: expected <name>=<value>, got ${JSON.stringify(a)}`)
      const k = a.slice(0, eq)
      const v = a.slice(eq + 1)
      input[k] = /^-?\d+$/.test(v) ? Number(v) : v
    }
    const s = await ctx.board.configure(input as SettingsInput)
    print(ctx, s, () => settingsText(s))
    return 0
  },
}

const recompute: Command = {
  name: 'recompute',
  summary: 'run the recompute-ready sweep now; prints how many tasks it promoted',
  usage: 'recompute',
  async run(ctx) {
    ctx.flags.args(0, '')
    const n = await ctx.board.recomputeReady()
    print(ctx, { promoted: n }, () => `promoted ${n}`)
    return 0
  },
}

const dispatchOnce: Command = {
  name: 'dispatch-once',
  summary: 'run one dispatcher tick now (reclaim, release, recompute, enqueue); --dry-run: what it would do, writing nothing',
  usage: 'dispatch-once [--dry-run]',
  options: { 'dry-run': { type: 'boolean' } },
  async run(ctx) {
    ctx.flags.args(0, '')
    const r = await ctx.board.dispatchOnce(ctx.flags.bool('dry-run') ? { dryRun: true } : {})
    print(ctx, r, () => {
      const { ids, ...n } = r
      // one line of counts, then the ids of each category that has any
      const lines = Object.entries(ids)
        .filter(([, list]) => list.length > 0)
        .map(([k, list]) => `${k}: ${list.join(' ')}`)
      return [counts(n), ...lines].join('\n')
    })
    return 0
  },
}

const pause: Command = {
  name: 'pause',
  summary: 'pause dispatch of the board or one lane: nothing new goes to workers; running work goes on',
  usage: 'pause [--lane <lane>] [--reason <text>] [--actor <who>]',
  options: { lane: { type: 'string' }, reason: { type: 'string' }, actor: { type: 'string' } },
  async run(ctx) {
    const f = ctx.flags
    f.args(0, '')
    const lane = f.str('lane')
    const reason = f.str('reason')
    const r = await ctx.board.pause({ actor: f.str('actor') ?? me(), ...(lane !== undefined ? { lane } : {}), ...(reason !== undefined ? { reason } : {}) })
    const p = r.paused
    const scope = p.lane === null ? `board ${ctx.boardName}` : `lane ${p.lane}`
    print(ctx, r, () => `${scope} ${r.changed ? 'paused' : 'was already paused'} by ${p.by} since ${time(p.since)}${p.reason ? `: ${p.reason}` : ''}`)
    return 0
  },
}

const resume: Command = {
  name: 'resume',
  summary: 'resume dispatch of a paused board or lane; the next tick dispatches its ready tasks',
  usage: 'resume [--lane <lane>] [--actor <who>]',
  options: { lane: { type: 'string' }, actor: { type: 'string' } },
  async run(ctx) {
    const f = ctx.flags
    f.args(0, '')
    const lane = f.str('lane')
    const r = await ctx.board.resume({ actor: f.str('actor') ?? me(), ...(lane !== undefined ? { lane } : {}) })
    const scope = lane === undefined ? `board ${ctx.boardName}` : `lane ${lane}`
    print(ctx, r, () => `${scope} ${r.changed ? 'resumed' : 'was not paused'}`)
    return 0
  },
}

export const boardCommands: Command[] = [events, explain, stats, config, recompute, dispatchOnce, pause, resume]
