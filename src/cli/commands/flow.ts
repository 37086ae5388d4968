/**
 * Moving tasks through their lifecycle: the worker side (claim, heartbeat, complete, block,
 * review, fail) and the operator side (unblock, schedule, promote, reclaim). A worker's
 * subprocess can omit --task/--run: they default to $KANBAN_TASK / $KANBAN_RUN_ID.
 */
import os from 'node:os'
import { BLOCK_KINDS, FAILURE_OUTCOMES } from '../../status.js'
import { parseTime, UsageError } from '../args.js'
import { err, finish, out, print, type Command, type Ctx } from '../context.js'
import { time } from '../format.js'
import { me } from './tasks.js'
import type { Task } from '../../types.js'

const runOpts = { task: { type: 'string' }, run: { type: 'string' } } as const

/** Why a write carrying a run id was refused. */
const staleRun = (run: string | undefined) => (t: Task) =>
  run !== undefined && t.currentRunId !== run ? `run ${run} is not the open run of ${t.id} (${t.currentRunId ?? 'none'}; status ${t.status})` : undefined

const claim: Command = {
  name: 'claim',
  summary: 'claim a ready (or review) task; prints the run id (the fencing token)',
  usage: 'claim <id> [--claimer <who>] [--ttl-ms <ms>]',
  options: { claimer: { type: 'string' }, 'ttl-ms': { type: 'string' } },
  async run(ctx) {
    ctx.flags.args(1, '<id>')
    const id = ctx.flags.task()
    const claimer = ctx.flags.str('claimer') ?? `${me()}@${os.hostname()}`
    const ttl = ctx.flags.int('ttl-ms')
    const c = await ctx.board.claimTask(id, { claimer, ...(ttl !== undefined ? { ttlMs: ttl } : {}) })
    if (ctx.json) out(JSON.stringify(c, null, 2))
    if (!c) {
      const t = await ctx.board.getTask(id)
      err(`kanban claim: refused: task ${id} is ${t?.status ?? 'gone'}${t?.status === 'todo' ? ' (a parent is not done)' : ''}`)
      return 1
    }
    if (!ctx.json) out(c.runId)
    return 0
  },
}

const heartbeat: Command = {
  name: 'heartbeat',
  summary: 'extend the lease of the open run, optionally with a progress note',
  usage: 'heartbeat --task <id> --run <run> [--note <text>]',
  options: { ...runOpts, note: { type: 'string' } },
  async run(ctx) {
    const f = ctx.flags
    f.args(1, '<id>')
    const id = f.task({ flag: true, env: true })
    const run = f.run(true)!
    const note = f.str('note')
    const ok = await ctx.board.heartbeat(id, { runId: run, ...(note !== undefined ? { note } : {}) })
    if (!ok) return finish(ctx, false, id, 'heartbeat', staleRun(run))
    const t = await ctx.board.getTask(id)
    print(ctx, { ok, task: t }, () => `${id}: lease until ${time(t?.leaseExpiresAt)}`)
    return 0
  },
}

const complete: Command = {
  name: 'complete',
  summary: 'mark a task done (promotes and enqueues its children at once)',
  usage: 'complete <id> | complete --task <id> --run <run> [--result <text>] [--summary <text>] [--metadata <json>]',
  options: { ...runOpts, result: { type: 'string' }, summary: { type: 'string' }, metadata: { type: 'string' } },
  async run(ctx) {
    const f = ctx.flags
    f.args(1, '<id>')
    const id = f.task({ flag: true, env: true })
    const run = f.run(false)
    const opts: Parameters<typeof ctx.board.completeTask>[1] = {}
    if (run !== undefined) opts.runId = run
    if (f.str('result') !== undefined) opts.result = f.str('result')
    if (f.str('summary') !== undefined) opts.summary = f.str('summary')
    if (f.str('metadata') !== undefined) opts.metadata = f.json('metadata')
    return finish(ctx, await ctx.board.completeTask(id, opts), id, 'complete', staleRun(run))
  },
}

const block: Command = {
  name: 'block',
  summary: `hand a task to a human (sticky); --kind ${BLOCK_KINDS.join('|')}`,
  usage: 'block <id> | block --task <id> [--run <run>] --reason <text> [--kind <kind>]',
  options: { ...runOpts, reason: { type: 'string' }, kind: { type: 'string' } },
  async run(ctx) {
    const f = ctx.flags
    f.args(1, '<id>')
    const id = f.task({ flag: true, env: true })
    const run = f.run(false)
    const reason = f.need('reason')
    const kind = f.str('kind')
    const ok = await ctx.board.blockTask(id, {
      reason,
      ...(kind !== undefined ? { kind: kind as never } : {}),
      ...(run !== undefined ? { runId: run } : {}),
    })
    return finish(ctx, ok, id, 'block', staleRun(run))
  },
}

