/**
 * Bulk operations through the API (docs/api.md#bulk-operations): a few thousand tasks in
 * bounded calls, a run stopped part way and resumed from its cursor by another handle,
 * dry-run counts that write nothing, the overall limit, and bad input refused by field.
 */
import { describe, expect, it } from 'vitest'
import { isValidationError, type BulkInput, type BulkResult } from '../../src/index.js'
import { openBoard, reopen, snapshot } from '../helpers/board.js'
import type { Board } from '../../src/index.js'

async function seed(board: Board, n: number, node: (i: number) => Record<string, unknown>): Promise<string[]> {
  const ids: string[] = []
  for (let from = 0; from < n; from += 1000) {
    const size = Math.min(1000, n - from)
    const r = await board.createTasks(Array.from({ length: size }, (_, i) => ({ ref: `n${from + i}`, title: `task ${from + i}`, ...node(from + i) })))
    for (let i = 0; i < size; i++) ids.push(r[`n${from + i}`]!)
  }
  return ids
}

describe('bulk: a large run, stopped and resumed', () => {
  it('archives 1,000 of 3,000 tasks by tenant in bounded calls; a new handle resumes from the cursor; each task once, with the actor', async () => {
    const board = await openBoard('bulk-large')
    const ids = await seed(board, 3000, (i) => ({ tenant: i % 3 === 0 ? 'globex' : 'acme', assignee: i % 2 ? 'coder' : 'writer' }))
    const globex = ids.filter((_, i) => i % 3 === 0)
    const input: BulkInput = { op: 'archive', filter: { tenant: 'globex' }, actor: 'ops-alice', examinePerCall: 250, changePerCall: 40 }

    const before = await snapshot(board)
    const dry = await board.bulk({ ...input, dryRun: true })
    expect(dry).toMatchObject({ dryRun: true, examined: 3000, matched: 1000, changed: 1000, cursor: null })
    expect(dry.calls).toBeGreaterThanOrEqual(12)
    expect(dry.ids).toHaveLength(1000)
    expect(await snapshot(board)).toEqual(before)

    // a caller that makes a few calls, keeps the last cursor, and goes away
    let step: BulkResult | undefined
    const firstIds: string[] = []
    for (let i = 0; i < 5; i++) {
      step = await board.bulkStep({ ...input, ...(step?.cursor ? { cursor: step.cursor } : {}) })
      expect(step.calls).toBe(1)
      expect(step.examined).toBeLessThanOrEqual(250)
      expect(step.changed).toBeLessThanOrEqual(40)
      firstIds.push(...step.ids)
    }
    expect(step!.cursor).toMatch(/^ready:/)
    expect(firstIds).toHaveLength(200)
    await board.close()

    // meanwhile other writes: one task ahead of the cursor archived by hand; new globex tasks,
    // one ranked behind the cursor (a higher priority: the walk has passed its place) and one
    // ahead of it
    const other = await reopen(board)
    const ahead = globex.find((id) => !firstIds.includes(id))!
    expect(await other.archiveTask(ahead)).toBe(true)
    const newBehind = await other.createTask({ title: 'urgent', tenant: 'globex', priority: 5 })
    const newAhead = await other.createTask({ title: 'late', tenant: 'globex' })

    const progress: BulkResult[] = []
    const rest = await other.bulk({ ...input, cursor: step!.cursor! }, { onProgress: (p) => progress.push(p) })
    expect(rest.cursor).toBeNull()
    expect(rest.changed).toBe(1000 - 200 - 1 + 1)
    expect(progress.length).toBe(rest.calls)
    expect(progress.at(-1)).toEqual(rest)

    const archived = await other.listTasks({ status: 'archived', limit: 100_000 })
    expect(archived.map((t) => t.id).sort()).toEqual([...globex, newAhead].sort())
    expect((await other.listTasks({ tenant: 'globex', limit: 10 })).map((t) => t.id)).toEqual([newBehind])
    expect((await other.stats()).byStatus).toMatchObject({ ready: 2001, archived: 1001 })
    // one archived event per task, naming the actor (the one archived by hand: none)
    const events = await other.events({ limit: 10_000, after: 0 })
    const byTask = new Map<string, number>()
    for (const e of events.filter((e) => e.kind === 'archived')) {
      byTask.set(e.taskId!, (byTask.get(e.taskId!) ?? 0) + 1)
      if (e.taskId !== ahead) expect(e.payload).toEqual({ from: 'ready', actor: 'ops-alice', bulk: 'archive' })
    }
    expect(byTask.size).toBe(1001)
    expect([...byTask.values()].every((n) => n === 1)).toBe(true)
  })
})

