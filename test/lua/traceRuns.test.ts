/**
 * traceRuns.lua (docs/tracing.md#what-is-stored): a run's process span context is written
 * on the run only while it is the task's open run; per run, the named parents' final runs
 * and their stored contexts come back. And the create scripts store a node's tp / tst.
 */
import { describe, expect, it } from 'vitest'
import { luaBoard } from '../helpers/lua.js'

const TP = (n: string) => `00-${n.repeat(32)}-${n.repeat(16)}-01`

describe('createTasks stores the trace context of a node', () => {
  it('tp and tst on the task hash, only when given', async () => {
    const b = await luaBoard('trruns')
    const traced = await b.create({ tp: TP('a'), tst: 'k=v' })
    const plain = await b.create()
    expect(await b.task(traced)).toMatchObject({ tp: TP('a'), tst: 'k=v' })
    const h = await b.task(plain)
    expect('tp' in h || 'tst' in h).toBe(false)
  })
})

describe('traceRuns.lua', () => {
  it('writes tp (and tst) on the open run; a stale run id writes nothing', async () => {
    const b = await luaBoard('trruns')
    const id = await b.create()
    const runId = await b.claim(id)
    const r = await b.call('traceRuns', {
      runs: [
        { id, runId, tp: TP('b'), tst: 'x=1' },
        { id, runId: 'r999', tp: TP('c') },
      ],
    })
    expect(r.results.map((x) => x.ok)).toEqual([true, false])
    expect(await b.run(runId)).toMatchObject({ tp: TP('b'), tst: 'x=1' })
    expect(await b.redis.exists(b.keys.run('r999'))).toBe(0)
    // no event, no status change
    expect((await b.task(id)).status).toBe('running')
    expect(await b.kinds(id)).toEqual(['created', 'claimed'])
  })

  it("returns each named parent's final run with its context: done and traced only", async () => {
    const b = await luaBoard('trruns')
    const done = await b.create()
    const first = await b.claim(done)
    await b.call('recordFailure', { id: done, runId: first, outcome: 'crashed', error: 'x' })
    const last = await b.claim(done)
    await b.call('traceRuns', { runs: [{ id: done, runId: last, tp: TP('d') }] })
    await b.call('completeTask', { id: done, runId: last })
    const untraced = await b.create()
    await b.call('completeTask', { id: untraced, runId: await b.claim(untraced) })
    const open = await b.create()
    const openRun = await b.claim(open)
    await b.call('traceRuns', { runs: [{ id: open, runId: openRun, tp: TP('e') }] })
    const child = await b.create({ parentIds: [done, untraced, open] })
    await b.redis.hset(b.keys.task(child), 'status', 'running', 'currentRunId', 'r77')
    const r = await b.call('traceRuns', { runs: [{ id: child, runId: 'r77', tp: TP('f'), parents: [done, untraced, open, 'nosuch'] }] })
    expect(r.results).toEqual([{ ok: true, parents: [{ taskId: done, runId: last, tp: TP('d') }] }])
  })
})

describe('claimBatch.lua with traces', () => {
  it("writes each run's traceparent in the claim and replies with the parents' final runs", async () => {
    const b = await luaBoard('trruns')
    const parent = await b.create()
    const pr = await b.claim(parent)
    await b.call('traceRuns', { runs: [{ id: parent, runId: pr, tp: TP('1') }] })
    await b.call('completeTask', { id: parent, runId: pr })
    const child = await b.create({ parentIds: [parent], assignee: 'l' })
    const plain = await b.create({ assignee: 'l' })
    await b.call('reserveDispatch', { count: 100, scan: 100 })
    const tokens = await Promise.all([child, plain].map(async (id) => (await b.hash(id)).queueToken!))
    const r = await b.call('claimBatch', { ids: [child, plain], tokens, claimer: 'w', traces: [TP('2'), ''] })
    const [c, p] = r.results as { ok: true; runId: string; parentRuns?: unknown }[]
    expect([c!.ok, p!.ok]).toEqual([true, true])
    expect(c!.parentRuns).toEqual([{ taskId: parent, runId: pr, tp: TP('1') }])
    expect(p!.parentRuns).toBeUndefined()
    expect((await b.run(c!.runId)).tp).toBe(TP('2'))
    expect('tp' in (await b.run(p!.runId))).toBe(false)
  })
})
