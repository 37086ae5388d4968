import { describe, expect, it } from 'vitest'
import { expectNear, luaBoard, type LuaBoard } from '../helpers/lua.js'

describe('blockTask.lua', () => {
  it('running -> blocked, sticky: closes the run blocked, drops the lease, never enters nsblocked', async () => {
    const b = await luaBoard('block')
    const id = await b.create()
    const runId = await b.claim(id)
    const before = await b.now()
    const r = await b.call('blockTask', { id, runId, reason: 'review-required: ACL change', kind: 'needs_input' })
    const after = await b.now()
    expect(r).toEqual({ ok: true, status: 'blocked' })
    const t = await b.task(id)
    expect(t).toMatchObject({
      status: 'blocked',
      sticky: '1',
      blockKind: 'needs_input',
      blockRecurrences: '1',
      blockReason: 'review-required: ACL change',
    })
    expect(t.currentRunId).toBeUndefined()
    expect(await b.indexes(id)).toEqual(['blocked'])
    expect(await b.nsblocked()).toEqual([])
    expect(await b.zscore(b.keys.leases, id)).toBeNull()
    const run = await b.run(runId)
    expect(run).toMatchObject({ outcome: 'blocked', summary: 'review-required: ACL change' })
    expectNear(run.endedAt, before, after)
    expect(await b.lastEvent(id)).toMatchObject({
      kind: 'blocked',
      runId,
      payload: { reason: 'review-required: ACL change', kind: 'needs_input', sticky: true },
    })
  })

  it('ready -> blocked without a kind: sticky, no block kind, no run; the first block is recurrence 1', async () => {
    const b = await luaBoard('block')
    const id = await b.create()
    expect(await b.call('blockTask', { id, reason: 'wait' })).toEqual({ ok: true, status: 'blocked' })
    const t = await b.task(id)
    expect(t).toMatchObject({ status: 'blocked', sticky: '1', blockRecurrences: '1' })
    expect(t.blockKind).toBeUndefined()
    expect(await b.lastEvent(id)).toMatchObject({ kind: 'blocked', runId: null, payload: { reason: 'wait', kind: null, sticky: true } })
  })

  it('dependency with an unsatisfied parent -> todo, not sticky, dependency_wait; the run is closed blocked', async () => {
    const b = await luaBoard('block')
    const id = await b.create()
    const runId = await b.claim(id)
    // the worker discovers a prerequisite: an open parent linked while it runs
    const parent = await b.create()
    await b.call('linkTasks', { parent, child: id, maxVisit: 100 })
    const r = await b.call('blockTask', { id, runId, reason: 'needs parent output', kind: 'dependency' })
    expect(r).toEqual({ ok: true, status: 'todo' })
    expect(await b.task(id)).toMatchObject({ status: 'todo', sticky: '0', pending: '1' })
    expect(await b.indexes(id)).toEqual(['todo'])
    expect(await b.nsblocked()).toEqual([])
    expect((await b.run(runId)).outcome).toBe('blocked')
    expect(await b.lastEvent(id)).toMatchObject({ kind: 'dependency_wait', runId, payload: { reason: 'needs parent output' } })
    // and the parent's completion releases it (event-driven)
    expect(await b.call('completeTask', { id: parent })).toEqual({ ok: true, promoted: [id], jobs: [], rest: [] })
  })

  it('dependency with every parent satisfied is re-kinded needs_input and sticky', async () => {
    const b = await luaBoard('block')
    const parent = await b.create()
    const id = await b.create({ parentIds: [parent] })
    await b.call('completeTask', { id: parent })
    const runId = await b.claim(id)
    expect(await b.call('blockTask', { id, runId, reason: 'deps?', kind: 'dependency' })).toEqual({ ok: true, status: 'blocked' })
    expect(await b.task(id)).toMatchObject({ status: 'blocked', sticky: '1', blockKind: 'needs_input' })
    expect((await b.lastEvent(id)).payload).toEqual({ reason: 'deps?', kind: 'needs_input', sticky: true })
  })

  // Block loops (docs/blocks-and-breaker.md#block-loops-go-to-triage): counted from 1 at the
  // first block; the 2nd block of one kind goes to triage at the default limit 2.
  const blocker =
    (b: LuaBoard, id: string) =>
    async (kind?: string, reason = 'stuck') =>
      b.call('blockTask', { id, runId: await b.claim(id), reason, ...(kind ? { kind } : {}) })

  it('the 2nd block of the same kind after an unblock goes to triage with block_loop_detected', async () => {
    const b = await luaBoard('block')
    const id = await b.create()
    const block = blocker(b, id)
    expect(await block('capability', 'no GPU')).toEqual({ ok: true, status: 'blocked' })
    expect(await b.task(id)).toMatchObject({ blockKind: 'capability', blockRecurrences: '1' })
    expect(await b.call('unblockTask', { id })).toEqual({ ok: true, status: 'ready' })
    expect((await b.task(id)).blockRecurrences).toBe('1')
    const runId = await b.claim(id)
    expect(await b.call('blockTask', { id, runId, reason: 'still no GPU', kind: 'capability' })).toEqual({ ok: true, status: 'triage' })
    expect(await b.task(id)).toMatchObject({ status: 'triage', sticky: '0', blockRecurrences: '2', blockKind: 'capability', blockReason: 'still no GPU' })
    expect(await b.indexes(id)).toEqual(['triage'])
    expect(await b.nsblocked()).toEqual([])
    expect((await b.run(runId)).outcome).toBe('blocked')
    expect(await b.lastEvent(id)).toMatchObject({
      kind: 'block_loop_detected',
      runId,
      payload: { reason: 'still no GPU', kind: 'capability', recurrences: 2, limit: 2 },
    })
    expect((await b.kinds(id)).filter((k) => k === 'blocked')).toHaveLength(1)
  })

  it('a block without a kind is a kind of its own: an untyped loop escalates too', async () => {
    const b = await luaBoard('block')
    const id = await b.create()
    const block = blocker(b, id)
    expect(await block(undefined, 'review-required')).toEqual({ ok: true, status: 'blocked' })
    await b.call('unblockTask', { id })
    expect(await block(undefined, 'review-required again')).toEqual({ ok: true, status: 'triage' })
    const t = await b.task(id)
    expect(t).toMatchObject({ status: 'triage', blockRecurrences: '2' })
    expect(t.blockKind).toBeUndefined()
    expect((await b.lastEvent(id)).payload).toEqual({ reason: 'review-required again', kind: null, recurrences: 2, limit: 2 })
  })

  it('a different kind (untyped included) restarts the count at 1', async () => {
    const b = await luaBoard('block')
    const id = await b.create()
    const block = blocker(b, id)
    const steps: [string | undefined, string][] = [
      ['capability', 'capability'],
      [undefined, '-'],
      ['capability', 'capability'],
      ['transient', 'transient'],
      [undefined, '-'],
    ]
    for (const [kind, shown] of steps) {
      expect(await block(kind), shown).toEqual({ ok: true, status: 'blocked' })
      const t = await b.task(id)
      expect(t.blockRecurrences, shown).toBe('1')
      expect(t.blockKind ?? '-', shown).toBe(shown)
      await b.call('unblockTask', { id })
    }
  })

  it('the board setting blockRecurrenceLimit moves the escalation: limit 3 escalates at the 3rd block', async () => {
    const b = await luaBoard('block')
    await b.call('configure', { set: { blockRecurrenceLimit: 3 }, clear: [] })
    const id = await b.create()
    const block = blocker(b, id)
    for (const n of [1, 2]) {
      expect(await block('needs_input'), `block ${n}`).toEqual({ ok: true, status: 'blocked' })
      expect((await b.task(id)).blockRecurrences).toBe(String(n))
      await b.call('unblockTask', { id })
    }
    expect(await block('needs_input')).toEqual({ ok: true, status: 'triage' })
    expect((await b.lastEvent(id)).payload).toMatchObject({ kind: 'needs_input', recurrences: 3, limit: 3 })
    // cleared: back to the default 2 for the next loop
    await b.call('configure', { set: {}, clear: ['blockRecurrenceLimit'] })
    const other = await b.create()
    await blocker(b, other)('transient')
    await b.call('unblockTask', { id: other })
    expect(await blocker(b, other)('transient')).toEqual({ ok: true, status: 'triage' })
  })

  it('promote and unblock keep the count; a dependency wait neither counts nor resets it', async () => {
    const b = await luaBoard('block')
    const id = await b.create()
    const block = blocker(b, id)
    await block('needs_input')
    expect(await b.call('promoteTask', { id, actor: 'ops' })).toEqual({ ok: true })
    expect(await b.task(id)).toMatchObject({ status: 'ready', blockKind: 'needs_input', blockRecurrences: '1' })
    // a prerequisite found while running: todo, the loop memory untouched
    const runId = await b.claim(id)
    const parent = await b.create()
    await b.call('linkTasks', { parent, child: id, maxVisit: 100 })
    expect(await b.call('blockTask', { id, runId, reason: 'wait', kind: 'dependency' })).toEqual({ ok: true, status: 'todo' })
    expect(await b.task(id)).toMatchObject({ blockKind: 'needs_input', blockRecurrences: '1' })
    await b.call('completeTask', { id: parent })
    // `dependency` with every parent satisfied is needs_input: the 2nd of that kind
    expect(await blocker(b, id)('dependency')).toEqual({ ok: true, status: 'triage' })
    expect((await b.lastEvent(id)).payload).toMatchObject({ kind: 'needs_input', recurrences: 2 })
  })

  it('specify keeps the count: the same kind goes straight back to triage, another kind starts at 1', async () => {
    const b = await luaBoard('block')
    const id = await b.create()
    const block = blocker(b, id)
    await block('transient')
    await b.call('unblockTask', { id })
    expect(await block('transient')).toEqual({ ok: true, status: 'triage' })
    expect(await b.call('specifyTask', { id, body: 'clarified' })).toEqual({ ok: true, status: 'ready' })
    expect(await b.task(id)).toMatchObject({ status: 'ready', blockKind: 'transient', blockRecurrences: '2' })
    expect(await block('transient')).toEqual({ ok: true, status: 'triage' })
    expect((await b.lastEvent(id)).payload).toMatchObject({ recurrences: 3 })
    await b.call('specifyTask', { id })
    expect(await block('capability')).toEqual({ ok: true, status: 'blocked' })
    expect(await b.task(id)).toMatchObject({ blockKind: 'capability', blockRecurrences: '1' })
  })

  it('completion resets the count', async () => {
    const b = await luaBoard('block')
    const id = await b.create()
    await blocker(b, id)('capability')
    expect(await b.call('completeTask', { id, result: 'done by hand' })).toMatchObject({ ok: true })
    const t = await b.hash(id)
    expect(t.blockRecurrences).toBeUndefined()
    expect(t.blockKind).toBeUndefined()
  })

  it('refuses a stale run id and writes nothing', async () => {
    const b = await luaBoard('block')
    const id = await b.create()
    const old = await b.claim(id)
    await b.call('reclaimTask', { id })
    await b.claim(id)
    const before = await b.dump()
    expect(await b.call('blockTask', { id, runId: old, reason: 'late' })).toEqual({ ok: false, status: 'running', id })
    expect(await b.dump()).toEqual(before)
  })

  it.each(['todo', 'blocked', 'triage', 'done'] as const)('refuses a %s task', async (status) => {
    const b = await luaBoard('block')
    const id =
      status === 'todo' ? await b.create({ parentIds: [await b.create()] }) : await b.create({ blocked: status === 'blocked', triage: status === 'triage' })
    if (status === 'done') await b.call('completeTask', { id })
    const before = await b.dump()
    expect(await b.call('blockTask', { id, reason: 'x' })).toEqual({ ok: false, status, id })
    expect(await b.dump()).toEqual(before)
  })

  it('TASK_NOT_FOUND for an unknown id', async () => {
    const b = await luaBoard('block')
    expect(await b.raw('blockTask', { id: 't1', reason: 'x' })).toEqual({ err: 'TASK_NOT_FOUND', id: 't1' })
    await expect(b.call('blockTask', { id: 't1', reason: 'x' })).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' })
  })
})
