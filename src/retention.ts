/**
 * Retention run by hand (docs/lifecycle.md#retention): `purge` runs the sweep the dispatcher
 * tick runs (sweepRetention.lua) until nothing is due, each call a bounded batch; a dry run
 * counts what is due now and writes nothing.
 */
import type { Scripts } from './scripts.js'
import type { PurgeResult } from './types.js'

/** tasks per sweep call, as a tick's batch */
const SWEEP_BATCH = 100

export async function purge(scripts: Scripts, opts: { dryRun?: boolean }): Promise<PurgeResult> {
  if (opts.dryRun) {
    const r = await scripts.call('sweepRetention', { count: SWEEP_BATCH, dryRun: true }, 'purge')
    if (!('due' in r)) throw new Error('purge: the dry run wrote')
    return { archived: r.due.archive, deleted: r.due.delete, eventsTrimmed: r.due.events, dryRun: true }
  }
  const out: PurgeResult = { archived: 0, deleted: 0, eventsTrimmed: 0, dryRun: false }
  for (;;) {
    const r = await scripts.call('sweepRetention', { count: SWEEP_BATCH }, 'purge')
    if ('due' in r) return out
    out.archived += r.archived.length
    out.deleted += r.deleted.length
    out.eventsTrimmed += r.trimmed
    // a full batch may leave more due; the stream's trim is one bounded XTRIM per call, so
    // its backlog is taken by calls of their own
    if (!r.more && r.trimmed === 0) return out
  }
}
