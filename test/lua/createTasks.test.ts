import { describe, expect, it } from 'vitest'
import { expectNear, luaBoard } from '../helpers/lua.js'
import type { CreateNodeArg } from '../../src/scriptContract.js'

const node = (ref: string, extra: Partial<CreateNodeArg> = {}): CreateNodeArg => ({
  ref,
  title: `task ${ref}`,
  priority: 0,
  parentIds: [],
  parentRefs: [],
  ...extra,
})

describe('createTasks.lua', () => {
  it('creates a parentless task as ready, indexed, with a created event', async () => {
    const b = await luaBoard('create')
    const before = await b.now()
    const r = await b.call('createTasks', { nodes: [node('a', { assignee: 'coder', maxRetries: 4, metadata: '{"k":1}' })] })
    const after = await b.now()
    expect(r).toEqual({ ok: true, ids: { a: 't1' }, created: ['a'], jobs: [], toEnqueue: [] })
    const t = await b.task('t1')
    expect(t).toMatchObject({
      id: 't1',
      title: 'task a',
      status: 'ready',
      priority: '0',
      assignee: 'coder',
      maxRetries: '4',
      metadata: '{"k":1}',
      consecutiveFailures: '0',
      blockRecurrences: '0',
      sticky: '0',
      pending: '0',
      ord: '1',
    })
    expectNear(t.createdAt, before, after)
    expect(t.currentRunId).toBeUndefined()
    expect(await b.indexes('t1')).toEqual(['ready'])
    expect(await b.zscore(b.keys.status('ready'), 't1')).toBe(1)
    expect(await b.nsblocked()).toEqual([])
    const ev = await b.lastEvent('t1')
    expect(ev).toMatchObject({ taskId: 't1', runId: null, kind: 'created', payload: { status: 'ready', parents: 0 } })
  })

  it('writes a DAG in topological order: refs and existing ids become links, pending counts unsatisfied parents', async () => {
    const b = await luaBoard('create')
    const done = await b.create({ title: 'done parent' })
    await b.call('completeTask', { id: done })
    const open = await b.create({ title: 'open parent' })
    const r = await b.call('createTasks', {
      nodes: [
        node('root'),
        node('mid', { parentRefs: ['root'], parentIds: [done] }),
        node('leaf', { parentRefs: ['mid', 'root'], parentIds: [open] }),
        node('free', { parentIds: [done] }),
      ],
    })
    expect(r).toEqual({ ok: true, ids: { root: 't3', mid: 't4', leaf: 't5', free: 't6' }, created: ['root', 'mid', 'leaf', 'free'], jobs: [], toEnqueue: [] })
    expect((await b.task('t3')).status).toBe('ready')
    // a done parent is satisfied: only the batch parent counts
    expect(await b.task('t4')).toMatchObject({ status: 'todo', pending: '1' })
    expect(await b.task('t5')).toMatchObject({ status: 'todo', pending: '3' })
    expect(await b.task('t6')).toMatchObject({ status: 'ready', pending: '0' })
    expect((await b.redis.smembers(b.keys.parents('t5'))).sort()).toEqual(['t2', 't3', 't4'])
    expect((await b.redis.smembers(b.keys.children('t3'))).sort()).toEqual(['t4', 't5'])
    expect((await b.redis.smembers(b.keys.children(done))).sort()).toEqual(['t4', 't6'])
    expect((await b.lastEvent('t5')).payload).toEqual({ status: 'todo', parents: 3 })
  })

  it('a batch of 1,200 nodes files every task in its status index and, enqueued, in queued (ZADDs in parts)', async () => {
    const b = await luaBoard('create')
    const nodes = Array.from({ length: 1200 }, (_, i) => ({
      ref: `n${i}`,
      title: `t${i}`,
      priority: i % 3,
      assignee: 'lane',
      parentIds: [],
      parentRefs: i % 4 === 3 ? [`n${i - 1}`] : [],
    }))
    const r = await b.call('createTasks', { nodes, enqueue: true })
    const ready = nodes.filter((n) => n.parentRefs.length === 0)
    expect(await b.redis.zcard(b.keys.status('ready'))).toBe(ready.length)
    expect(await b.redis.zcard(b.keys.status('todo'))).toBe(1200 - ready.length)
    expect(await b.redis.zcard(b.keys.queued)).toBe(ready.length)
    for (const n of [nodes[0]!, nodes[599]!, nodes[1199]!]) {
      const id = r.ids[n.ref]!
      expect(await b.zscore(b.keys.status(n.parentRefs.length ? 'todo' : 'ready'), id)).toBe(Number((await b.task(id)).ord))
    }
  })

  it('ranks by priority: ord = -priority * 1e9 + seq, the score in its status index', async () => {
    const b = await luaBoard('create')
    const low = await b.create({ priority: -2 })
    const high = await b.create({ priority: 5 })
    expect((await b.task(high)).ord).toBe(String(-5e9 + 2))
    expect(await b.zscore(b.keys.status('ready'), low)).toBe(2e9 + 1)
    expect(await b.redis.zrange(b.keys.status('ready'), 0, -1)).toEqual([high, low])
  })

  it('creates a blocked task sticky, with created + blocked events, outside nsblocked', async () => {
    const b = await luaBoard('create')
    const id = await b.create({ blocked: true, triage: true })
    expect(await b.task(id)).toMatchObject({ status: 'blocked', sticky: '1', blockReason: 'created blocked' })
    expect(await b.indexes(id)).toEqual(['blocked'])
    // sticky: recompute-ready must never see it
    expect(await b.nsblocked()).toEqual([])
    expect(await b.kinds(id)).toEqual(['created', 'blocked'])
    expect((await b.lastEvent(id)).payload).toEqual({ reason: 'created blocked', sticky: true })
  })

  it('creates triage, scheduled (future runAt, in the sched index) and ready (past runAt)', async () => {
    const b = await luaBoard('create')
    const now = await b.now()
    const triage = await b.create({ triage: true, runAt: now + 60_000 })
    const later = await b.create({ runAt: now + 60_000 })
    const past = await b.create({ runAt: now - 1 })
    expect((await b.task(triage)).status).toBe('triage')
    expect(await b.task(later)).toMatchObject({ status: 'scheduled', sticky: '0', runAt: String(now + 60_000) })
    expect(await b.zscore(b.keys.scheduled, later)).toBe(now + 60_000)
    expect((await b.task(past)).status).toBe('ready')
    expect(await b.redis.zrange(b.keys.scheduled, 0, -1)).toEqual([later])
  })

  it('an idempotency key of an existing task returns its id and writes nothing', async () => {
    const b = await luaBoard('create')
    const first = await b.call('createTasks', { nodes: [node('a', { idempotencyKey: 'job-1' })] })
    expect(first.ids.a).toBe('t1')
    expect(await b.redis.hget(b.keys.idem, 'job-1')).toBe('t1')
    const before = await b.dump()
    const again = await b.call('createTasks', { nodes: [node('x', { idempotencyKey: 'job-1', title: 'other' })] })
    expect(again).toEqual({ ok: true, ids: { x: 't1' }, created: [], jobs: [], toEnqueue: [] })
    expect(await b.dump()).toEqual(before)
  })

  it('two nodes of one batch with the same key make one task; a dependant of the duplicate links to it', async () => {
    const b = await luaBoard('create')
    const r = await b.call('createTasks', {
      nodes: [node('a', { idempotencyKey: 'k' }), node('b', { idempotencyKey: 'k' }), node('c', { parentRefs: ['b'] })],
    })
    expect(r).toEqual({ ok: true, ids: { a: 't1', b: 't1', c: 't2' }, created: ['a', 'c'], jobs: [], toEnqueue: [] })
    expect(await b.redis.smembers(b.keys.parents('t2'))).toEqual(['t1'])
    expect(await b.task('t2')).toMatchObject({ status: 'todo', pending: '1' })
  })

  it('an archived task frees its idempotency key', async () => {
    const b = await luaBoard('create')
    const id = await b.create({ idempotencyKey: 'k' })
    await b.call('archiveTask', { id })
    expect(await b.create({ idempotencyKey: 'k' })).toBe('t2')
    expect(await b.redis.hget(b.keys.idem, 'k')).toBe('t2')
  })

  it('refuses an unknown parent with UNKNOWN_PARENT and writes nothing (not even the earlier nodes)', async () => {
    const b = await luaBoard('create')
    const p = await b.create()
    const before = await b.dump()
    const args = { nodes: [node('a'), node('b', { parentIds: [p, 't404'] })] }
    expect(await b.raw('createTasks', args)).toEqual({ err: 'UNKNOWN_PARENT', id: 't404' })
    await expect(b.call('createTasks', args)).rejects.toMatchObject({ code: 'UNKNOWN_PARENT', details: { id: 't404' } })
    expect(await b.dump()).toEqual(before)
  })

  describe('with enqueue (an autoEnqueue handle)', () => {
    it('no cap can bind: new ready tasks with a lane go straight to queued in lane jobs, by priority; the rest is filed as usual', async () => {
      const b = await luaBoard('create-enq')
      await b.call('configure', { set: { tasksPerJob: 2 }, clear: [] })
      const nodes = [
        ...Array.from({ length: 7 }, (_, i) => node(`a${i}`, { assignee: 'a', priority: i === 6 ? 5 : 0 })),
        node('loose'),
        node('later', { assignee: 'a', parentRefs: ['a0'] }),
        node('held', { assignee: 'a', blocked: true }),
      ]
      const r = await b.call('createTasks', { nodes, enqueue: true })
      const id = (ref: string) => r.ids[ref]!
      // 7 tasks of lane a -> jobs of min(2, floor(7/4)) = 1; the priority-5 task's job first
      expect(r.jobs.map((j) => j.id)).toEqual([id('a6'), ...[0, 1, 2, 3, 4, 5].map((i) => id(`a${i}`))])
      expect(r.jobs.map((j) => j.jobId)).toEqual(['j1', 'j2', 'j3', 'j4', 'j5', 'j6', 'j7'])
      expect(r.toEnqueue).toEqual([id('loose')])
      for (const j of r.jobs) {
        const t = await b.task(j.id)
        expect(t).toMatchObject({ status: 'ready', queueToken: j.jobId.slice(1), inflightLane: 'a' })
        expect(await b.zscore(b.keys.queued, j.id)).not.toBeNull()
        expect(await b.zscore(b.keys.dispatchQueue, j.id)).toBeNull()
      }
      expect(await b.redis.hgetall(b.keys.inflight)).toEqual({ a: '7' })
      // not ready, or no lane: filed as without enqueue
      expect(await b.zscore(b.keys.dispatchUnassigned, id('loose'))).not.toBeNull()
      for (const ref of ['later', 'held']) expect(await b.zscore(b.keys.queued, id(ref))).toBeNull()
      // a claim with the job's token takes it, as after reserveDispatch
      const c = await b.call('claimTask', { id: id('a6'), claimer: 'w', queueToken: '1' })
      expect(c.ok).toBe(true)
      expect(await b.redis.hgetall(b.keys.inflight)).toEqual({ a: '7' })
    })

    it('a cap that could bind: nothing goes straight to a job; the ready ones are listed for reserveDispatch', async () => {
      const b = await luaBoard('create-enq')
      await b.call('configure', { set: { maxInProgressPerAssignee: 2 }, clear: [] })
      const r = await b.call('createTasks', {
        nodes: [node('x', { assignee: 'a' }), node('y', { assignee: 'a' }), node('z', { assignee: 'a' })],
        enqueue: true,
      })
      expect(r.jobs).toEqual([])
      expect(r.toEnqueue).toEqual([r.ids.x, r.ids.y, r.ids.z])
      expect(await b.redis.zcard(b.keys.queued)).toBe(0)
      expect(await b.redis.zcard(b.keys.dispatchQueue)).toBe(3)
      // and the usual reservation then respects the cap
      const res = await b.call('reserveDispatch', { count: 10, scan: 10, ids: r.toEnqueue })
      expect(res.jobs.map((j) => j.id)).toEqual([r.ids.x, r.ids.y])
      expect(res.skippedCapped).toBe(1)
    })
  })
})
