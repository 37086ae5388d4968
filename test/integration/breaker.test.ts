/**
 * The circuit breaker (docs/blocks-and-breaker.md#the-circuit-breaker) and the one failure-limit resolution order it shares with
 * recompute-ready (§6, §9.1–3): task maxRetries -> board failureLimit -> 2. These are the
 * resolution tests the seed's change description promises (config tier, per-task
 * override), plus counting, neutral outcomes, counter resets and the error paths.
 */
import { describe, expect, it } from 'vitest'
import { StateError, type Board, type FailureOutcome } from '../../src/index.js'
import { openBoard, snapshot } from '../helpers/board.js'

/** Claim the task and record one failure against the claim's run. */
async function fail(board: Board, id: string, outcome: FailureOutcome = 'crashed', error = `${outcome}!`) {
  const claim = await board.claimTask(id, { claimer: 'w' })
  expect(claim, `claim of ${id}`).not.toBeNull()
  return board.recordFailure(id, { runId: claim!.runId, outcome, error })
}

const task = async (board: Board, id: string) => (await board.getTask(id))!
const eventsOf = async (board: Board, id: string, kind: string) => (await board.events({ taskId: id })).filter((e) => e.kind === kind)

describe('breaker: effective limit resolution', () => {
  it('board failureLimit 3: fails twice back to ready with the counter kept, trips on the third', async () => {
    const board = await openBoard('brk')
    await board.configure({ failureLimit: 3 })
    const id = await board.createTask({ title: 'flaky' })

    for (const n of [1, 2]) {
      expect(await fail(board, id, 'crashed', `boom ${n}`)).toEqual({ tripped: false, failures: n, limit: 3, limitSource: 'board' })
      const t = await task(board, id)
      expect(t.status).toBe('ready')
      expect(t.consecutiveFailures).toBe(n)
      expect(t.lastFailureError).toBe(`boom ${n}`)
      expect(t.currentRunId).toBeNull()
    }
    // Not at 2: the default must not leak into the breaker when the board says 3.
    expect(await eventsOf(board, id, 'gave_up')).toEqual([])

    expect(await fail(board, id, 'timed_out', 'boom 3')).toEqual({ tripped: true, failures: 3, limit: 3, limitSource: 'board' })
    const t = await task(board, id)
    expect(t.status).toBe('blocked')
    expect(t.sticky).toBe(false)
    const gaveUp = await eventsOf(board, id, 'gave_up')
    expect(gaveUp).toHaveLength(1)
    expect(gaveUp[0]!.payload).toEqual({ failures: 3, effectiveLimit: 3, limitSource: 'board', triggerOutcome: 'timed_out', error: 'boom 3' })
    expect(gaveUp[0]!.runId).toBe((await board.runs(id)).at(-1)!.id)
    // A breaker block is not sticky and writes no `blocked` event.
    expect(await eventsOf(board, id, 'blocked')).toEqual([])
    expect((await board.runs(id)).map((r) => r.outcome)).toEqual(['crashed', 'crashed', 'timed_out'])
    // At the limit, recompute leaves it parked (§6.3).
    expect(await board.recomputeReady()).toBe(0)
    expect((await task(board, id)).status).toBe('blocked')
  })

  it('board failureLimit 1: one failure blocks, and it stays blocked through many recomputes', async () => {
    const board = await openBoard('brk')
    await board.configure({ failureLimit: 1 })
    const id = await board.createTask({ title: 'strict' })
    expect(await fail(board, id)).toEqual({ tripped: true, failures: 1, limit: 1, limitSource: 'board' })
    for (let i = 0; i < 5; i++) {
      expect(await board.recomputeReady()).toBe(0)
      expect((await task(board, id)).status).toBe('blocked')
    }
    expect((await task(board, id)).consecutiveFailures).toBe(1)
    expect(await eventsOf(board, id, 'promoted')).toEqual([])
  })

  it('per-task maxRetries 1 overrides a board limit of 3 (limitSource task)', async () => {
    const board = await openBoard('brk')
    await board.configure({ failureLimit: 3 })
    const id = await board.createTask({ title: 'strict task', maxRetries: 1 })
    expect(await fail(board, id)).toEqual({ tripped: true, failures: 1, limit: 1, limitSource: 'task' })
    expect((await task(board, id)).status).toBe('blocked')
    expect((await eventsOf(board, id, 'gave_up'))[0]!.payload).toMatchObject({ effectiveLimit: 1, limitSource: 'task' })
    // Recompute resolves the same way: the board's 3 does not free it.
    expect(await board.recomputeReady()).toBe(0)
  })

  it('per-task maxRetries 4 overrides a board limit of 1 (trips at 4, not 1)', async () => {
    const board = await openBoard('brk')
    await board.configure({ failureLimit: 1 })
    const id = await board.createTask({ title: 'lenient task', maxRetries: 4 })
    for (const n of [1, 2, 3]) {
      expect(await fail(board, id)).toEqual({ tripped: false, failures: n, limit: 4, limitSource: 'task' })
      expect((await task(board, id)).status).toBe('ready')
    }
    expect(await fail(board, id)).toEqual({ tripped: true, failures: 4, limit: 4, limitSource: 'task' })
    expect((await task(board, id)).status).toBe('blocked')
  })

  it('with no task or board limit the default is 2 (limitSource default)', async () => {
    const board = await openBoard('brk')
    const id = await board.createTask({ title: 'default' })
    expect(await fail(board, id)).toEqual({ tripped: false, failures: 1, limit: 2, limitSource: 'default' })
    expect((await task(board, id)).status).toBe('ready')
    expect(await fail(board, id)).toEqual({ tripped: true, failures: 2, limit: 2, limitSource: 'default' })
    expect((await eventsOf(board, id, 'gave_up'))[0]!.payload).toMatchObject({ failures: 2, effectiveLimit: 2, limitSource: 'default' })
  })

  it('raising the board limit frees a breaker block at the next recompute, counter kept', async () => {
    const board = await openBoard('brk')
    const id = await board.createTask({ title: 'parked' })
    await fail(board, id)
    await fail(board, id)
    expect((await task(board, id)).status).toBe('blocked')
    expect(await board.recomputeReady()).toBe(0)
    await board.configure({ failureLimit: 5 })
    expect(await board.recomputeReady()).toBe(1)
    const t = await task(board, id)
    expect(t.status).toBe('ready')
    expect(t.consecutiveFailures).toBe(2) // automatic recovery never resets it
  })
})

