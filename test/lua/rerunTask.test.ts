/**
 * rerunTask.lua (docs/lifecycle.md#re-run): a done task reopened, its children waiting for it
 * again (their pending counts), with subtree its whole downstream; bounded, refused whole.
 */
import { describe, expect, it } from 'vitest'
import { luaBoard, type LuaBoard } from '../helpers/lua.js'

const MAX = 1000
const rerun = (b: LuaBoard, id: string, o: { subtree?: boolean; reason?: string; maxTasks?: number } = {}) =>
  b.call('rerunTask', { id, actor: 'ops', maxTasks: MAX, ...o })

/** Creates a task, completes it (with a result) and returns its id. */
async function done(b: LuaBoard, parentIds: string[] = [], assignee = 'lane'): Promise<string> {
  const id = await b.create({ parentIds, assignee })
  if ((await b.task(id)).status === 'todo') await b.call('promoteTask', { id, actor: 'test', force: true })
  expect(await b.call('completeTask', { id, result: `result of ${id}` })).toMatchObject({ ok: true })
  return id
}

const pending = async (b: LuaBoard, id: string) => Number((await b.task(id)).pending)

describe('rerunTask.lua, one task', () => {
  it('done -> ready: completedAt cleared, result kept, back in the dispatch queue, event reopened naming the actor', async () => {
    const b = await luaBoard('rerun')
    const id = await done(b)
    expect(await rerun(b, id, { reason: 'bad input data' })).toEqual({ ok: true, status: 'ready', reopened: [id], demoted: [], reclaimed: [], ready: [id] })
    const t = await b.task(id)
    expect(t).toMatchObject({ status: 'ready', result: `result of ${id}`, consecutiveFailures: '0', pending: '0' })
    expect(t.completedAt).toBeUndefined()
    expect(await b.indexes(id)).toEqual(['ready'])
    expect(await b.zscore(b.keys.dispatchQueue, id)).toBe(Number(t.ord))
    expect(await b.lastEvent(id)).toMatchObject({ kind: 'reopened', runId: null, payload: { actor: 'ops', reason: 'bad input data', root: id, to: 'ready' } })
    // a new run next time; the old one is kept
    const runId = await b.claim(id)
    expect(t.runIds!.split(' ')).toHaveLength(1)
    expect((await b.task(id)).runIds!.split(' ')).toEqual([...t.runIds!.split(' '), runId])
  })

  it('done with an unsatisfied parent (completed by hand) -> todo', async () => {
    const b = await luaBoard('rerun')
    const parent = await b.create()
    const id = await done(b, [parent])
    expect(await pending(b, id)).toBe(1)
    expect(await rerun(b, id)).toMatchObject({ ok: true, status: 'todo', ready: [] })
    expect(await b.indexes(id)).toEqual(['todo'])
    expect((await b.lastEvent(id)).payload).toMatchObject({ to: 'todo' })
    // and the parent's completion promotes it as any todo child
    expect(await b.call('completeTask', { id: parent })).toMatchObject({ promoted: [id] })
  })

  it('its children wait for it again: every pending count +1, a ready child back to todo, started or finished ones keep their status', async () => {
    const b = await luaBoard('rerun')
    const x = await done(b)
    const [ready, running, finished, review, queued] = [
      await b.create({ parentIds: [x], assignee: 'lane' }),
      await b.create({ parentIds: [x], assignee: 'lane' }),
      await b.create({ parentIds: [x], assignee: 'lane' }),
      await b.create({ parentIds: [x], assignee: 'lane' }),
      await b.create({ parentIds: [x], assignee: 'lane' }),
    ]
    const runId = await b.claim(running)
    await b.call('completeTask', { id: finished })
    await b.call('requestReview', { id: review, runId: await b.claim(review), reviewer: 'rev' })
    expect((await b.call('reserveDispatch', { count: 10, scan: 100, ids: [queued] })).jobs).toHaveLength(1)
    expect(await b.redis.hget(b.keys.inflight, 'lane')).toBe('2') // running + queued

    const r = await rerun(b, x)
    expect(r).toMatchObject({ ok: true, status: 'ready', reopened: [x], reclaimed: [], ready: [x] })
    if (!r.ok) throw new Error('refused')
    expect(r.demoted.sort()).toEqual([ready, queued].sort())
    for (const c of [ready, running, finished, review, queued]) expect(await pending(b, c), c).toBe(1)
    expect(await b.indexes(ready)).toEqual(['todo'])
    expect(await b.indexes(queued)).toEqual(['todo'])
    expect(await b.zscore(b.keys.queued, queued)).toBeNull()
    expect(await b.redis.hget(b.keys.inflight, 'lane')).toBe('1') // the running one only
    expect(await b.lastEvent(ready)).toMatchObject({ kind: 'demoted', payload: { actor: 'ops', root: x, from: 'ready', to: 'todo' } })
    expect(await b.task(running)).toMatchObject({ status: 'running', currentRunId: runId })
    expect(await b.indexes(finished)).toEqual(['done'])
    expect(await b.task(review)).toMatchObject({ status: 'review', assignee: 'rev' })

    // completing x again releases the waiting children and brings every count back to 0
    expect(await b.call('completeTask', { id: x })).toMatchObject({ promoted: expect.arrayContaining([ready, queued]) })
    for (const c of [ready, running, finished, review, queued]) expect(await pending(b, c), c).toBe(0)
    expect(await b.call('completeTask', { id: running, runId })).toMatchObject({ ok: true })
  })

  it('a child forced past its parents stays ready', async () => {
    const b = await luaBoard('rerun')
    const x = await done(b)
    const other = await b.create()
    const forced = await b.create({ parentIds: [x, other] })
    await b.call('promoteTask', { id: forced, actor: 'op', force: true })
    expect(await rerun(b, x)).toMatchObject({ demoted: [] })
    expect(await b.task(forced)).toMatchObject({ status: 'ready', pending: '2' })
  })
})

