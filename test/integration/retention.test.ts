/**
 * Retention (docs/lifecycle.md#retention) through the library: its settings, the step of the
 * dispatcher tick, and `purge` (with its dry run). Time is set by backdating the
 * `doneSince` / `archivedSince` entries — the stored state of tasks that finished long ago.
 */
import { describe, expect, it } from 'vitest'
import type { Board } from '../../src/index.js'
import { ValidationError } from '../../src/index.js'
import { openBoard, snapshot } from '../helpers/board.js'

const HOUR = 3_600_000

async function finished(board: Board, n: number): Promise<string[]> {
  const ids = Object.values(await board.createTasks(Array.from({ length: n }, (_, i) => ({ ref: `r${i}`, title: `task ${i}` }))))
  for (const id of ids) expect(await board.completeTask(id, { result: 'ok' })).toBe(true)
  return ids
}

/** As if every task of the index entered it `ms` ago. */
async function backdateAll(board: Board, key: string, ms: number): Promise<void> {
  const ids = await board.redis.zrange(key, 0, -1)
  const at = (await board.now()) - ms
  if (ids.length) await board.redis.zadd(key, ...ids.flatMap((id) => [at, id]))
}

describe('retention settings', () => {
  it('are off by default and set, shown and cleared like the other settings', async () => {
    const board = await openBoard('ret-settings')
    expect(await board.settings()).toMatchObject({ archiveDoneAfterMs: null, deleteArchivedAfterMs: null, eventStreamRetentionMs: null })
    await board.configure({ archiveDoneAfterMs: 7 * 24 * HOUR, deleteArchivedAfterMs: 30 * 24 * HOUR, eventStreamRetentionMs: 14 * 24 * HOUR })
    expect(await board.settings()).toMatchObject({
      archiveDoneAfterMs: 7 * 24 * HOUR,
      deleteArchivedAfterMs: 30 * 24 * HOUR,
      eventStreamRetentionMs: 14 * 24 * HOUR,
    })
    await board.configure({ archiveDoneAfterMs: null, deleteArchivedAfterMs: null, eventStreamRetentionMs: null })
    expect(await board.settings()).toMatchObject({ archiveDoneAfterMs: null, deleteArchivedAfterMs: null, eventStreamRetentionMs: null })
  })

  it.each<[string, unknown]>([
    ['archiveDoneAfterMs', 0],
    ['archiveDoneAfterMs', -1],
    ['deleteArchivedAfterMs', 1.5],
    ['deleteArchivedAfterMs', '7d'],
    ['eventStreamRetentionMs', 11 * 365 * 24 * HOUR],
    ['eventStreamRetentionMs', true],
  ])('%s = %j is refused, naming the field, nothing written', async (field, value) => {
    const board = await openBoard('ret-settings')
    await board.configure({ failureLimit: 3 })
    const before = await snapshot(board)
    const e = await board.configure({ [field]: value } as never).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(ValidationError)
    expect(e).toMatchObject({ code: 'INVALID_INPUT', details: { field } })
    expect((e as Error).message).toMatch(
      new RegExp(`^configure: ${field}: expected an integer number of ms from 1 to 315360000000 \\(10 years\\), or null for off, got `),
    )
    expect(await snapshot(board)).toEqual(before)
  })
})

