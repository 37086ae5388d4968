/**
 * Bulk operations by filter (docs/api.md#bulk-operations): unblock, retry, archive,
 * reassign or delete every task that matches a filter. The work goes as bounded calls of
 * one script (src/lua/bulkTasks.lua), each examining at most `examinePerCall` index entries
 * and changing at most `changePerCall` tasks, each change the single operation's own Lua;
 * a cursor carries the walk from one call to the next, so a long run (100k tasks is a few
 * hundred calls) never holds Redis for long, and a caller that stopped — interrupted,
 * crashed — resumes from the last cursor it got.
 */
import { ValidationError, show } from './errors.js'
import type { BulkCursor, ScriptArgs, ScriptReplies } from './scriptContract.js'
import type { Scripts } from './scripts.js'
import * as S from './schemas.js'
import { STATUSES, type Status } from './status.js'
import { parse } from './validate.js'

export type BulkOp = (typeof S.BULK_OPS)[number]
export type BulkSkipReason = keyof ScriptReplies['bulkTasks']['skipped']

/** Most ids a bulk result lists (the counts are complete). */
export const BULK_IDS_MAX = 1000
/** Per-call bounds when the input gives none. */
export const BULK_EXAMINE_PER_CALL = 1000
export const BULK_CHANGE_PER_CALL = 100

export interface BulkResult {
  op: BulkOp
  dryRun: boolean
  /** status index entries visited */
  examined: number
  /** tasks that passed the filter: changed + every skipped */
  matched: number
  /** tasks changed (in a dry run: that would be) */
  changed: number
  /** matched tasks the op does not apply to, by reason */
  skipped: Record<BulkSkipReason, number>
  /** the changed tasks (in a dry run: those that would be), the first BULK_IDS_MAX */
  ids: string[]
  /** null: every matching task was visited; else where to resume (`cursor` of the input) */
  cursor: string | null
  /** script calls made */
  calls: number
}

export interface BulkOptions {
  /** called after each call with the totals so far (its `cursor` resumes after it) */
  onProgress?: (progress: BulkResult) => void
  /** stops between two calls; the result's cursor resumes the run */
  signal?: AbortSignal
}

/**
 * The statuses each op walks when the filter names none: those it applies to, archived left
 * out (as in listings). reassign leaves finished work in its lane, and walks `running` to
 * count the tasks it must leave where they are.
 */
const APPLIES: Record<BulkOp, readonly Status[]> = {
  unblock: ['scheduled', 'blocked'],
  retry: ['blocked'],
  archive: STATUSES.filter((s) => s !== 'archived'),
  reassign: STATUSES.filter((s) => s !== 'done' && s !== 'archived'),
  delete: STATUSES.filter((s) => s !== 'archived'),
}
/**
 * Where the op itself moves a task: walked first when the filter names them, so that a task
 * the op moved lands behind the walk and is not met again (unblock: scheduled -> ready).
 */
const MOVES_TO: Record<BulkOp, readonly Status[]> = { unblock: ['todo', 'ready'], retry: ['todo', 'ready'], archive: ['archived'], reassign: [], delete: [] }
/** archive and delete of a whole board by a forgotten filter: refused unless `all: true` */
const NEEDS_FILTER: readonly BulkOp[] = ['archive', 'delete']

interface Plan {
  /** the script's arguments but the cursor and this call's change bound */
  args: Omit<ScriptArgs['bulkTasks'], 'cursor'> & { op: BulkOp; dryRun: boolean }
  cursor: BulkCursor | undefined
  /** most tasks changed in all */
  limit: number
}

const invalid = (op: string, field: string, expected: string, got: unknown) =>
  new ValidationError('INVALID_INPUT', `${op}: ${field}: ${expected}, got ${show(got)}`, { field })