const unblock: Command = {
  name: 'unblock',
  summary: 'release a blocked or scheduled task (clears stickiness and the failure counter)',
  usage: 'unblock <id> [--actor <who>]',
  options: { actor: { type: 'string' } },
  async run(ctx) {
    ctx.flags.args(1, '<id>')
    const id = ctx.flags.task()
    return finish(ctx, await ctx.board.unblockTask(id, { actor: ctx.flags.str('actor') ?? me() }), id, 'unblock')
  },
}

const schedule: Command = {
  name: 'schedule',
  summary: 'park a task until --run-at (epoch ms, ISO date, +10m) or until unblocked',
  usage: 'schedule <id> [--run-at <time>] [--reason <text>] [--run <run>]',
  options: { 'run-at': { type: 'string' }, reason: { type: 'string' }, run: { type: 'string' } },
  async run(ctx) {
    const f = ctx.flags
    f.args(1, '<id>')
    const id = f.task()
    const at = f.str('run-at')
    const run = f.str('run')
    const opts: Parameters<typeof ctx.board.scheduleTask>[1] = {}
    if (at !== undefined) opts.runAt = await parseTime('run-at', at, () => ctx.board.now())
    if (f.str('reason') !== undefined) opts.reason = f.str('reason')
    if (run !== undefined) opts.runId = run
    return finish(ctx, await ctx.board.scheduleTask(id, opts), id, 'schedule', staleRun(run))
  },
}

const promote: Command = {
  name: 'promote',
  summary: 'operator: todo or blocked -> ready (--force ignores unfinished parents)',
  usage: 'promote <id> [--force] [--reason <text>] [--actor <who>]',
  options: { force: { type: 'boolean' }, reason: { type: 'string' }, actor: { type: 'string' } },
  async run(ctx) {
    const f = ctx.flags
    f.args(1, '<id>')
    const id = f.task()
    const ok = await ctx.board.promoteTask(id, {
      actor: f.str('actor') ?? me(),
      ...(f.str('reason') !== undefined ? { reason: f.str('reason') } : {}),
      ...(f.bool('force') ? { force: true } : {}),
    })
    return finish(ctx, ok, id, 'promote', (t) =>
      t.status === 'todo' || t.status === 'blocked' ? `task ${id} has unfinished parents (use --force)` : undefined,
    )
  },
}

const reclaim: Command = {
  name: 'reclaim',
  summary: 'operator: take a running task back from its worker (-> ready)',
  usage: 'reclaim <id> [--reason <text>]',
  options: { reason: { type: 'string' } },
  async run(ctx) {
    ctx.flags.args(1, '<id>')
    const id = ctx.flags.task()
    const reason = ctx.flags.str('reason')
    return finish(ctx, await ctx.board.reclaimTask(id, reason !== undefined ? { reason } : {}), id, 'reclaim')
  },
}

const review: Command = {
  name: 'review',
  summary: 'running -> review (optionally to a reviewer lane)',
  usage: 'review --task <id> [--run <run>] [--reviewer <lane>] [--summary <text>]',
  options: { ...runOpts, reviewer: { type: 'string' }, summary: { type: 'string' } },
  async run(ctx) {
    const f = ctx.flags
    f.args(1, '<id>')
    const id = f.task({ flag: true, env: true })
    const run = f.run(false)
    const opts: Parameters<typeof ctx.board.requestReview>[1] = {}
    if (run !== undefined) opts.runId = run
    if (f.str('reviewer') !== undefined) opts.reviewer = f.str('reviewer')
    if (f.str('summary') !== undefined) opts.summary = f.str('summary')
    return finish(ctx, await ctx.board.requestReview(id, opts), id, 'review', staleRun(run))
  },
}

const requestChanges: Command = {
  name: 'request-changes',
  summary: 'review -> ready (back to the author lane) with a reason',
  usage: 'request-changes --task <id> [--run <run>] --reason <text>',
  options: { ...runOpts, reason: { type: 'string' } },
  async run(ctx) {
    const f = ctx.flags
    f.args(1, '<id>')
    const id = f.task({ flag: true, env: true })
    const run = f.run(false)
    const reason = f.need('reason')
    const ok = await ctx.board.requestChanges(id, { reason, ...(run !== undefined ? { runId: run } : {}) })
    return finish(ctx, ok, id, 'request-changes', staleRun(run))
  },
}