describe('retention in the dispatcher tick', () => {
  it('archives due done tasks, then (a later tick) deletes due archived ones, reporting both', async () => {
    const board = await openBoard('ret-tick')
    await board.configure({ archiveDoneAfterMs: HOUR, deleteArchivedAfterMs: HOUR })
    const ids = await finished(board, 5)
    const young = (await finished(board, 1))[0]!
    await backdateAll(board, board.keys.doneSince, 2 * HOUR)
    await board.redis.zadd(board.keys.doneSince, await board.now(), young)

    const r1 = await board.dispatchOnce()
    expect(r1).toMatchObject({ archived: 5, deleted: 0, skippedLocked: false })
    expect([...r1.ids.archived].sort()).toEqual([...ids].sort())
    for (const id of ids) expect((await board.getTask(id))!.status).toBe('archived')
    expect((await board.getTask(young))!.status).toBe('done')
    // archived just now: not due for deletion yet
    expect(await board.dispatchOnce()).toMatchObject({ archived: 0, deleted: 0 })

    await backdateAll(board, board.keys.archivedSince, 2 * HOUR)
    const r2 = await board.dispatchOnce()
    expect(r2).toMatchObject({ archived: 0, deleted: 5 })
    expect([...r2.ids.deleted].sort()).toEqual([...ids].sort())
    for (const id of ids) expect(await board.getTask(id)).toBeNull()
    const deleted = (await board.events({ limit: 10_000 })).filter((e) => e.kind === 'deleted')
    expect(deleted.map((e) => e.payload).sort((a, b) => String(a!.id).localeCompare(String(b!.id)))).toEqual(
      [...ids].sort().map((id) => expect.objectContaining({ id, status: 'archived', by: 'retention' })),
    )
    expect(await board.stats()).toMatchObject({ total: 1, byStatus: { done: 1, archived: 0 } })
  })

  it('takes at most maxRetention tasks per tick, in batches; the next tick goes on', async () => {
    const board = await openBoard('ret-cap')
    await board.configure({ archiveDoneAfterMs: HOUR })
    await finished(board, 25)
    await backdateAll(board, board.keys.doneSince, 2 * HOUR)
    expect(await board.dispatchOnce({ batch: 4, maxRetention: 10 })).toMatchObject({ archived: 10 })
    expect(await board.dispatchOnce({ batch: 4, maxRetention: 10 })).toMatchObject({ archived: 10 })
    expect(await board.dispatchOnce({ batch: 4, maxRetention: 10 })).toMatchObject({ archived: 5 })
    expect(await board.dispatchOnce({ batch: 4, maxRetention: 10 })).toMatchObject({ archived: 0 })
    expect((await board.stats()).byStatus).toMatchObject({ done: 0, archived: 25 })
  })

  it('a dry-run tick writes nothing and does not predict retention', async () => {
    const board = await openBoard('ret-dry-tick')
    await board.configure({ archiveDoneAfterMs: HOUR })
    await finished(board, 2)
    await backdateAll(board, board.keys.doneSince, 2 * HOUR)
    const before = await snapshot(board)
    expect(await board.dispatchOnce({ dryRun: true })).toMatchObject({ dryRun: true, archived: 0, deleted: 0 })
    expect(await snapshot(board)).toEqual(before)
  })
})

describe('purge', () => {
  it('dry run: the counts due now, nothing written; then purge does it all, past one batch', async () => {
    const board = await openBoard('ret-purge')
    await board.configure({ archiveDoneAfterMs: HOUR, deleteArchivedAfterMs: HOUR })
    const old = await finished(board, 130)
    for (const id of old.slice(0, 110)) await board.archiveTask(id)
    await backdateAll(board, board.keys.doneSince, 2 * HOUR)
    await backdateAll(board, board.keys.archivedSince, 2 * HOUR)
    await finished(board, 3) // done just now: not due

    const before = await snapshot(board)
    expect(await board.purge({ dryRun: true })).toEqual({ archived: 20, deleted: 110, eventsTrimmed: 0, dryRun: true })
    expect(await snapshot(board)).toEqual(before)

    expect(await board.purge()).toEqual({ archived: 20, deleted: 110, eventsTrimmed: 0, dryRun: false })
    expect((await board.stats()).byStatus).toMatchObject({ done: 3, archived: 20 })
    expect(await board.purge({ dryRun: true })).toEqual({ archived: 0, deleted: 0, eventsTrimmed: 0, dryRun: true })
  })

  it('with retention off, purge finds nothing due', async () => {
    const board = await openBoard('ret-purge-off')
    await finished(board, 3)
    await backdateAll(board, board.keys.doneSince, 100 * 24 * HOUR)
    expect(await board.purge()).toEqual({ archived: 0, deleted: 0, eventsTrimmed: 0, dryRun: false })
    expect((await board.stats()).byStatus.done).toBe(3)
  })

  it.each<[unknown, string]>([
    [{ dryRun: 'yes' }, 'dryRun'],
    [{ dry: true }, 'input'],
    ['all', 'input'],
  ])('refuses %j, naming %s, nothing written', async (input, field) => {
    const board = await openBoard('ret-purge-bad')
    await board.configure({ archiveDoneAfterMs: HOUR })
    await finished(board, 1)
    await backdateAll(board, board.keys.doneSince, 2 * HOUR)
    const before = await snapshot(board)
    const e = await board.purge(input as never).catch((x: unknown) => x)
    expect(e).toMatchObject({ code: 'INVALID_INPUT', details: { field } })
    expect((e as Error).message).toMatch(/^purge: /)
    expect(await snapshot(board)).toEqual(before)
  })
})