/** Validates the input completely (nothing is written when it is refused) and plans the walk. */
function plan(opName: string, input: S.BulkInput): Plan {
  const v = parse(opName, S.BulkInput, input)
  const op = v.op
  const f = v.filter ?? {}
  if (op === 'reassign' && v.to === undefined) throw invalid(opName, 'to', 'expected the new lane (or null to unassign) for reassign', v.to)
  if (op !== 'reassign' && v.to !== undefined) throw invalid(opName, 'to', `expected no lane for ${op} (only reassign takes one)`, v.to)
  const filtered = f.status !== undefined || f.lane !== undefined || f.tenant !== undefined
  if (NEEDS_FILTER.includes(op) && !filtered && v.all !== true) {
    throw invalid(opName, 'filter', `expected at least one of status, lane, tenant for ${op} (or all: true for the whole board)`, input.filter)
  }
  const named = f.status === undefined ? undefined : new Set<Status>(typeof f.status === 'string' ? [f.status] : f.status)
  const chosen = named ? STATUSES.filter((s) => named.has(s)) : APPLIES[op]
  const statuses = [...MOVES_TO[op].filter((s) => chosen.includes(s)), ...chosen.filter((s) => !MOVES_TO[op].includes(s))]
  const examine = v.examinePerCall ?? BULK_EXAMINE_PER_CALL
  return {
    args: {
      op,
      statuses,
      filter: { ...(f.lane !== undefined ? { lane: f.lane } : {}), ...(f.tenant !== undefined ? { tenant: f.tenant } : {}) },
      ...(op === 'reassign' ? { to: v.to ?? null } : {}),
      actor: v.actor,
      dryRun: v.dryRun === true,
      examine,
      // a dry run writes nothing: only the examined entries bound it
      change: v.dryRun ? examine : (v.changePerCall ?? BULK_CHANGE_PER_CALL),
    },
    cursor: v.cursor === undefined ? undefined : decodeCursor(opName, v.cursor, statuses),
    limit: v.limit ?? Infinity,
  }
}

/** `<status>` (that index from its start) or `<status>:<score>:<id>` (after that entry). */
export function encodeCursor(c: BulkCursor): string {
  return c.id === undefined ? c.status : `${c.status}:${c.score}:${c.id}`
}

function decodeCursor(opName: string, text: string, statuses: Status[]): BulkCursor {
  const [status, score, ...rest] = text.split(':')
  const id = rest.join(':')
  const ok =
    statuses.includes(status as Status) &&
    (score === undefined || (Number.isFinite(Number(score)) && score.trim() !== '' && /^[A-Za-z0-9_.:-]{1,64}$/.test(id)))
  if (!ok) throw invalid(opName, 'cursor', `expected a cursor of this op and filter (a status of ${statuses.join(', ')}, then :score:id)`, text)
  return score === undefined ? { status } : { status, score, id }
}

/**
 * The walk: calls until it is done, `limit` tasks changed, `maxCalls` made, or the signal
 * aborts. `ready` hears the tasks each call made ready (to enqueue them).
 */
export async function runBulk(
  scripts: Scripts,
  opName: string,
  input: S.BulkInput,
  opts: BulkOptions & { maxCalls?: number },
  ready: (ids: string[]) => void,
): Promise<BulkResult> {
  const p = plan(opName, input)
  const total: BulkResult = {
    op: p.args.op,
    dryRun: p.args.dryRun,
    examined: 0,
    matched: 0,
    changed: 0,
    skipped: { status: 0, sticky: 0, unchanged: 0 },
    ids: [],
    cursor: p.cursor ? encodeCursor(p.cursor) : null,
    calls: 0,
  }
  let cursor = p.cursor
  for (;;) {
    const change = Math.min(p.args.change, p.limit - total.changed)
    const r = await scripts.call('bulkTasks', { ...p.args, change, ...(cursor ? { cursor } : {}) }, opName)
    total.calls++
    total.examined += r.examined
    total.matched += r.matched
    total.changed += r.changed
    for (const k of Object.keys(total.skipped) as BulkSkipReason[]) total.skipped[k] += r.skipped[k] ?? 0
    for (const id of r.ids) if (total.ids.length < BULK_IDS_MAX) total.ids.push(id)
    if (r.ready.length) ready(r.ready)
    cursor = r.cursor
    total.cursor = cursor ? encodeCursor(cursor) : null
    opts.onProgress?.({ ...total, skipped: { ...total.skipped }, ids: [...total.ids] })
    if (!cursor || total.changed >= p.limit || total.calls >= (opts.maxCalls ?? Infinity) || opts.signal?.aborted) break
  }
  return total
}