describe('breaker: counting and neutral outcomes', () => {
  it('crashed, protocol_violation, timed_out and reclaimed each add 1', async () => {
    const board = await openBoard('brk')
    const id = await board.createTask({ title: 'counter', maxRetries: 10 })
    const outcomes: FailureOutcome[] = ['crashed', 'protocol_violation', 'timed_out', 'reclaimed']
    for (const [i, outcome] of outcomes.entries()) {
      const r = await fail(board, id, outcome, `err ${outcome}`)
      expect(r).toEqual({ tripped: false, failures: i + 1, limit: 10, limitSource: 'task' })
      const [ev] = (await eventsOf(board, id, outcome)).slice(-1)
      expect(ev!.payload).toMatchObject({ failures: i + 1, error: `err ${outcome}` })
      expect((await task(board, id)).lastFailureError).toBe(`err ${outcome}`)
    }
    const runs = await board.runs(id)
    expect(runs.map((r) => r.outcome)).toEqual(outcomes)
    expect(runs.every((r) => r.endedAt !== null)).toBe(true)
    expect(runs[0]!.error).toBe('err crashed')
  })

  it('rate_limited adds 0 and sets a cooldown of rateLimitCooldownMs (or the given cooldownMs)', async () => {
    const board = await openBoard('brk')
    await board.configure({ rateLimitCooldownMs: 120_000 })
    const id = await board.createTask({ title: 'provider busy' })
    await fail(board, id) // counter 1, one below the default limit
    let before = await board.now()
    expect(await fail(board, id, 'rate_limited', '429')).toEqual({ tripped: false, failures: 1, limit: 2, limitSource: 'default' })
    let after = await board.now()
    let t = await task(board, id)
    expect(t.status).toBe('ready')
    expect(t.consecutiveFailures).toBe(1)
    expect(t.cooldownUntil).toBeGreaterThanOrEqual(before + 120_000)
    expect(t.cooldownUntil).toBeLessThanOrEqual(after + 120_000)
    expect((await board.stats()).coolingDown).toBe(1)

    const claim = await board.claimTask(id, { claimer: 'w' })
    before = await board.now()
    await board.recordFailure(id, { runId: claim!.runId, outcome: 'rate_limited', error: '429', cooldownMs: 5_000 })
    after = await board.now()
    t = await task(board, id)
    expect(t.consecutiveFailures).toBe(1)
    expect(t.cooldownUntil).toBeGreaterThanOrEqual(before + 5_000)
    expect(t.cooldownUntil).toBeLessThanOrEqual(after + 5_000)
    expect((await board.runs(id)).at(-1)!.outcome).toBe('rate_limited')
  })

  it('stale adds 0 and sets no cooldown', async () => {
    const board = await openBoard('brk')
    const id = await board.createTask({ title: 'quiet worker' })
    await fail(board, id)
    expect(await fail(board, id, 'stale', 'no heartbeat')).toEqual({ tripped: false, failures: 1, limit: 2, limitSource: 'default' })
    const t = await task(board, id)
    expect(t.status).toBe('ready')
    expect(t.consecutiveFailures).toBe(1)
    expect(t.cooldownUntil).toBeNull()
    expect(await eventsOf(board, id, 'gave_up')).toEqual([])
  })

  it('lastFailureError is capped at 500 characters', async () => {
    const board = await openBoard('brk')
    const id = await board.createTask({ title: 'noisy' })
    const long = 'x'.repeat(300) + 'y'.repeat(700)
    await fail(board, id, 'crashed', long)
    const t = await task(board, id)
    expect(t.lastFailureError).toHaveLength(500)
    expect(t.lastFailureError).toBe(long.slice(0, 500))
  })
})

