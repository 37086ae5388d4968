/**
 * The backfill of the listing indexes (reindexTasks.lua) on a board whose tasks are older
 * than them (docs/api.md#migrating-a-board): to the end at once (Board.reindex, `kanban
 * reindex`), or a few bounded batches per dispatcher tick until the board is done. A board
 * made by this version is done from its first task, so its ticks ask once per handle.
 */
import type { AnyCall, ScriptReplies } from './scriptContract.js'
import type { Scripts } from './scripts.js'

/** tasks per reindexTasks call: a few ms of Redis */
export const REINDEX_BATCH = 200
/** calls per dispatcher tick while a board is being backfilled */
const TICK_CALLS = 5

/** handles (their script runners) that saw their board done: done stays done */
const doneFor = new WeakMap<Scripts, true>()

/** Runs the backfill to its end; returns how many tasks it filed. */
export async function reindexAll(scripts: Scripts, opts: { batch?: number; restart?: boolean } = {}): Promise<number> {
  let indexed = 0
  let restart = opts.restart === true
  for (;;) {
    const r = await scripts.call('reindexTasks', { count: opts.batch ?? REINDEX_BATCH, ...(restart ? { restart } : {}) })
    restart = false
    indexed += r.indexed
    if (r.done) break
  }
  doneFor.set(scripts, true)
  return indexed
}

/**
 * A dispatcher tick's share of the backfill. Its first batch rides in the tick's first
 * pipeline (`tickCall`: none once the handle saw the board done, so an idle tick stays two
 * round trips); `afterFirst` takes that batch's reply and runs a few more while the walk
 * goes on.
 */
export const reindexTick = {
  tickCall: (scripts: Scripts): AnyCall[] => (doneFor.has(scripts) ? [] : [['reindexTasks', { count: REINDEX_BATCH }]]),
  async afterFirst(scripts: Scripts, first: ScriptReplies['reindexTasks'] | undefined): Promise<void> {
    let r = first
    for (let i = 1; r && !r.done && i < TICK_CALLS; i++) r = await scripts.call('reindexTasks', { count: REINDEX_BATCH })
    if (r?.done) doneFor.set(scripts, true)
  },
}
