/**
 * bulkTasks.lua, one step of a bulk operation: each op's change, skips by reason, the
 * filter, the per-task events naming the actor, and a dry run that writes nothing. The walk
 * itself (bounds, cursor) is test/lua/bulkWalk.test.ts; the semantics against the single
 * operations, test/lua/bulkSemantics.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { luaBoard, type LuaBoard } from '../helpers/lua.js'
import type { ScriptArgs } from '../../src/scriptContract.js'
import { parseStreamEntries } from '../../src/reads.js'

type Args = ScriptArgs['bulkTasks']
const ALL_BUT_ARCHIVED = ['triage', 'todo', 'scheduled', 'ready', 'running', 'blocked', 'review', 'done']

/** the keys of the board's tasks (t:<id> and what hangs off it) */
async function taskKeys(b: LuaBoard): Promise<string[]> {
  return Object.keys(await b.dump())
    .filter((k) => k.startsWith(`${b.keys.prefix}t:`))
    .sort()
}

function bulk(b: LuaBoard, args: Partial<Args> & Pick<Args, 'op'>) {
  return b.call('bulkTasks', { statuses: ALL_BUT_ARCHIVED, filter: {}, actor: 'alice', examine: 1000, change: 1000, ...args })
}

describe('bulkTasks.lua: the ops', () => {
  it('unblock: blocked and scheduled -> ready | todo, event unblocked with the actor; other statuses skipped as status', async () => {
    const b = await luaBoard('bulk')
    const sticky = await b.create({ blocked: true })
    const parked = await b.create()
    await b.breakerBlock(parked)
    const later = await b.create({ runAt: (await b.now()) + 3_600_000 })
    const parent = await b.create()
    const waiting = await b.create({ parentIds: [parent], blocked: true })
    // what the op moves tasks to first (as src/bulk.ts orders them): the moved are not met again
    const r = await bulk(b, { op: 'unblock', statuses: ['todo', 'ready', 'scheduled', 'blocked'] })
    expect(r).toMatchObject({ examined: 5, matched: 5, changed: 4, skipped: { status: 1, sticky: 0, unchanged: 0 } })
    expect(r.cursor).toBeUndefined()
    expect(r.ids.sort()).toEqual([sticky, parked, later, waiting].sort())
    expect(r.ready.sort()).toEqual([sticky, parked, later].sort())
    for (const id of [sticky, parked, later]) expect(await b.task(id)).toMatchObject({ status: 'ready', sticky: '0', consecutiveFailures: '0' })
    expect(await b.task(waiting)).toMatchObject({ status: 'todo' })
    expect(await b.lastEvent(parked)).toMatchObject({ kind: 'unblocked', payload: { from: 'blocked', to: 'ready', actor: 'alice', bulk: 'unblock' } })
    expect((await b.lastEvent(later)).payload).toEqual({ from: 'scheduled', to: 'ready', actor: 'alice', bulk: 'unblock' })
  })

  it("retry: resets the breaker of gave_up tasks (blocked, not sticky); a person's sticky block is skipped as sticky", async () => {
    const b = await luaBoard('bulk')
    const parked = await b.create()
    await b.breakerBlock(parked)
    expect(await b.kinds(parked)).toContain('gave_up')
    const sticky = await b.create({ blocked: true })
    const r = await bulk(b, { op: 'retry', statuses: ['blocked'] })
    expect(r).toMatchObject({ matched: 2, changed: 1, ids: [parked], ready: [parked], skipped: { sticky: 1, status: 0 } })
    const t = await b.task(parked)
    expect(t).toMatchObject({ status: 'ready', consecutiveFailures: '0' })
    expect(t.lastFailureError).toBeUndefined()
    expect(await b.nsblocked()).toEqual([])
    expect((await b.lastEvent(parked)).payload).toEqual({ from: 'blocked', to: 'ready', actor: 'alice', bulk: 'retry' })
    expect(await b.task(sticky)).toMatchObject({ status: 'blocked', sticky: '1' })
  })

  it('archive: -> archived, children released in the same call; archived tasks skipped as status', async () => {
    const b = await luaBoard('bulk')
    const parent = await b.create({ assignee: 'x' })
    const child = await b.create({ parentIds: [parent] })
    const old = await b.create({ assignee: 'x' })
    await b.call('archiveTask', { id: old })
    // archived first (as src/bulk.ts orders them): the task the op archives is not met again
    const r = await bulk(b, { op: 'archive', statuses: ['archived', 'ready'], filter: { lane: 'x' } })
    expect(r).toMatchObject({ examined: 3, matched: 2, changed: 1, ids: [parent], ready: [child], skipped: { status: 1 } })
    expect(await b.task(parent)).toMatchObject({ status: 'archived' })
    expect(await b.task(child)).toMatchObject({ status: 'ready' })
    expect(await b.lastEvent(parent)).toMatchObject({ kind: 'archived', payload: { from: 'ready', actor: 'alice', bulk: 'archive' } })
  })

  it('archive meets a child its own change released in a later index of the walk, once', async () => {
    const b = await luaBoard('bulk')
    const grand = await b.create()
    const parent = await b.create({ assignee: 'x', parentIds: [grand] })
    const child = await b.create({ assignee: 'x', parentIds: [parent] })
    // todo holds the parent and the child; archiving the parent releases the child to ready
    // before the walk reaches it in todo (left there, uncounted), and ready meets it again
    const r = await bulk(b, { op: 'archive', statuses: ['todo', 'ready'], filter: { lane: 'x' } })
    expect(r).toMatchObject({ examined: 4, matched: 2, changed: 2, ready: [] })
    expect(r.ids).toEqual([parent, child])
    expect(await b.indexes(child)).toEqual(['archived'])
    expect((await b.kinds(child)).filter((k) => k === 'archived')).toHaveLength(1)
  })

  it('reassign: a new lane and a fresh failure budget, event assigned; running skipped as status, its own lane as unchanged; to null unassigns', async () => {
    const b = await luaBoard('bulk')
    await b.call('configure', { set: { retryBackoffMs: 0 }, clear: [] }) // the failed task is dispatchable at once
    const failing = await b.create({ assignee: 'x' })
    await b.call('recordFailure', { id: failing, runId: await b.claim(failing), outcome: 'crashed', error: 'e' })
    const running = await b.create({ assignee: 'x' })
    await b.claim(running)
    const there = await b.create({ assignee: 'y' })
    const r = await bulk(b, { op: 'reassign', statuses: ['ready', 'running'], to: 'y' })
    expect(r).toMatchObject({ matched: 3, changed: 1, ids: [failing], ready: [], skipped: { status: 1, unchanged: 1 } })
    expect(await b.task(failing)).toMatchObject({ assignee: 'y', consecutiveFailures: '0' })
    expect(await b.zscore(b.keys.dispatchQueue, failing)).not.toBeNull()
    expect((await b.lastEvent(failing)).payload).toEqual({ from: 'x', to: 'y', actor: 'alice', bulk: 'reassign' })
    expect(await b.task(running)).toMatchObject({ assignee: 'x', status: 'running' })

    const un = await bulk(b, { op: 'reassign', statuses: ['ready'], filter: { lane: 'y' }, to: null })
    expect(un).toMatchObject({ changed: 2 })
    expect((await b.task(there)).assignee).toBeUndefined()
    expect(await b.zscore(b.keys.dispatchUnassigned, there)).not.toBeNull()
    expect((await b.lastEvent(there)).payload).toEqual({ from: 'y', to: null, actor: 'alice', bulk: 'reassign' })
  })

  it('delete: removes tasks through removeTask, a deleted event with the actor on the stream; a child removed after its parent leaves no key', async () => {
    const b = await luaBoard('bulk')
    const keep = await b.create({ tenant: 'acme' })
    const parent = await b.create({ tenant: 'globex' })
    const child = await b.create({ tenant: 'globex', parentIds: [parent] })
    const r = await bulk(b, { op: 'delete', filter: { tenant: 'globex' } })
    // todo first (the child), then ready (the parent)
    expect(r).toMatchObject({ examined: 3, matched: 2, changed: 2, ids: [child, parent] })
    expect(await taskKeys(b)).toEqual([b.keys.task(keep), b.keys.taskEvents(keep)].sort())
    const deleted = parseStreamEntries((await b.redis.xrange(b.keys.events, '-', '+')) as [string, string[]][]).filter((e) => e.kind === 'deleted')
    expect(deleted.map((e) => e.payload)).toEqual([
      { id: child, title: 'task', status: 'todo', actor: 'alice', bulk: 'delete' },
      { id: parent, title: 'task', status: 'ready', actor: 'alice', bulk: 'delete' },
    ])
  })

  it('a parent deleted before its child: the child promoted, then deleted in the same call, leaves no event list', async () => {
    const b = await luaBoard('bulk')
    const parent = await b.create({ assignee: 'x', blocked: true })
    const child = await b.create({ assignee: 'x', parentIds: [parent] })
    // the parent first: its removal promotes the child into ready, where the walk meets it next
    const r = await bulk(b, { op: 'delete', statuses: ['blocked', 'ready', 'todo'], filter: { lane: 'x' } })
    expect(r).toMatchObject({ changed: 2, ids: [parent, child], ready: [] })
    expect(await taskKeys(b)).toEqual([])
    const kinds = parseStreamEntries((await b.redis.xrange(b.keys.events, '-', '+')) as [string, string[]][]).map((e) => e.kind)
    // as deleteTask: the children released, then the record of the removal
    expect(kinds.slice(-3)).toEqual(['promoted', 'deleted', 'deleted'])
  })
})

