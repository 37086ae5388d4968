import { describe, expect, it } from 'vitest'
import { luaBoard } from '../helpers/lua.js'
import { toTask } from '../../src/reads.js'

describe('claimBatch.lua (tasks handed over by BullMQ, claimed in one call)', () => {
  it('claims each task of the job as claimTask does; refusals are per task and leave the others claimed', async () => {
    const b = await luaBoard('claimb')
    await b.call('configure', { set: { tasksPerJob: 4 }, clear: [] })
    const parent = await b.create({ assignee: 'lane' })
    const ids = [await b.create({ assignee: 'lane' }), await b.create({ assignee: 'lane' }), await b.create({ assignee: 'lane' })]
    const child = await b.create({ assignee: 'lane', parentIds: [parent] })
    const more = [] as string[]
    for (let i = 0; i < 12; i++) more.push(await b.create({ assignee: 'lane' }))
    const r = await b.call('reserveDispatch', { count: 100, scan: 100 })
    // 16 ready tasks in the lane -> jobs of 4: the first job is [parent, ...ids]
    expect(r.jobs.filter((j) => j.jobId === 'j1').map((j) => j.id)).toEqual([parent, ...ids])
    const token = (await b.task(ids[0]!)).queueToken!
    // ids[2] was claimed by someone else meanwhile; more[0] belongs to the next job; t404 does not exist
    const other = await b.claim(ids[2]!, 'other')

    const batch = [ids[0]!, ids[1]!, ids[2]!, more[0]!, 't404']
    const out = await b.call('claimBatch', { ids: batch, tokens: batch.map(() => token), claimer: 'w' })
    expect(out.results).toHaveLength(5)
    const [c0, c1, c2, cp, c404] = out.results
    expect(c0).toMatchObject({ ok: true, runId: expect.stringMatching(/^r\d+$/), ttlMs: 60_000 })
    expect(c1).toMatchObject({ ok: true })
    expect(c2).toEqual({ ok: false, status: 'running', id: ids[2] })
    expect(cp).toEqual({ ok: false, status: 'ready', reason: 'superseded job' })
    expect((await b.task(more[0]!)).status).toBe('ready')
    expect(c404).toEqual({ err: 'TASK_NOT_FOUND', id: 't404' })
    for (const [i, c] of [c0, c1].entries()) {
      if (!c || !('ok' in c) || !c.ok) throw new Error('refused')
      const t = await b.task(ids[i]!)
      expect(t).toMatchObject({ status: 'running', currentRunId: c.runId })
      expect(await b.indexes(ids[i]!)).toEqual(['running'])
      expect(await b.zscore(b.keys.queued, ids[i]!)).toBeNull()
      expect(await b.lastEvent(ids[i]!)).toMatchObject({ kind: 'claimed', runId: c.runId, payload: { claimer: 'w' } })
    }
    expect((await b.task(ids[2]!)).currentRunId).toBe(other)
    // in flight: 16 reserved, of which three now run: each counted once
    expect(await b.redis.hget(b.keys.inflight, 'lane')).toBe('16')
    expect((await b.task(child)).status).toBe('todo')
  })

  it('each claimed task comes back as a read right after the call returns it (hash and parents)', async () => {
    const b = await luaBoard('claimb')
    await b.call('configure', { set: { staleTimeoutMs: 60_000 }, clear: [] })
    const parent = await b.create({ assignee: 'lane' })
    await b.call('completeTask', { id: parent })
    const child = await b.create({ assignee: 'lane', parentIds: [parent], maxRuntimeMs: 5000, metadata: '{"k":1}' })
    const loose = await b.create({ assignee: 'lane', priority: 3 })
    await b.call('reserveDispatch', { count: 100, scan: 100 })
    const ids = [child, loose]
    const tokens = await Promise.all(ids.map(async (id) => (await b.hash(id)).queueToken!))
    const out = await b.call('claimBatch', { ids, tokens, claimer: 'w' })
    for (const [i, c] of out.results.entries()) {
      if (!('ok' in c) || !c.ok) throw new Error('refused')
      const parents = Array.isArray(c.parents) ? c.parents : []
      const read = toTask(await b.hash(ids[i]!), await b.redis.smembers(b.keys.parents(ids[i]!)))
      expect(toTask(c.task, parents)).toEqual(read)
      expect(read).toMatchObject({ status: 'running', currentRunId: c.runId, leaseExpiresAt: c.leaseExpiresAt })
    }
    expect(toTask((out.results[0] as { task: Record<string, string> }).task, [parent]).parents).toEqual([parent])
    expect((out.results[0] as { parents: string[] }).parents).toEqual([parent])
  })

  it('an empty job claims nothing and writes nothing', async () => {
    const b = await luaBoard('claimb')
    await b.create({ assignee: 'lane' })
    const snap = await b.dump()
    expect(await b.call('claimBatch', { ids: [], tokens: [], claimer: 'w' })).toEqual({ results: [] })
    expect(await b.dump()).toEqual(snap)
  })
})