const fail: Command = {
  name: 'fail',
  summary: `record a failed attempt (the circuit breaker); --outcome ${FAILURE_OUTCOMES.join('|')}`,
  usage: 'fail --task <id> [--run <run>] --outcome <outcome> --error <text> [--cooldown-ms <ms>]',
  options: { ...runOpts, outcome: { type: 'string' }, error: { type: 'string' }, 'cooldown-ms': { type: 'string' } },
  async run(ctx: Ctx) {
    const f = ctx.flags
    f.args(1, '<id>')
    const id = f.task({ flag: true, env: true })
    const run = f.run(false)
    const outcome = f.need('outcome')
    if (!(FAILURE_OUTCOMES as readonly string[]).includes(outcome)) {
      throw new UsageError(`--outcome: expected one of ${FAILURE_OUTCOMES.join(', ')}, got ${JSON.stringify(outcome)}`)
    }
    const cooldown = f.int('cooldown-ms')
    const r = await ctx.board.recordFailure(id, {
      outcome: outcome as never,
      error: f.need('error'),
      ...(run !== undefined ? { runId: run } : {}),
      ...(cooldown !== undefined ? { cooldownMs: cooldown } : {}),
    })
    const t = await ctx.board.getTask(id)
    print(ctx, r, () =>
      r.tripped
        ? `${id}: breaker tripped at ${r.failures}/${r.limit} (limit from ${r.limitSource}); status ${t?.status}`
        : `${id}: failures ${r.failures}/${r.limit} (limit from ${r.limitSource}); status ${t?.status}`,
    )
    return 0
  },
}

const context: Command = {
  name: 'context',
  summary: "what a worker needs: the task, its parents' results, its last attempts and comments (bounded; see --max-*)",
  usage: 'context <id> | context --task <id> [--max-parents <n>] [--max-attempts <n>] [--max-comments <n>] [--max-field-bytes <n>]',
  options: {
    task: { type: 'string' },
    'max-parents': { type: 'string' },
    'max-attempts': { type: 'string' },
    'max-comments': { type: 'string' },
    'max-field-bytes': { type: 'string' },
  },
  async run(ctx) {
    const f = ctx.flags
    f.args(1, '<id>')
    const id = f.task({ flag: true, env: true })
    const caps = {
      maxParents: f.int('max-parents'),
      maxAttempts: f.int('max-attempts'),
      maxComments: f.int('max-comments'),
      maxFieldBytes: f.int('max-field-bytes'),
    }
    const opts = Object.fromEntries(Object.entries(caps).filter(([, v]) => v !== undefined))
    const wc = await ctx.board.workerContext(id, opts)
    print(ctx, wc, () => {
      const t = wc.task
      const lines = [`${t.id}  ${t.title}  (${t.status}${t.assignee ? `, lane ${t.assignee}` : ''})`]
      if (t.body) lines.push('', ...t.body.split('\n'))
      for (const p of wc.parents)
        lines.push(
          '',
          `parent ${p.id} (${p.status}): ${p.title}${p.summary ? ` - ${p.summary.split('\n')[0]}` : ''}`,
          ...(p.result ?? '')
            .split('\n')
            .filter(Boolean)
            .map((l) => `  ${l}`),
        )
      if (wc.totals.parents > wc.parents.length) lines.push(`(${wc.parents.length} of ${wc.totals.parents} parents shown; kanban show ${t.id} lists them all)`)
      if (wc.totals.attempts > wc.priorAttempts.length) lines.push('', `(last ${wc.priorAttempts.length} of ${wc.totals.attempts} attempts)`)
      for (const r of wc.priorAttempts) lines.push(`attempt ${r.id}: ${r.outcome ?? 'open'}${r.error ? ` - ${r.error.split('\n')[0]}` : ''}`)
      if (wc.totals.comments > wc.comments.length) lines.push(`(last ${wc.comments.length} of ${wc.totals.comments} comments)`)
      for (const c of wc.comments) lines.push(`comment by ${c.author}: ${c.body}`)
      if (wc.truncated.length) lines.push(`(cut to ${wc.limits.maxFieldBytes} bytes: ${wc.truncated.join(', ')})`)
      return lines.join('\n')
    })
    return 0
  },
}

export const flowCommands: Command[] = [context, claim, heartbeat, complete, block, unblock, schedule, promote, reclaim, review, requestChanges, fail]
