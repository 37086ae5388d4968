/**
 * sweepRetention.lua: retention's bounded batch (docs/lifecycle.md#retention). Time is set
 * by backdating entries of `doneSince` / `archivedSince` / `evmarks` (the stored state a
 * task that entered done an hour ago has), never by waiting.
 */
import { describe, expect, it } from 'vitest'
import { luaBoard, type LuaBoard } from '../helpers/lua.js'
import { parseStreamEntries } from '../../src/reads.js'

const HOUR = 3_600_000

async function done(b: LuaBoard, node = {}): Promise<string> {
  const id = await b.create(node)
  await b.call('completeTask', { id })
  return id
}

/** As if the task entered its index `ms` ago. */
async function backdate(b: LuaBoard, key: string, id: string, ms: number): Promise<void> {
  expect(await b.redis.zadd(key, 'XX', 'CH', (await b.now()) - ms, id)).toBe(1)
}

async function configure(b: LuaBoard, set: Record<string, number>): Promise<void> {
  await b.call('configure', { set, clear: [] })
}

describe('doneSince / archivedSince (setStatus)', () => {
  it('a task enters doneSince when it completes, and archivedSince (leaving doneSince) when archived; removeTask cleans both', async () => {
    const b = await luaBoard('since')
    const id = await b.create()
    const t0 = await b.now()
    await b.call('completeTask', { id })
    const score = await b.zscore(b.keys.doneSince, id)
    expect(score).toBeGreaterThanOrEqual(t0)
    expect(score).toBeLessThanOrEqual(await b.now())
    expect(await b.zscore(b.keys.archivedSince, id)).toBeNull()
    await b.call('archiveTask', { id })
    expect(await b.zscore(b.keys.doneSince, id)).toBeNull()
    expect(await b.zscore(b.keys.archivedSince, id)).toBeGreaterThanOrEqual(score!)
    await b.call('deleteTask', { id })
    expect(await b.zscore(b.keys.archivedSince, id)).toBeNull()
    const other = await done(b)
    await b.call('deleteTask', { id: other })
    expect(await b.redis.exists(b.keys.doneSince, b.keys.archivedSince)).toBe(0)
  })

  it('a task archived from another status enters archivedSince only', async () => {
    const b = await luaBoard('since')
    const id = await b.create()
    await b.call('archiveTask', { id })
    expect(await b.zscore(b.keys.archivedSince, id)).not.toBeNull()
    expect(await b.zscore(b.keys.doneSince, id)).toBeNull()
  })
})

