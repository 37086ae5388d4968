/**
 * How a handler's end is recorded, with real processes (docs/fleet.md#outcomes): rate limiting is
 * neutral and waits out its cooldown; returning without a terminal call is a counted
 * protocol violation; a run past maxRuntimeMs is timed out, counted, and its handler is
 * told through its AbortSignal.
 */
import { describe, expect, it } from 'vitest'
import { eventsOf, fleetBoard, outcomes, startDispatcher, startWorker, ticks, waitFor } from './fleet.js'

describe('fleet: handler outcomes', () => {
  it('rate_limited: neutral, and never dispatched again before its cooldown is over', { timeout: 60_000 }, async () => {
    const board = await fleetBoard('rl')
    await board.configure({ rateLimitCooldownMs: 1500 })
    const [d] = await Promise.all([
      startDispatcher(board, { intervalMs: 100 }),
      startWorker(board, { lanes: ['alpha'] }),
      startWorker(board, { lanes: ['alpha'] }),
    ])
    const id = await board.createTask({ title: 'provider busy', assignee: 'alpha', metadata: { behavior: 'ratelimit' } })

    await waitFor(async () => (await board.runs(id)).filter((r) => r.outcome === 'rate_limited').length >= 2, 'two rate-limited runs', {
      timeoutMs: 20_000,
    })
    await board.updateTask(id, { metadata: { behavior: 'ok' } })
    await waitFor(async () => (await board.getTask(id))?.status === 'done', 'done once the provider is back', { timeoutMs: 20_000 })

    const runs = await board.runs(id)
    expect(runs.at(-1)!.outcome).toBe('completed')
    expect(runs.slice(0, -1).every((r) => r.outcome === 'rate_limited')).toBe(true)
    for (let i = 1; i < runs.length; i++) {
      // cooldownUntil = the rate-limited run's end + rateLimitCooldownMs (same script, same clock)
      expect(runs[i]!.startedAt, `run ${i + 1} starts after the cooldown`).toBeGreaterThanOrEqual(runs[i - 1]!.endedAt! + 1500)
    }
    const limited = await eventsOf(board, id, 'rate_limited')
    expect(limited.length).toBe(runs.length - 1)
    for (const e of limited) expect(e.payload).toMatchObject({ failures: 0, neutral: true })
    const t = (await board.getTask(id))!
    expect(t.consecutiveFailures).toBe(0)
    expect(await eventsOf(board, id, 'gave_up')).toEqual([])
    // Ticks saw it cooling down and said so.
    expect(ticks(d).some((r) => r.skippedCooldown > 0)).toBe(true)
  })

  it('protocol_violation: counted, and trips at the default limit of 2', { timeout: 60_000 }, async () => {
    const board = await fleetBoard('proto')
    await Promise.all([startDispatcher(board, { intervalMs: 150 }), startWorker(board, { lanes: ['alpha'] })])
    const id = await board.createTask({ title: 'forgets to report', assignee: 'alpha', metadata: { behavior: 'protocol' } })

    await waitFor(async () => (await eventsOf(board, id, 'gave_up')).length === 1, 'the trip')
    expect(await outcomes(board, id)).toEqual(['protocol_violation', 'protocol_violation'])
    const ev = await eventsOf(board, id, 'protocol_violation')
    expect(ev.map((e) => e.payload?.failures)).toEqual([1, 2])
    const t = (await board.getTask(id))!
    expect(t.status).toBe('blocked')
    expect(t.consecutiveFailures).toBe(2)
    expect(t.lastFailureError).toMatch(/returned without complete/)
    expect((await eventsOf(board, id, 'gave_up'))[0]!.payload).toMatchObject({
      failures: 2,
      effectiveLimit: 2,
      limitSource: 'default',
      triggerOutcome: 'protocol_violation',
    })
  })

  it('timed_out: a hanging run past maxRuntimeMs is counted and its handler sees the abort', { timeout: 60_000 }, async () => {
    const board = await fleetBoard('timeout')
    const [, w] = await Promise.all([startDispatcher(board, { intervalMs: 150 }), startWorker(board, { lanes: ['alpha'] })])
    const id = await board.createTask({ title: 'hangs', assignee: 'alpha', maxRuntimeMs: 500, metadata: { behavior: 'hang' } })

    await waitFor(async () => (await eventsOf(board, id, 'gave_up')).length === 1, 'two timeouts and the trip')
    const runs = await board.runs(id)
    expect(runs.map((r) => r.outcome)).toEqual(['timed_out', 'timed_out'])
    for (const r of runs) expect(r.endedAt! - r.startedAt, `${r.id} ran its full budget`).toBeGreaterThanOrEqual(500)
    expect((await eventsOf(board, id, 'timed_out')).map((e) => e.payload?.failures)).toEqual([1, 2])
    const t = (await board.getTask(id))!
    expect(t.status).toBe('blocked')
    expect(t.consecutiveFailures).toBe(2)
    expect((await eventsOf(board, id, 'gave_up'))[0]!.payload).toMatchObject({ triggerOutcome: 'timed_out', failures: 2 })

    // Each run's handler was told: it saw its signal fire, and said so.
    const aborted = await waitFor(() => {
      const a = w.messages.filter((m) => m.type === 'aborted' && m.taskId === id)
      return a.length === 2 && a
    }, 'both handlers reporting the abort')
    expect(aborted.map((m) => (m.type === 'aborted' ? m.runId : '')).sort()).toEqual(runs.map((r) => r.id).sort())
    for (const m of aborted) expect(m.type === 'aborted' && m.reason).toMatch(/maxRuntimeMs|lease lost/)
    const comments = await board.comments(id)
    expect(comments.map((c) => c.body)).toHaveLength(2)
    for (const c of comments) expect(c.body).toMatch(/^saw abort: /)
  })

  it('review: handed to the reviewer lane by requestReview and completed there', { timeout: 60_000 }, async () => {
    const board = await fleetBoard('review')
    const [, author, reviewer] = await Promise.all([
      startDispatcher(board, { intervalMs: 150 }),
      startWorker(board, { lanes: ['alpha'] }),
      startWorker(board, { lanes: ['reviewer'] }),
    ])
    const id = await board.createTask({ title: 'needs a second pair of eyes', assignee: 'alpha', metadata: { behavior: 'review' } })

    await waitFor(async () => (await board.getTask(id))?.status === 'done', 'reviewed and done')
    const runs = await board.runs(id)
    expect(runs.map((r) => [r.outcome, r.claimer, r.fromReview])).toEqual([
      ['review_requested', author.name, false],
      ['completed', reviewer.name, true],
    ])
    const t = (await board.getTask(id))!
    expect(t.assignee).toBe('reviewer')
    expect(t.result).toBe(`reviewed by ${reviewer.name}`)
    expect((await eventsOf(board, id, 'review_requested'))[0]!.payload).toMatchObject({ reviewer: 'reviewer' })
  })
})
