import { describe, expect, it } from 'vitest'
import { expectNear, luaBoard } from '../helpers/lua.js'

describe('recordFailure.lua (the circuit breaker)', () => {
  it('below the limit: counts, keeps the error, closes the run, requeues to ready', async () => {
    const b = await luaBoard('fail')
    const id = await b.create()
    const runId = await b.claim(id)
    const before = await b.now()
    const r = await b.call('recordFailure', { id, runId, outcome: 'crashed', error: 'segfault' })
    const after = await b.now()
    expect(r).toEqual({ ok: true, tripped: false, failures: 1, limit: 2, limitSource: 'default', status: 'ready' })
    const t = await b.task(id)
    expect(t).toMatchObject({ status: 'ready', consecutiveFailures: '1', lastFailureError: 'segfault', sticky: '0' })
    for (const gone of ['currentRunId', 'leaseExpiresAt', 'runFromReview']) expect(t[gone]).toBeUndefined()
    expect(await b.indexes(id)).toEqual(['ready'])
    expect(await b.nsblocked()).toEqual([])
    expect(await b.zscore(b.keys.leases, id)).toBeNull()
    const run = await b.run(runId)
    expect(run).toMatchObject({ outcome: 'crashed', error: 'segfault' })
    expectNear(run.endedAt, before, after)
    expect(await b.lastEvent(id)).toMatchObject({
      kind: 'crashed',
      runId,
      payload: { error: 'segfault', failures: 1, neutral: false },
    })
  })

  it('at the limit: trips to blocked, not sticky, in nsblocked, gave_up with the resolution — never a blocked event', async () => {
    const b = await luaBoard('fail')
    const id = await b.create()
    await b.call('recordFailure', { id, runId: await b.claim(id), outcome: 'crashed', error: 'one' })
    const runId = await b.claim(id)
    const r = await b.call('recordFailure', { id, runId, outcome: 'timed_out', error: 'too slow' })
    expect(r).toEqual({ ok: true, tripped: true, failures: 2, limit: 2, limitSource: 'default', status: 'blocked' })
    expect(await b.task(id)).toMatchObject({ status: 'blocked', sticky: '0', consecutiveFailures: '2', lastFailureError: 'too slow' })
    expect(await b.indexes(id)).toEqual(['blocked'])
    expect(await b.nsblocked()).toEqual([id])
    expect((await b.run(runId)).outcome).toBe('timed_out')
    const evs = await b.events(id)
    expect(evs.slice(-2).map((e) => [e.kind, e.runId])).toEqual([
      ['timed_out', runId],
      ['gave_up', runId],
    ])
    expect(await b.lastEvent(id)).toMatchObject({
      payload: { failures: 2, effectiveLimit: 2, limitSource: 'default', error: 'too slow', triggerOutcome: 'timed_out' },
    })
    expect(evs.map((e) => e.kind)).not.toContain('blocked')
  })

  it.each(['crashed', 'protocol_violation', 'timed_out', 'reclaimed'] as const)('%s counts towards the breaker', async (outcome) => {
    const b = await luaBoard('fail')
    const id = await b.create({ maxRetries: 2 })
    expect(await b.call('recordFailure', { id, runId: await b.claim(id), outcome, error: 'e' })).toMatchObject({ failures: 1, tripped: false })
    expect(await b.call('recordFailure', { id, runId: await b.claim(id), outcome, error: 'e' })).toMatchObject({ failures: 2, tripped: true })
    expect((await b.lastEvent(id)).payload).toMatchObject({ triggerOutcome: outcome })
  })

  it('a successful claim does not reset the counter', async () => {
    const b = await luaBoard('fail')
    const id = await b.create({ maxRetries: 3 })
    await b.call('recordFailure', { id, runId: await b.claim(id), outcome: 'crashed', error: 'e' })
    await b.claim(id)
    expect((await b.task(id)).consecutiveFailures).toBe('1')
  })

  it('resolves the limit task maxRetries -> board failureLimit -> 2', async () => {
    const b = await luaBoard('fail')
    await b.call('configure', { set: { failureLimit: 3 }, clear: [] })
    const board = await b.create()
    const own = await b.create({ maxRetries: 1 })
    const fail = async (id: string) => b.call('recordFailure', { id, runId: await b.claim(id), outcome: 'protocol_violation', error: 'no terminal call' })
    expect(await fail(board)).toEqual({ ok: true, tripped: false, failures: 1, limit: 3, limitSource: 'board', status: 'ready' })
    expect(await fail(board)).toMatchObject({ tripped: false, failures: 2 })
    expect(await fail(board)).toEqual({ ok: true, tripped: true, failures: 3, limit: 3, limitSource: 'board', status: 'blocked' })
    // a task's own limit wins even when it is lower than the board's
    expect(await fail(own)).toEqual({ ok: true, tripped: true, failures: 1, limit: 1, limitSource: 'task', status: 'blocked' })
    expect((await b.lastEvent(own)).payload).toMatchObject({ effectiveLimit: 1, limitSource: 'task' })
  })

  it('rate_limited is neutral: no count, a cooldown from cooldownMs, back to ready', async () => {
    const b = await luaBoard('fail')
    const id = await b.create({ maxRetries: 1 })
    const runId = await b.claim(id)
    const before = await b.now()
    const r = await b.call('recordFailure', { id, runId, outcome: 'rate_limited', error: '429', cooldownMs: 30_000 })
    const after = await b.now()
    expect(r).toEqual({ ok: true, tripped: false, failures: 0, limit: 1, limitSource: 'task', status: 'ready' })
    const t = await b.task(id)
    expect(t).toMatchObject({ status: 'ready', consecutiveFailures: '0' })
    expect(t.lastFailureError).toBeUndefined()
    expectNear(t.cooldownUntil, before + 30_000, after + 30_000)
    expect(await b.zscore(b.keys.cooldowns, id)).toBe(Number(t.cooldownUntil))
    expect((await b.run(runId)).outcome).toBe('rate_limited')
    expect(await b.lastEvent(id)).toMatchObject({ kind: 'rate_limited', runId, payload: { failures: 0, neutral: true } })
  })

  it('the default cooldown is the board rateLimitCooldownMs; stale is neutral without a cooldown', async () => {
    const b = await luaBoard('fail')
    await b.call('configure', { set: { rateLimitCooldownMs: 90_000 }, clear: [] })
    const id = await b.create()
    const before = await b.now()
    await b.call('recordFailure', { id, runId: await b.claim(id), outcome: 'rate_limited', error: '429' })
    expectNear((await b.task(id)).cooldownUntil, before + 90_000, (await b.now()) + 90_000)
    const other = await b.create()
    expect(await b.call('recordFailure', { id: other, runId: await b.claim(other), outcome: 'stale', error: 'no progress' })).toMatchObject({
      tripped: false,
      failures: 0,
      status: 'ready',
    })
    expect((await b.task(other)).cooldownUntil).toBeUndefined()
    expect(await b.zscore(b.keys.cooldowns, other)).toBeNull()
  })

  it('a run claimed from review goes back to review below the limit', async () => {
    const b = await luaBoard('fail')
    const id = await b.create()
    await b.call('requestReview', { id, runId: await b.claim(id) })
    const runId = await b.claim(id, 'reviewer')
    expect(await b.call('recordFailure', { id, runId, outcome: 'crashed', error: 'e' })).toMatchObject({ status: 'review', failures: 1 })
    expect(await b.indexes(id)).toEqual(['review'])
    expect((await b.task(id)).runFromReview).toBeUndefined()
  })

  it('a ready task without a run (the worker could not start it) counts and trips', async () => {
    const b = await luaBoard('fail')
    const id = await b.create()
    expect(await b.call('recordFailure', { id, outcome: 'crashed', error: 'spawn failed' })).toMatchObject({ status: 'ready', failures: 1 })
    expect(await b.lastEvent(id)).toMatchObject({ kind: 'crashed', runId: null })
    expect(await b.call('recordFailure', { id, outcome: 'crashed', error: 'spawn failed' })).toMatchObject({
      tripped: true,
      status: 'blocked',
    })
    expect(await b.nsblocked()).toEqual([id])
  })

  it('on a sticky block: counts, and even a trip never clears stickiness', async () => {
    const b = await luaBoard('fail')
    const id = await b.create()
    await b.call('blockTask', { id, runId: await b.claim(id), reason: 'human' })
    expect(await b.call('recordFailure', { id, outcome: 'protocol_violation', error: 'e1' })).toMatchObject({
      tripped: false,
      failures: 1,
      status: 'blocked',
    })
    expect(await b.call('recordFailure', { id, outcome: 'crashed', error: 'e2' })).toMatchObject({ tripped: true, failures: 2, status: 'blocked' })
    expect(await b.task(id)).toMatchObject({ status: 'blocked', sticky: '1', consecutiveFailures: '2' })
    expect(await b.nsblocked()).toEqual([])
    expect((await b.lastEvent(id)).kind).toBe('gave_up')
    expect(await b.call('recomputeReady', { count: 100 })).toEqual({ done: true, promoted: [] })
  })

  it('keeps at most 500 characters of the error', async () => {
    const b = await luaBoard('fail')
    const id = await b.create()
    await b.call('recordFailure', { id, runId: await b.claim(id), outcome: 'crashed', error: 'x'.repeat(2000) })
    expect((await b.task(id)).lastFailureError).toBe('x'.repeat(500))
    expect((await b.lastEvent(id)).payload!.error).toBe('x'.repeat(500))
  })

  it('keeps 500 characters, not bytes: a multi-byte character is never cut in half', async () => {
    const b = await luaBoard('fail')
    const id = await b.create()
    // 1 + 2 * 600 bytes: a byte cut at 500 would split the 250th 'é'
    const error = `a${'é'.repeat(600)}`
    await b.call('recordFailure', { id, runId: await b.claim(id), outcome: 'crashed', error })
    const kept = (await b.task(id)).lastFailureError!
    expect(kept).toBe(`a${'é'.repeat(499)}`)
    expect((await b.lastEvent(id)).payload!.error).toBe(kept)
  })

  it('STALE_RUN for a run id that is not the open run; nothing written', async () => {
    const b = await luaBoard('fail')
    const id = await b.create()
    const old = await b.claim(id)
    await b.call('reclaimTask', { id })
    const before = await b.dump()
    // ready, no open run: openRunId is null
    expect(await b.raw('recordFailure', { id, runId: old, outcome: 'crashed', error: 'late' })).toEqual({
      err: 'STALE_RUN',
      id,
      runId: old,
      openRunId: null,
    })
    await expect(b.call('recordFailure', { id, runId: old, outcome: 'crashed', error: 'late' })).rejects.toMatchObject({
      name: 'StateError',
      code: 'STALE_RUN',
      details: { id, runId: old },
    })
    expect(await b.dump()).toEqual(before)
  })

  it.each(['todo', 'triage', 'scheduled', 'done', 'archived'] as const)('INVALID_STATE for a %s task; nothing written', async (status) => {
    const b = await luaBoard('fail')
    const id =
      status === 'todo'
        ? await b.create({ parentIds: [await b.create()] })
        : await b.create({ triage: status === 'triage', runAt: status === 'scheduled' ? (await b.now()) + 60_000 : undefined })
    if (status === 'done') await b.call('completeTask', { id })
    if (status === 'archived') await b.call('archiveTask', { id })
    const before = await b.dump()
    expect(await b.raw('recordFailure', { id, outcome: 'crashed', error: 'x' })).toEqual({ err: 'INVALID_STATE', id, status })
    await expect(b.call('recordFailure', { id, outcome: 'crashed', error: 'x' })).rejects.toMatchObject({
      code: 'INVALID_STATE',
      details: { id, status },
    })
    expect(await b.dump()).toEqual(before)
  })

  it('TASK_NOT_FOUND for an unknown id', async () => {
    const b = await luaBoard('fail')
    expect(await b.raw('recordFailure', { id: 't7', outcome: 'crashed', error: 'x' })).toEqual({ err: 'TASK_NOT_FOUND', id: 't7' })
    await expect(b.call('recordFailure', { id: 't7', outcome: 'crashed', error: 'x' })).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' })
  })
})