describe('bulk: the API', () => {
  it('retry resets the breaker of gave_up tasks and tells onPromoted; sticky blocks are skipped and counted', async () => {
    const board = await openBoard('bulk-api')
    const parked = await board.createTask({ title: 'flaky', assignee: 'coder' })
    for (let i = 0; i < 2; i++) {
      const c = await board.claimTask(parked, { claimer: 'w' })
      await board.recordFailure(parked, { runId: c!.runId, outcome: 'crashed', error: 'boom' })
    }
    const sticky = await board.createTask({ title: 'ask', assignee: 'coder', initialStatus: 'blocked' })
    const heard: string[] = []
    board.onPromoted((ids) => heard.push(...ids))
    const r = await board.bulk({ op: 'retry', filter: { lane: 'coder' }, actor: 'alice' })
    expect(r).toEqual({
      op: 'retry',
      dryRun: false,
      examined: 2,
      matched: 2,
      changed: 1,
      skipped: { status: 0, sticky: 1, unchanged: 0 },
      ids: [parked],
      cursor: null,
      calls: 1,
    })
    expect(heard).toEqual([parked])
    expect(await board.getTask(parked)).toMatchObject({ status: 'ready', consecutiveFailures: 0 })
    expect((await board.getTask(sticky))!.status).toBe('blocked')
  })

  it('limit caps the tasks changed in all and leaves a cursor; a signal stops between calls', async () => {
    const board = await openBoard('bulk-api')
    await seed(board, 30, () => ({ initialStatus: 'blocked' }))
    const r = await board.bulk({ op: 'unblock', actor: 'a', limit: 7, changePerCall: 3 })
    expect(r).toMatchObject({ changed: 7, calls: 3 })
    expect(r.cursor).toMatch(/^blocked:/)
    const ac = new AbortController()
    const s = await board.bulk({ op: 'unblock', actor: 'a', changePerCall: 5, cursor: r.cursor! }, { signal: ac.signal, onProgress: () => ac.abort() })
    expect(s).toMatchObject({ changed: 5, calls: 1 })
    const done = await board.bulk({ op: 'unblock', actor: 'a', cursor: s.cursor! })
    expect(done).toMatchObject({ changed: 18, cursor: null })
    expect((await board.stats()).byStatus.blocked ?? 0).toBe(0)
  })

  it('reassign moves the open tasks of a lane, counts the running ones it leaves, keeps finished work; archive and delete of the whole board need all: true', async () => {
    const board = await openBoard('bulk-api')
    const [a, b, running, done] = await seed(board, 4, () => ({ assignee: 'old' }))
    await board.claimTask(running!, { claimer: 'w' })
    await board.completeTask(done!)
    const r = await board.bulk({ op: 'reassign', filter: { lane: 'old' }, to: 'new', actor: 'a' })
    expect(r).toMatchObject({ matched: 3, changed: 2, ids: [a, b], skipped: { status: 1 } })
    expect((await board.getTask(a!))!.assignee).toBe('new')
    expect((await board.getTask(running!))!.assignee).toBe('old')
    expect((await board.getTask(done!))!.assignee).toBe('old')
    const all = await board.bulk({ op: 'delete', all: true, actor: 'a' })
    expect(all).toMatchObject({ changed: 4 })
    expect(await board.listTasks({ includeArchived: true })).toEqual([])
  })

  it.each([
    [{ op: 'purge' }, 'op'],
    [{ op: 'archive' }, 'filter'],
    [{ op: 'delete', filter: {} }, 'filter'],
    [{ op: 'reassign', filter: { lane: 'x' } }, 'to'],
    [{ op: 'unblock', to: 'x' }, 'to'],
    [{ op: 'unblock', filter: { status: 'stuck' } }, 'filter.status'],
    [{ op: 'unblock', filter: { lane: 'Not A Lane' } }, 'filter.lane'],
    [{ op: 'unblock', filter: { owner: 'x' } }, 'filter'],
    [{ op: 'unblock', examinePerCall: 0 }, 'examinePerCall'],
    [{ op: 'unblock', changePerCall: 5000 }, 'changePerCall'],
    [{ op: 'unblock', limit: 1.5 }, 'limit'],
    [{ op: 'unblock', cursor: 'ready:1:t1' }, 'cursor'],
    [{ op: 'unblock', cursor: 'blocked:x:t1' }, 'cursor'],
    [{ op: 'unblock', actor: '' }, 'actor'],
  ] as const)('bad input %j: INVALID_INPUT naming %s, nothing written', async (input, field) => {
    const board = await openBoard('bulk-bad')
    await board.createTask({ title: 't', initialStatus: 'blocked', assignee: 'x' })
    const before = await snapshot(board)
    const e = await board.bulk({ actor: 'a', ...input } as unknown as BulkInput).catch((e: unknown) => e)
    expect(isValidationError(e)).toBe(true)
    expect(e).toMatchObject({ code: 'INVALID_INPUT', details: { field } })
    expect((e as Error).message).toMatch(new RegExp(`^bulk: ${field.replace('.', '\\.')}: expected`))
    await expect(board.bulkStep({ actor: 'a', ...input } as unknown as BulkInput)).rejects.toMatchObject({ details: { field } })
    expect(await snapshot(board)).toEqual(before)
  })
})