describe('bulkTasks.lua: the filter', () => {
  it('lane and tenant together; null selects tasks without one; a non-match is examined, not matched', async () => {
    const b = await luaBoard('bulk')
    const both = await b.create({ assignee: 'x', tenant: 'acme', blocked: true })
    await b.create({ assignee: 'x', tenant: 'globex', blocked: true })
    const yAcme = await b.create({ assignee: 'y', tenant: 'acme', blocked: true })
    const bare = await b.create({ blocked: true })
    const noLane = await b.create({ tenant: 'acme', blocked: true })
    const u = (filter: Args['filter']) => bulk(b, { op: 'unblock', statuses: ['blocked'], filter, dryRun: true })
    expect(await u({ lane: 'x', tenant: 'acme' })).toMatchObject({ examined: 5, matched: 1, ids: [both] })
    expect((await u({ lane: null })).ids).toEqual([bare, noLane])
    expect((await u({ lane: null, tenant: null })).ids).toEqual([bare])
    expect((await u({ tenant: 'acme' })).ids).toEqual([both, yAcme, noLane])
  })
})

describe('bulkTasks.lua: dry run', () => {
  it.each(['unblock', 'retry', 'archive', 'reassign', 'delete'] as const)('%s: the counts of the real run, and nothing written', async (op) => {
    const b = await luaBoard('bulk')
    const parked = await b.create({ assignee: 'x' })
    await b.breakerBlock(parked)
    const parent = await b.create({ assignee: 'x', blocked: true })
    await b.create({ assignee: 'x', parentIds: [parent] })
    await b.create({ assignee: 'y', runAt: (await b.now()) + 3_600_000 })
    const running = await b.create({ assignee: 'x' })
    await b.claim(running)
    await b.call('completeTask', { id: await b.create({ assignee: 'x' }) })
    const args = { op, filter: { lane: 'x' }, ...(op === 'reassign' ? { to: 'z' } : {}) }
    const before = await b.dump()
    const dry = await bulk(b, { ...args, dryRun: true })
    expect(await b.dump()).toEqual(before)
    const real = await bulk(b, args)
    expect(dry.ready).toEqual([])
    expect({ ...dry, ready: [] }).toEqual({ ...real, ready: [] })
    expect(real).toMatchObject({ matched: 5, changed: { unblock: 2, retry: 1, archive: 5, reassign: 4, delete: 5 }[op] })
  })
})