describe('rerunTask.lua with subtree', () => {
  it('done descendants reopen, ready / review / running ones go back to todo, the rest keep their status; counts follow', async () => {
    const b = await luaBoard('rerun')
    // x -> a -> b -> d;  a -> c (running);  b -> d (review, moved to lane rev);
    // a -> g (sticky blocked);  a -> e (archived) -> f (done)
    const x = await done(b)
    const a = await done(b, [x])
    const bb = await done(b, [a])
    const c = await b.create({ parentIds: [a], assignee: 'lane' })
    const cRun = await b.claim(c)
    const d = await b.create({ parentIds: [bb], assignee: 'lane' })
    await b.call('requestReview', { id: d, runId: await b.claim(d), reviewer: 'rev' })
    const g = await b.create({ parentIds: [a], assignee: 'lane' })
    await b.call('blockTask', { id: g, reason: 'needs a human' })
    const e = await b.create({ parentIds: [a] })
    await b.call('archiveTask', { id: e })
    const f = await done(b, [e])

    const r = await rerun(b, x, { subtree: true, reason: 'model upgrade' })
    if (!r.ok) throw new Error('refused')
    expect(r.status).toBe('ready')
    expect(r.reopened).toEqual([x, a, bb])
    expect(r.demoted.sort()).toEqual([c, d].sort())
    expect(r.reclaimed).toEqual([c])
    expect(r.ready).toEqual([x])

    expect(await b.indexes(a)).toEqual(['todo'])
    expect(await b.indexes(bb)).toEqual(['todo'])
    expect((await b.hash(a)).completedAt).toBeUndefined()
    expect(await b.lastEvent(bb)).toMatchObject({ kind: 'reopened', payload: { actor: 'ops', reason: 'model upgrade', root: x, to: 'todo' } })
    // the running one: run closed reclaimed (neutral), lease and in-flight count gone
    expect(await b.task(c)).toMatchObject({ status: 'todo', consecutiveFailures: '0' })
    expect(await b.run(cRun)).toMatchObject({ outcome: 'reclaimed', error: `re-run of ${x}` })
    expect(await b.zscore(b.keys.leases, c)).toBeNull()
    expect(await b.redis.hexists(b.keys.inflight, 'lane')).toBe(0)
    expect(await b.lastEvent(c)).toMatchObject({ kind: 'demoted', runId: cRun, payload: { from: 'running', to: 'todo', root: x } })
    expect(await b.call('heartbeat', { id: c, runId: cRun })).toMatchObject({ ok: false })
    // the review goes back to its author's lane
    const dt = await b.task(d)
    expect(dt).toMatchObject({ status: 'todo', assignee: 'lane' })
    expect(dt.authorAssignee).toBeUndefined()
    // kept: a sticky block, an archived task, and what lies only beyond it
    expect(await b.task(g)).toMatchObject({ status: 'blocked', sticky: '1' })
    expect(await b.indexes(e)).toEqual(['archived'])
    expect(await b.indexes(f)).toEqual(['done'])
    // every task waits for exactly its unsatisfied parents
    expect(await pending(b, a)).toBe(1)
    expect(await pending(b, bb)).toBe(1)
    expect(await pending(b, c)).toBe(1)
    expect(await pending(b, d)).toBe(1)
    expect(await pending(b, g)).toBe(1)
    expect(await pending(b, f)).toBe(0)

    // the chain runs again top-down: each completion releases the next
    expect(await b.call('completeTask', { id: x })).toMatchObject({ promoted: [a] })
    const next = await b.call('completeTask', { id: a })
    expect(next.ok && next.promoted.sort()).toEqual([bb, c].sort())
    expect(await b.call('completeTask', { id: bb })).toMatchObject({ promoted: [d] })
  })

  it('a diamond: the shared descendant waits for both reopened parents', async () => {
    const b = await luaBoard('rerun')
    const x = await done(b)
    const l = await done(b, [x])
    const r = await done(b, [x])
    const j = await done(b, [l, r])
    expect(await rerun(b, x, { subtree: true })).toMatchObject({ reopened: [x, expect.any(String), expect.any(String), j] })
    expect(await pending(b, j)).toBe(2)
    await b.call('completeTask', { id: x })
    expect(await b.call('completeTask', { id: l })).toMatchObject({ promoted: [] })
    expect(await b.call('completeTask', { id: r })).toMatchObject({ promoted: [j] })
  })

  it('bounded: a subtree over maxTasks is refused with SUBTREE_TOO_LARGE, nothing written; at the bound it goes', async () => {
    const b = await luaBoard('rerun')
    const x = await done(b)
    let last = x
    for (let i = 0; i < 4; i++) last = await done(b, [last])
    const before = await b.dump()
    expect(await b.raw('rerunTask', { id: x, actor: 'ops', subtree: true, maxTasks: 3 })).toEqual({ err: 'SUBTREE_TOO_LARGE', id: x, limit: 3 })
    await expect(rerun(b, x, { subtree: true, maxTasks: 3 })).rejects.toMatchObject({ code: 'SUBTREE_TOO_LARGE', details: { id: x, limit: 3 } })
    expect(await b.dump()).toEqual(before)
    expect(await rerun(b, x, { subtree: true, maxTasks: 4 })).toMatchObject({ ok: true, reopened: expect.arrayContaining([x, last]) })
  })

  it('bounded without subtree too: a children set over maxTasks is refused', async () => {
    const b = await luaBoard('rerun')
    const x = await done(b)
    for (let i = 0; i < 3; i++) await b.create({ parentIds: [x] })
    const before = await b.dump()
    await expect(rerun(b, x, { maxTasks: 2 })).rejects.toMatchObject({ code: 'SUBTREE_TOO_LARGE' })
    expect(await b.dump()).toEqual(before)
  })
})

describe('rerunTask.lua refusals', () => {
  it.each(['ready', 'running', 'todo', 'blocked', 'archived'] as const)('a %s task: { ok = false, status }, nothing written', async (status) => {
    const b = await luaBoard('rerun')
    const id = status === 'todo' ? await b.create({ parentIds: [await b.create()] }) : await b.create()
    if (status === 'running') await b.claim(id)
    if (status === 'blocked') await b.call('blockTask', { id, reason: 'human' })
    if (status === 'archived') await b.call('archiveTask', { id })
    const before = await b.dump()
    expect(await rerun(b, id, { subtree: true })).toEqual({ ok: false, status, id })
    expect(await b.dump()).toEqual(before)
  })

  it('TASK_NOT_FOUND for an unknown id', async () => {
    const b = await luaBoard('rerun')
    expect(await b.raw('rerunTask', { id: 't9', actor: 'ops', maxTasks: MAX })).toEqual({ err: 'TASK_NOT_FOUND', id: 't9' })
  })
})
