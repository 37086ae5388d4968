/** Listings that scale: `kanban reindex` (the listing indexes' backfill) and the per-lane / per-tenant part of `kanban stats`. */
import { STATUSES } from '../../status.js'
import type { BoardStats, LaneStats, TenantStats } from '../../types.js'
import { out, print, type Command } from '../context.js'
import { table } from '../format.js'

/** `12s`, `5m`, `3h`, `2d`: an age at a glance. */
export function age(ms: number | null): string {
  if (ms === null) return '-'
  const s = Math.floor(ms / 1000)
  if (s < 120) return `${s}s`
  if (s < 7200) return `${Math.floor(s / 60)}m`
  if (s < 172_800) return `${Math.floor(s / 3600)}h`
  return `${Math.floor(s / 86_400)}d`
}

/** The by-lane and by-tenant tables of `kanban stats`: a column per status that has a task; `now` the server clock. */
export function listingStatsText(s: BoardStats, now: number): string {
  const used = STATUSES.filter((st) => s.byStatus[st] > 0)
  const counts = (r: LaneStats | TenantStats) => [String(r.total), ...used.map((st) => String(r.byStatus[st]))]
  const lines: string[] = []
  if (s.byLane.length) {
    lines.push(
      '',
      'by lane:',
      table(
        ['LANE', 'TOTAL', ...used.map((st) => st.toUpperCase()), 'OLDEST READY'],
        s.byLane.map((l) => [l.lane ?? '(unassigned)', ...counts(l), age(l.oldestReadyAt === null ? null : Math.max(0, now - l.oldestReadyAt))]),
      ),
    )
  }
  if (s.byTenant.length) {
    lines.push(
      '',
      'by tenant:',
      table(
        ['TENANT', 'TOTAL', ...used.map((st) => st.toUpperCase())],
        s.byTenant.map((t) => [t.tenant ?? '(none)', ...counts(t)]),
      ),
    )
  }
  if (s.notListed.lanes || s.notListed.tenants) lines.push(`(not listed: ${s.notListed.lanes} more lanes, ${s.notListed.tenants} more tenants)`)
  if (!s.indexed) lines.push('listing indexes: being backfilled (kanban reindex finishes it now); the tables may miss tasks')
  return lines.join('\n')
}

const reindex: Command = {
  name: 'reindex',
  summary: 'backfill the listing indexes of a board older than them (a dispatcher does it too, a few batches a tick)',
  usage: 'reindex [--batch <n>] [--restart]',
  options: { batch: { type: 'string' }, restart: { type: 'boolean' } },
  async run(ctx) {
    const f = ctx.flags
    f.args(0, '')
    const batch = f.int('batch')
    const indexed = await ctx.board.reindex({ ...(batch !== undefined ? { batch } : {}), ...(f.bool('restart') ? { restart: true } : {}) })
    if (ctx.json) print(ctx, { indexed, done: true }, () => '')
    else out(`filed ${indexed} tasks; the listing indexes are complete`)
    return 0
  },
}

export const listingCommands: Command[] = [reindex]
