/**
 * The retry backoff through the library (docs/blocks-and-breaker.md#retry-backoff): the
 * settings and the task field, their validation (coded errors naming the field, nothing
 * written), and what getTask, explain and the events say about a task that waits.
 */
import { describe, expect, it } from 'vitest'
import { ValidationError, type Board } from '../../src/index.js'
import { openBoard, snapshot } from '../helpers/board.js'

async function rejects(board: Board, run: () => Promise<unknown>, field: string, message: RegExp): Promise<void> {
  const before = await snapshot(board)
  const e = await run().then(
    () => null,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(ValidationError)
  expect((e as ValidationError).code).toBe('INVALID_INPUT')
  expect((e as ValidationError).details.field).toBe(field)
  expect((e as ValidationError).message).toMatch(message)
  expect(await snapshot(board)).toEqual(before)
}

describe('retry backoff: settings and the task field', () => {
  it('defaults to a 1 s base and a 5 min cap; configure sets and unsets them', async () => {
    const board = await openBoard('backoff')
    expect(await board.settings()).toMatchObject({ retryBackoffMs: 1000, retryBackoffMaxMs: 300_000 })
    expect(await board.configure({ retryBackoffMs: 0, retryBackoffMaxMs: 60_000 })).toMatchObject({ retryBackoffMs: 0, retryBackoffMaxMs: 60_000 })
    expect(await board.configure({ retryBackoffMs: null, retryBackoffMaxMs: null })).toMatchObject({ retryBackoffMs: 1000, retryBackoffMaxMs: 300_000 })
  })

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['a negative base', { retryBackoffMs: -1 }, 'retryBackoffMs', /^configure: retryBackoffMs: expected at least 0, got -1$/],
    ['a fractional base', { retryBackoffMs: 1.5 }, 'retryBackoffMs', /retryBackoffMs: expected an integer, got 1\.5/],
    ['a base over a day', { retryBackoffMs: 86_400_001 }, 'retryBackoffMs', /retryBackoffMs: expected at most 86400000, got 86400001/],
    ['a base as text', { retryBackoffMs: '1s' }, 'retryBackoffMs', /retryBackoffMs: expected number, got "1s"/],
    ['a cap of 0', { retryBackoffMaxMs: 0 }, 'retryBackoffMaxMs', /retryBackoffMaxMs: expected at least 1, got 0/],
    ['a cap over a week', { retryBackoffMaxMs: 604_800_001 }, 'retryBackoffMaxMs', /retryBackoffMaxMs: expected at most 604800000/],
  ])('configure refuses %s, naming the field', async (_, input, field, message) => {
    const board = await openBoard('backoff')
    await rejects(board, () => board.configure(input as never), field, message)
  })

  it('createTask, createTasks and updateTask take retryBackoffMs (null clears it) and refuse a bad one', async () => {
    const board = await openBoard('backoff')
    const id = await board.createTask({ title: 'slow retries', retryBackoffMs: 30_000 })
    expect((await board.getTask(id))!.retryBackoffMs).toBe(30_000)
    const ids = await board.createTasks([{ ref: 'a', title: 'no backoff', retryBackoffMs: 0 }])
    expect((await board.getTask(ids.a!))!.retryBackoffMs).toBe(0)
    expect(await board.updateTask(id, { retryBackoffMs: 5000 })).toBe(true)
    expect((await board.getTask(id))!.retryBackoffMs).toBe(5000)
    expect(await board.updateTask(id, { retryBackoffMs: null })).toBe(true)
    expect((await board.getTask(id))!.retryBackoffMs).toBeNull()

    await rejects(
      board,
      () => board.createTask({ title: 't', retryBackoffMs: -5 }),
      'retryBackoffMs',
      /^createTask: retryBackoffMs: expected at least 0, got -5$/,
    )
    await rejects(
      board,
      () => board.createTasks([{ ref: 'b', title: 't', retryBackoffMs: 'x' as never }]),
      'nodes[0].retryBackoffMs',
      /expected number, got "x"/,
    )
    await rejects(board, () => board.updateTask(id, { retryBackoffMs: 2.5 }), 'retryBackoffMs', /^updateTask: retryBackoffMs: expected an integer, got 2\.5$/)
  })
})

describe('retry backoff: what a waiting task looks like', () => {
  it('getTask, explain and the failure event say when it is dispatched again; ready without it', async () => {
    const board = await openBoard('backoff')
    await board.configure({ retryBackoffMs: 60_000 })
    const id = await board.createTask({ title: 'flaky', assignee: 'coder' })
    const claim = (await board.claimTask(id, { claimer: 'w1' }))!
    expect(await board.recordFailure(id, { runId: claim.runId, outcome: 'crashed', error: 'segfault' })).toMatchObject({ tripped: false, failures: 1 })

    const [ev] = (await board.events({ taskId: id })).filter((e) => e.kind === 'crashed')
    const retryAt = ev!.payload!.retryAt as number
    expect(ev!.payload).toMatchObject({ failures: 1, backoffMs: retryAt - ev!.at })
    expect(retryAt - ev!.at).toBeGreaterThanOrEqual(30_000)
    expect(retryAt - ev!.at).toBeLessThanOrEqual(60_000)

    const t = (await board.getTask(id))!
    expect(t).toMatchObject({ status: 'ready', cooldownUntil: retryAt, cooldownReason: 'backoff', consecutiveFailures: 1 })
    const x = await board.explain(id)
    expect(x.runnable).toBe(false)
    expect(x.reasons.map((r) => r.code)).toEqual(['backoff'])
    expect(x.reasons[0]!.data).toEqual({ until: retryAt, failures: 1, limit: 2, lastError: 'segfault' })
    expect(x.text).toContain(`retry backoff after failure 1/2: dispatched again from ${new Date(retryAt).toISOString()}`)
    expect(x.text).toContain('last error: segfault')
    expect((await board.stats()).coolingDown).toBe(1)

    // a rate limit is still told as one
    const other = await board.createTask({ title: 'limited', assignee: 'coder' })
    const c2 = (await board.claimTask(other, { claimer: 'w1' }))!
    await board.recordFailure(other, { runId: c2.runId, outcome: 'rate_limited', error: '429', cooldownMs: 60_000 })
    expect((await board.getTask(other))!.cooldownReason).toBe('rate_limited')
    expect((await board.explain(other)).reasons.map((r) => r.code)).toEqual(['cooldown'])
  })
})