describe('breaker: counter resets', () => {
  it('is kept by a successful claim and reset by completeTask', async () => {
    const board = await openBoard('brk')
    const id = await board.createTask({ title: 'c' })
    await fail(board, id)
    const claim = await board.claimTask(id, { claimer: 'w' })
    expect((await task(board, id)).consecutiveFailures).toBe(1)
    expect(await board.completeTask(id, { runId: claim!.runId })).toBe(true)
    const t = await task(board, id)
    expect(t.consecutiveFailures).toBe(0)
    expect(t.lastFailureError).toBeNull()
  })

  it('is reset by unblockTask of a breaker block', async () => {
    const board = await openBoard('brk')
    const id = await board.createTask({ title: 'u' })
    await fail(board, id)
    await fail(board, id)
    expect(await board.unblockTask(id)).toBe(true)
    const t = await task(board, id)
    expect(t.status).toBe('ready')
    expect(t.consecutiveFailures).toBe(0)
    expect(t.lastFailureError).toBeNull()
  })

  it('is reset by reclaimTask', async () => {
    const board = await openBoard('brk')
    const id = await board.createTask({ title: 'r' })
    await fail(board, id)
    await board.claimTask(id, { claimer: 'w' })
    expect(await board.reclaimTask(id, { reason: 'operator' })).toBe(true)
    const t = await task(board, id)
    expect(t.status).toBe('ready')
    expect(t.consecutiveFailures).toBe(0)
    expect(t.lastFailureError).toBeNull()
  })

  it('is reset by assignTask to a different assignee, not by the same one', async () => {
    const board = await openBoard('brk')
    const id = await board.createTask({ title: 'a', assignee: 'coder' })
    await fail(board, id)
    expect(await board.assignTask(id, 'CODER')).toBe(true) // same lane (lower-cased): no change
    expect((await task(board, id)).consecutiveFailures).toBe(1)
    expect(await board.assignTask(id, 'researcher')).toBe(true)
    const t = await task(board, id)
    expect(t.assignee).toBe('researcher')
    expect(t.consecutiveFailures).toBe(0)
    expect(t.lastFailureError).toBeNull()
  })
})

describe('breaker: review runs and errors', () => {
  it('a run claimed from review that fails below the limit goes back to review', async () => {
    const board = await openBoard('brk')
    const id = await board.createTask({ title: 'reviewed', assignee: 'coder' })
    const c1 = await board.claimTask(id, { claimer: 'w' })
    expect(await board.requestReview(id, { runId: c1!.runId, reviewer: 'reviewer' })).toBe(true)
    const c2 = await board.claimTask(id, { claimer: 'rev' })
    expect((await board.runs(id)).at(-1)!.fromReview).toBe(true)
    const r = await board.recordFailure(id, { runId: c2!.runId, outcome: 'crashed', error: 'reviewer died' })
    expect(r.tripped).toBe(false)
    let t = await task(board, id)
    expect(t.status).toBe('review')
    expect(t.assignee).toBe('reviewer')
    expect(t.consecutiveFailures).toBe(1)
    // At the limit a review run trips like any other.
    const c3 = await board.claimTask(id, { claimer: 'rev' })
    expect((await board.recordFailure(id, { runId: c3!.runId, outcome: 'crashed', error: 'again' })).tripped).toBe(true)
    t = await task(board, id)
    expect(t.status).toBe('blocked')
    expect(t.sticky).toBe(false)
  })

  it('a stale runId throws STALE_RUN and changes nothing', async () => {
    const board = await openBoard('brk')
    const id = await board.createTask({ title: 's' })
    const old = await board.claimTask(id, { claimer: 'w' })
    await board.reclaimTask(id)
    await board.claimTask(id, { claimer: 'w2' })
    const before = await snapshot(board)
    const p = board.recordFailure(id, { runId: old!.runId, outcome: 'crashed', error: 'late' })
    await expect(p).rejects.toBeInstanceOf(StateError)
    await expect(board.recordFailure(id, { runId: old!.runId, outcome: 'crashed', error: 'late' })).rejects.toMatchObject({ code: 'STALE_RUN' })
    expect(await snapshot(board)).toEqual(before)
  })

  it('on a done task throws INVALID_STATE and changes nothing', async () => {
    const board = await openBoard('brk')
    const id = await board.createTask({ title: 'd' })
    expect(await board.completeTask(id, { result: 'ok' })).toBe(true)
    const before = await snapshot(board)
    await expect(board.recordFailure(id, { outcome: 'crashed', error: 'x' })).rejects.toMatchObject({ code: 'INVALID_STATE' })
    expect(await snapshot(board)).toEqual(before)
  })
})
