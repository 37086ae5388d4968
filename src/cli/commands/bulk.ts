/**
 * `kanban bulk <op>`: a bulk operation by filter (docs/cli.md#bulk-operations) — unblock,
 * retry, archive, reassign or delete every matching task, in bounded calls. A progress line
 * on stderr while a run takes more than one call, with the cursor that resumes it; a
 * summary at the end. Ctrl-C stops between two calls and prints where to resume.
 */
import type { BulkInput, BulkResult } from '../../index.js'
import { UsageError } from '../args.js'
import { err, print, type Command, type Ctx } from '../context.js'
import { me } from './tasks.js'

const OPS = ['unblock', 'retry', 'archive', 'reassign', 'delete']
/** ids shown by the human summary (--json lists up to BULK_IDS_MAX) */
const SHOWN_IDS = 50
const PROGRESS_EVERY_MS = 1000

/** `-` (or `none`) for a flag that selects or sets "no lane" / "no tenant" */
const orNone = (v: string | undefined): string | null | undefined => (v === '-' || v === 'none' ? null : v)

function input(ctx: Ctx): BulkInput {
  const f = ctx.flags
  const [op] = f.args(1, '<op>')
  if (op === undefined) throw new UsageError(`missing the op: one of ${OPS.join(', ')}`)
  const status = f.list('status')
  const lane = orNone(f.str('lane'))
  const tenant = orNone(f.str('tenant'))
  const to = f.str('to')
  const limit = f.int('limit')
  const examinePerCall = f.int('examine-per-call')
  const changePerCall = f.int('change-per-call')
  const filter = {
    ...(status !== undefined ? { status: status.length === 1 ? status[0] : status } : {}),
    ...(lane !== undefined ? { lane } : {}),
    ...(tenant !== undefined ? { tenant } : {}),
  }
  return {
    op,
    ...(Object.keys(filter).length ? { filter } : {}),
    ...(f.bool('all') ? { all: true } : {}),
    actor: f.str('actor') ?? me(),
    ...(to !== undefined ? { to: orNone(to) } : {}),
    ...(f.bool('dry-run') ? { dryRun: true } : {}),
    ...(limit !== undefined ? { limit } : {}),
    ...(f.str('cursor') !== undefined ? { cursor: f.str('cursor') } : {}),
    ...(examinePerCall !== undefined ? { examinePerCall } : {}),
    ...(changePerCall !== undefined ? { changePerCall } : {}),
  } as BulkInput
}

const skippedText = (s: BulkResult['skipped']) => {
  const parts = Object.entries(s).filter(([, n]) => n > 0)
  return parts.length ? ` (${parts.map(([k, n]) => `${k} ${n}`).join(', ')})` : ''
}
const total = (s: BulkResult['skipped']) => Object.values(s).reduce((a, b) => a + b, 0)

function summary(r: BulkResult, stopped: string | null): string {
  const verb = r.dryRun ? 'would change' : 'changed'
  const lines = [
    `${r.op}${r.dryRun ? ' (dry run, nothing written)' : ''}: ${verb} ${r.changed}, skipped ${total(r.skipped)}${skippedText(r.skipped)}; ` +
      `${r.matched} matched of ${r.examined} examined in ${r.calls} call${r.calls === 1 ? '' : 's'}`,
  ]
  if (r.cursor !== null) lines.push(`${stopped ?? 'stopped at --limit'} before the end: resume with --cursor ${r.cursor}`)
  if (r.ids.length) {
    const more = r.changed - Math.min(r.ids.length, SHOWN_IDS)
    lines.push(`${r.dryRun ? 'would change' : 'changed'}: ${r.ids.slice(0, SHOWN_IDS).join(' ')}${more > 0 ? ` … and ${more} more` : ''}`)
  }
  return lines.join('\n')
}

const bulk: Command = {
  name: 'bulk',
  summary: 'unblock, retry, archive, reassign or delete every task matching a filter, in bounded calls; --dry-run counts',
  usage:
    'bulk <unblock|retry|archive|reassign|delete> [--status <s>[,<s>]]... [--lane <lane|->] [--tenant <t|->] [--to <lane|->] [--all] ' +
    '[--actor <who>] [--dry-run] [--limit <n>] [--cursor <c>] [--examine-per-call <n>] [--change-per-call <n>]',
  options: {
    status: { type: 'string', multiple: true },
    lane: { type: 'string' },
    tenant: { type: 'string' },
    to: { type: 'string' },
    all: { type: 'boolean' },
    actor: { type: 'string' },
    'dry-run': { type: 'boolean' },
    limit: { type: 'string' },
    cursor: { type: 'string' },
    'examine-per-call': { type: 'string' },
    'change-per-call': { type: 'string' },
  },
  async run(ctx) {
    const ac = new AbortController()
    let interrupted = false
    const stop = () => {
      interrupted = true
      ac.abort()
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    let last = 0
    const progress = (p: BulkResult) => {
      if (p.cursor === null || Date.now() - last < PROGRESS_EVERY_MS) return
      last = Date.now()
      err(
        `kanban bulk: ${p.op}: ${p.examined} examined, ${p.changed} ${p.dryRun ? 'would change' : 'changed'}, ${total(p.skipped)} skipped; ` +
          `resume with --cursor ${p.cursor}`,
      )
    }
    try {
      const r = await ctx.board.bulk(input(ctx), { onProgress: progress, signal: ac.signal })
      const stopped = interrupted && r.cursor !== null
      print(ctx, r, () => summary(r, stopped ? 'interrupted' : null))
      if (stopped) err(`kanban bulk: interrupted: resume with --cursor ${r.cursor}`)
      return stopped ? 1 : 0
    } finally {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
    }
  },
}

export const bulkCommands: Command[] = [bulk]