describe('sweepRetention.lua', () => {
  it('off by default: nothing is due, nothing is written', async () => {
    const b = await luaBoard('sweep')
    const id = await done(b)
    await backdate(b, b.keys.doneSince, id, 365 * 24 * HOUR)
    const before = await b.dump()
    expect(await b.call('sweepRetention', { count: 100 })).toEqual({ archived: [], deleted: [], trimmed: 0, more: false })
    expect(await b.call('sweepRetention', { count: 100, dryRun: true })).toEqual({ due: { archive: 0, delete: 0, events: 0 } })
    expect(await b.dump()).toEqual(before)
  })

  it('archives the done tasks that entered done longer ago than archiveDoneAfterMs, as archiveTask does', async () => {
    const b = await luaBoard('sweep')
    await configure(b, { archiveDoneAfterMs: HOUR })
    const old = await done(b, { idempotencyKey: 'k1' })
    const fresh = await done(b)
    await backdate(b, b.keys.doneSince, old, 2 * HOUR)
    await backdate(b, b.keys.doneSince, fresh, HOUR / 2)
    expect(await b.call('sweepRetention', { count: 100 })).toEqual({ archived: [old], deleted: [], trimmed: 0, more: false })
    expect(await b.task(old)).toMatchObject({ status: 'archived' })
    expect(await b.indexes(old)).toEqual(['archived'])
    expect(await b.redis.hexists(b.keys.idem, 'k1')).toBe(0)
    expect(await b.lastEvent(old)).toMatchObject({ kind: 'archived', payload: { from: 'done', by: 'retention' } })
    // it entered archived now: due for deletion only deleteArchivedAfterMs from now
    expect(await b.zscore(b.keys.archivedSince, old)).toBeGreaterThan((await b.now()) - 1000)
    expect(await b.task(fresh)).toMatchObject({ status: 'done' })
  })

  it('deletes the archived tasks due by deleteArchivedAfterMs with their runs, events, comments and links', async () => {
    const b = await luaBoard('sweep')
    await configure(b, { deleteArchivedAfterMs: HOUR })
    const parent = await done(b)
    const id = await b.create({ parentIds: [parent] })
    const runId = await b.claim(id)
    await b.call('addComment', { id, author: 'a', body: 'hi' })
    await b.call('completeTask', { id, runId })
    await b.call('archiveTask', { id })
    await backdate(b, b.keys.archivedSince, id, 2 * HOUR)
    expect(await b.call('sweepRetention', { count: 100 })).toEqual({ archived: [], deleted: [id], trimmed: 0, more: false })
    for (const k of [b.keys.task(id), b.keys.taskEvents(id), b.keys.comments(id), b.keys.run(runId), b.keys.parents(id)])
      expect(await b.redis.exists(k), k).toBe(0)
    expect(await b.redis.smembers(b.keys.children(parent))).toEqual([])
    expect(await b.indexes(id)).toEqual([])
    expect(await b.lastStreamEvent()).toMatchObject({ kind: 'deleted', taskId: null, payload: { id, status: 'archived', by: 'retention' } })
    // the parent is done, not archived: it stays (archiveDoneAfterMs is off)
    expect(await b.task(parent)).toMatchObject({ status: 'done' })
  })

  it('releases no child: the tasks it archives and deletes are satisfied already', async () => {
    const b = await luaBoard('sweep')
    await configure(b, { archiveDoneAfterMs: HOUR, deleteArchivedAfterMs: HOUR })
    const a = await done(b)
    const z = await done(b)
    await b.call('archiveTask', { id: z })
    const open = await b.create()
    const child = await b.create({ parentIds: [a, z, open] })
    await backdate(b, b.keys.doneSince, a, 2 * HOUR)
    await backdate(b, b.keys.archivedSince, z, 2 * HOUR)
    const before = await b.task(child)
    expect(before).toMatchObject({ status: 'todo', pending: '1' })
    expect(await b.call('sweepRetention', { count: 100 })).toMatchObject({ archived: [a], deleted: [z] })
    const after = await b.task(child)
    expect(after).toMatchObject({ status: 'todo', pending: '1' })
    expect(await b.kinds(child)).toEqual(['created'])
  })

  it('is bounded by count, deletions first, and resumes at the next call', async () => {
    const b = await luaBoard('sweep')
    await configure(b, { archiveDoneAfterMs: HOUR, deleteArchivedAfterMs: HOUR })
    const dones: string[] = []
    for (let i = 0; i < 4; i++) dones.push(await done(b))
    const archs: string[] = []
    for (let i = 0; i < 3; i++) {
      const id = await done(b)
      await b.call('archiveTask', { id })
      archs.push(id)
    }
    for (const id of dones) await backdate(b, b.keys.doneSince, id, 2 * HOUR)
    for (const id of archs) await backdate(b, b.keys.archivedSince, id, 2 * HOUR)
    expect(await b.call('sweepRetention', { count: 5, dryRun: true })).toEqual({ due: { archive: 4, delete: 3, events: 0 } })
    const first = await b.call('sweepRetention', { count: 5 })
    expect(first).toMatchObject({ deleted: archs, more: true })
    expect(first).toMatchObject({ archived: dones.slice(0, 2) })
    const second = await b.call('sweepRetention', { count: 5 })
    expect(second).toEqual({ archived: dones.slice(2), deleted: [], trimmed: 0, more: false })
    expect(await b.call('sweepRetention', { count: 5, dryRun: true })).toEqual({ due: { archive: 0, delete: 0, events: 0 } })
  })

  it('drops an index entry whose task is gone or is no longer in that status', async () => {
    const b = await luaBoard('sweep')
    await configure(b, { archiveDoneAfterMs: HOUR })
    const id = await done(b)
    await b.forceStatus(id, 'ready') // a raw write, bypassing setStatus: a stale entry
    await b.redis.zadd(b.keys.doneSince, (await b.now()) - 2 * HOUR, id, (await b.now()) - 2 * HOUR, 'ghost')
    expect(await b.call('sweepRetention', { count: 100 })).toEqual({ archived: [], deleted: [], trimmed: 0, more: false })
    expect(await b.redis.zcard(b.keys.doneSince)).toBe(0)
    expect(await b.task(id)).toMatchObject({ status: 'ready' })
  })

  it('a board from before the since-indexes: its old done / archived tasks are filed a bounded part per call, then swept', async () => {
    const b = await luaBoard('sweep')
    const dones: string[] = []
    for (let i = 0; i < 5; i++) dones.push(await done(b))
    const archs: string[] = []
    for (let i = 0; i < 3; i++) {
      const id = await done(b)
      await b.call('archiveTask', { id })
      archs.push(id)
    }
    // as such a board is: no since entries; three tasks completed two hours ago
    await b.redis.del(b.keys.doneSince, b.keys.archivedSince)
    const old = (await b.now()) - 2 * HOUR
    for (const id of dones.slice(0, 3)) await b.redis.hset(b.keys.task(id), 'completedAt', old)
    await configure(b, { archiveDoneAfterMs: HOUR, deleteArchivedAfterMs: HOUR })

    // two of each status filed (done ones at their completedAt, archived ones now), the due ones archived
    expect(await b.call('sweepRetention', { count: 2 })).toEqual({ archived: dones.slice(0, 2), deleted: [], trimmed: 0, more: true })
    expect(await b.zscore(b.keys.archivedSince, archs[0]!)).toBeGreaterThan(old + HOUR)
    expect(await b.call('sweepRetention', { count: 2 })).toEqual({ archived: [dones[2]], deleted: [], trimmed: 0, more: true })
    expect(await b.call('sweepRetention', { count: 2 })).toEqual({ archived: [], deleted: [], trimmed: 0, more: false })
    expect(await b.redis.hgetall(b.keys.sinceFill)).toEqual({ done: 'end', archived: 'end' })
    expect(await b.redis.zrange(b.keys.doneSince, 0, -1)).toEqual(dones.slice(3))
    expect((await b.redis.zrange(b.keys.archivedSince, 0, -1)).sort()).toEqual([...archs, ...dones.slice(0, 3)].sort())
    // archived ones count from when they were filed: none is due yet
    expect(await b.call('sweepRetention', { count: 10, dryRun: true })).toEqual({ due: { archive: 0, delete: 0, events: 0 } })
  })

  it('dry run: the counts due, nothing written', async () => {
    const b = await luaBoard('sweep')
    await configure(b, { archiveDoneAfterMs: HOUR, deleteArchivedAfterMs: 2 * HOUR })
    const a = await done(b)
    const z = await done(b)
    await b.call('archiveTask', { id: z })
    await backdate(b, b.keys.doneSince, a, 2 * HOUR)
    await backdate(b, b.keys.archivedSince, z, 3 * HOUR)
    const before = await b.dump()
    expect(await b.call('sweepRetention', { count: 1, dryRun: true })).toEqual({ due: { archive: 1, delete: 1, events: 0 } })
    expect(await b.dump()).toEqual(before)
  })

  it('trims the event stream up to the newest mark older than eventStreamRetentionMs', async () => {
    const b = await luaBoard('sweep')
    await configure(b, { eventStreamRetentionMs: HOUR })
    for (let i = 0; i < 3; i++) await b.create() // events 2-4 (1 is settings_changed)
    // the first sweep marks the last event written (4); nothing is an hour old yet
    expect(await b.call('sweepRetention', { count: 10 })).toMatchObject({ trimmed: 0 })
    expect(await b.redis.zrange(b.keys.eventMarks, 0, -1)).toEqual(['4'])
    // 250 more events, then the mark is an hour and a half old
    for (let i = 0; i < 250; i++) await b.create()
    await backdate(b, b.keys.eventMarks, '4', 1.5 * HOUR)
    expect(await b.call('sweepRetention', { count: 10, dryRun: true })).toEqual({ due: { archive: 0, delete: 0, events: 4 } })
    const lenBefore = await b.redis.xlen(b.keys.events)
    const r = await b.call('sweepRetention', { count: 10 })
    expect('trimmed' in r).toBe(true)
    const trimmed = (r as { trimmed: number }).trimmed
    // approximate: whole stream nodes, so some of the four may stay; nothing after event 4 goes
    expect(trimmed).toBeLessThanOrEqual(4)
    const left = parseStreamEntries((await b.redis.xrange(b.keys.events, '-', '+')) as [string, string[]][])
    expect(left.length).toBe(lenBefore - trimmed)
    expect(left.map((e) => e.id)).toEqual(expect.arrayContaining([5, 253]))
  })

  it('an old mark trims every whole node before it', async () => {
    const b = await luaBoard('sweep')
    await configure(b, { eventStreamRetentionMs: HOUR })
    for (let i = 0; i < 300; i++) await b.create()
    await b.call('sweepRetention', { count: 10 }) // marks event 301
    await backdate(b, b.keys.eventMarks, '301', 2 * HOUR)
    await b.create() // event 302, newer than the mark
    const due = await b.call('sweepRetention', { count: 10, dryRun: true })
    expect(due).toEqual({ due: { archive: 0, delete: 0, events: 301 } })
    const r = (await b.call('sweepRetention', { count: 10 })) as { trimmed: number }
    // whole nodes of ~100 entries: at least 200 of the 301 go, and event 302 stays
    expect(r.trimmed).toBeGreaterThanOrEqual(200)
    expect(r.trimmed).toBeLessThanOrEqual(301)
    const ids = parseStreamEntries((await b.redis.xrange(b.keys.events, '-', '+')) as [string, string[]][]).map((e) => e.id)
    expect(ids).toContain(302)
    expect(Math.min(...ids)).toBe(302 - ids.length + 1)
    // the used mark stays until a newer one is old enough; the one this call wrote is newer
    expect(await b.redis.zrange(b.keys.eventMarks, 0, -1)).toContain('301')
  })

  it('a tick step: refuses a stale fence (STALE_LEADER), writing nothing', async () => {
    const b = await luaBoard('sweep')
    await configure(b, { archiveDoneAfterMs: HOUR })
    const id = await done(b)
    await backdate(b, b.keys.doneSince, id, 2 * HOUR)
    const before = await b.dump()
    expect(await b.raw('sweepRetention', { count: 10, fence: '999' })).toMatchObject({ err: 'STALE_LEADER' })
    expect(await b.dump()).toEqual(before)
  })
})
