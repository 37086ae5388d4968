import { describe, expect, it } from 'vitest'
import { luaBoard, type LuaBoard } from '../helpers/lua.js'

const handoff = { claimer: 'w1', lanes: ['lane'] }

/** A parent claimed by w1 and its children, as given (each depends on the parent). */
async function family(b: LuaBoard, children: { assignee?: string; priority?: number }[]) {
  const parent = await b.create({ assignee: 'lane' })
  const kids: string[] = []
  for (const c of children) kids.push(await b.create({ parentIds: [parent], ...c }))
  return { parent, runId: await b.claim(parent), kids }
}

describe('completeTask / completeBatch with handoff (includes/takeover.lua)', () => {
  it("claims the best promoted child of the worker's lanes for it in the same step; the others go to BullMQ", async () => {
    const b = await luaBoard('takeover')
    const { parent, runId, kids } = await family(b, [{ assignee: 'lane' }, { assignee: 'lane', priority: 5 }, { assignee: 'other', priority: 9 }])
    const [low, high, other] = kids as [string, string, string]
    const r = await b.call('completeTask', { id: parent, runId, enqueue: true, handoff })
    if (!r.ok) throw new Error('refused')
    expect(new Set(r.promoted)).toEqual(new Set(kids))
    // the highest-priority child of the worker's lane, claimed as claimBatch would: run, lease, task
    expect(r.handoff).toMatchObject({ ok: true, id: high, task: { id: high, status: 'running', assignee: 'lane' }, parents: [parent] })
    const t = await b.task(high)
    expect(t).toMatchObject({ status: 'running', currentRunId: r.handoff!.runId })
    expect(t.queueToken).toBeUndefined() // never in BullMQ
    expect(await b.indexes(high)).toEqual(['running'])
    expect(await b.zscore(b.keys.dispatchQueue, high)).toBeNull()
    expect(await b.zscore(b.keys.queued, high)).toBeNull()
    expect(await b.zscore(b.keys.leases, high)).toBe(r.handoff!.leaseExpiresAt)
    expect(await b.run(r.handoff!.runId)).toMatchObject({ taskId: high, claimer: 'w1', assignee: 'lane' })
    expect((await b.events(high)).map((e) => e.kind)).toEqual(['created', 'promoted', 'claimed'])
    // the rest were reserved for BullMQ as usual; in flight: high running, low queued
    expect(r.jobs.map((j) => j.id).sort()).toEqual([low, other].sort())
    expect(await b.redis.hgetall(b.keys.inflight)).toEqual({ lane: '2', other: '1' })
  })

  it('takes nothing outside its lanes, past a cap, or in a cooldown; without handoff nothing is claimed', async () => {
    const b = await luaBoard('takeover')
    let f = await family(b, [{ assignee: 'other' }])
    let r = await b.call('completeTask', { id: f.parent, runId: f.runId, handoff })
    expect(r).toEqual({ ok: true, promoted: f.kids, jobs: [], rest: [] })
    expect((await b.task(f.kids[0]!)).status).toBe('ready')

    f = await family(b, [{ assignee: 'lane' }])
    r = await b.call('completeTask', { id: f.parent, runId: f.runId })
    expect(r).toEqual({ ok: true, promoted: f.kids, jobs: [], rest: [] })
    expect((await b.task(f.kids[0]!)).status).toBe('ready')

    await b.call('configure', { set: { maxInProgressPerAssignee: 1 }, clear: [] })
    const busy = await b.create({ assignee: 'lane' })
    await b.claim(busy)
    f = await family(b, [{ assignee: 'lane' }])
    await b.call('configure', { set: { maxInProgressPerAssignee: 2 }, clear: [] }) // the parent and busy run
    r = await b.call('completeTask', { id: f.parent, runId: f.runId, handoff })
    // the parent left the lane: one of two slots free again, so the child is taken
    expect(r).toMatchObject({ ok: true, handoff: { ok: true, id: f.kids[0] } })
    f = await family(b, [{ assignee: 'lane' }]) // once this parent is done: busy + the child above = the cap
    r = await b.call('completeTask', { id: f.parent, runId: f.runId, handoff })
    expect(r).toEqual({ ok: true, promoted: f.kids, jobs: [], rest: [] })
    await b.call('configure', { set: {}, clear: ['maxInProgressPerAssignee'] })

    f = await family(b, [{ assignee: 'lane' }])
    await b.redis.hset(b.keys.task(f.kids[0]!), 'cooldownUntil', String((await b.now()) + 60_000))
    r = await b.call('completeTask', { id: f.parent, runId: f.runId, handoff })
    expect(r).toEqual({ ok: true, promoted: f.kids, jobs: [], rest: [] })
  })

  it('completeBatch: each item with handoff may take one child; items without take none', async () => {
    const b = await luaBoard('takeover')
    const a = await family(b, [{ assignee: 'lane' }, { assignee: 'lane' }])
    const c = await family(b, [{ assignee: 'lane' }])
    const r = await b.call('completeBatch', {
      items: [
        { id: a.parent, runId: a.runId, handoff },
        { id: c.parent, runId: c.runId },
      ],
      enqueue: true,
    })
    const [ra, rc] = r.results as unknown as [{ ok: true; handoff?: { id: string } }, { ok: true; handoff?: unknown }]
    expect(ra.handoff?.id).toBe(a.kids[0]) // equal priority: the older one
    expect(rc.handoff).toBeUndefined()
    expect(r.jobs.map((j) => j.id).sort()).toEqual([a.kids[1]!, c.kids[0]!].sort())
    expect((await b.task(a.kids[0]!)).status).toBe('running')
  })
})
