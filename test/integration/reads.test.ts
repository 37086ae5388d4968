/**
 * Read paths: listings, filters and ordering, the event log, settings shared between
 * processes — and the rule that a read never changes state, even when the board holds
 * things a write would act on (an expired lease, a due schedule, a recoverable breaker).
 */
import { describe, expect, it } from 'vitest'
import type { Board, Task } from '../../src/index.js'
import { openBoard, reopen, snapshot } from '../helpers/board.js'

const ids = (ts: Task[]) => ts.map((t) => t.id)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('reads never change state', () => {
  it('listTasks/getTask/explain/stats/events/workerContext/runs leave every key as it was', async () => {
    const board = await openBoard('reads-pure')
    const parent = await board.createTask({ title: 'parent', assignee: 'coder' })
    const child = await board.createTask({ title: 'child', parents: [parent] })
    const done = await board.createTask({ title: 'done' })
    await board.completeTask(done, { result: 'answer' })
    const archived = await board.createTask({ title: 'archived' })
    await board.archiveTask(archived)
    const sticky = await board.createTask({ title: 'sticky', initialStatus: 'blocked' })
    // breaker-blocked, then made recoverable: only a recompute may promote it, never a read
    const flaky = await board.createTask({ title: 'flaky', parents: [done] })
    for (let i = 0; i < 2; i++) {
      const c = (await board.claimTask(flaky, { claimer: 'w' }))!
      await board.recordFailure(flaky, { runId: c.runId, outcome: 'crashed', error: 'boom' })
    }
    await board.configure({ failureLimit: 5 })
    // a lease that has already expired: only the dispatcher may reclaim it
    const lapsed = await board.createTask({ title: 'lapsed' })
    await board.claimTask(lapsed, { claimer: 'gone', ttlMs: 1 })
    // a schedule that is already due: only the dispatcher may release it
    const later = await board.createTask({ title: 'later' })
    await board.scheduleTask(later, { runAt: (await board.now()) + 1 })
    await board.addComment(child, { author: 'a', body: 'note' })
    await sleep(10)

    const all = [parent, child, done, archived, sticky, flaky, lapsed, later]
    const before = await snapshot(board)
    const other = await reopen(board)
    for (const b of [board, other]) {
      await b.listTasks()
      await b.listTasks({ includeArchived: true, orderBy: 'createdAt' })
      await b.listTasks({ status: ['blocked', 'running', 'scheduled'] })
      await b.listTasks({ status: 'ready', assignee: 'CODER', limit: 1 })
      for (const id of all) {
        await b.getTask(id)
        await b.explain(id)
        await b.workerContext(id)
        await b.runs(id)
        await b.events({ taskId: id })
        await b.parents(id)
        await b.children(id)
        await b.comments(id)
      }
      await b.stats()
      await b.workers()
      await b.events()
      await b.events({ after: 3, limit: 2 })
      await b.settings()
      await b.now()
    }
    expect(await snapshot(board)).toEqual(before)

    // and the reads saw the pending work without acting on it
    expect((await board.getTask(lapsed))!.status).toBe('running')
    expect((await board.getTask(later))!.status).toBe('scheduled')
    expect((await board.getTask(flaky))!.status).toBe('blocked')
    expect((await board.explain(flaky)).reasons[0]!.code).toBe('breaker_recoverable')
    const stats = await board.stats()
    expect(stats.expiredLeases).toBe(1)
    expect(stats.scheduledDue).toBe(1)
    expect(stats.breakerBlocked).toBe(1)
    expect(stats.stickyBlocked).toBe(1)
  })
})

describe('listTasks', () => {
  async function seeded() {
    const board = await openBoard('reads-list')
    const t = {
      low: await board.createTask({ title: 'low', priority: -1, tenant: 'acme' }),
      a: await board.createTask({ title: 'a', priority: 5, assignee: 'Coder' }),
      plain: await board.createTask({ title: 'plain', tenant: 'acme' }),
      top: await board.createTask({ title: 'top', priority: 10, assignee: 'reviewer' }),
      b: await board.createTask({ title: 'b', priority: 5, assignee: 'coder', tenant: 'globex' }),
      plain2: await board.createTask({ title: 'plain2' }),
    }
    return { board, t }
  }

  it('orders by priority desc, then creation asc, by default', async () => {
    const { board, t } = await seeded()
    expect(ids(await board.listTasks())).toEqual([t.top, t.a, t.b, t.plain, t.plain2, t.low])
    // a new priority re-ranks the task
    await board.updateTask(t.low, { priority: 7 })
    expect(ids(await board.listTasks())).toEqual([t.top, t.low, t.a, t.b, t.plain, t.plain2])
  })

  it("orderBy 'createdAt' ignores priority", async () => {
    const { board, t } = await seeded()
    expect(ids(await board.listTasks({ orderBy: 'createdAt' }))).toEqual([t.low, t.a, t.plain, t.top, t.b, t.plain2])
    expect(ids(await board.listTasks({ orderBy: 'createdAt', limit: 2 }))).toEqual([t.low, t.a])
  })

  it('filters by status, one or several', async () => {
    const { board, t } = await seeded()
    await board.claimTask(t.top, { claimer: 'w' })
    await board.completeTask(t.plain)
    await board.blockTask(t.b, { reason: 'needs a human' })
    expect(ids(await board.listTasks({ status: 'running' }))).toEqual([t.top])
    expect(ids(await board.listTasks({ status: 'done' }))).toEqual([t.plain])
    expect(ids(await board.listTasks({ status: ['blocked', 'running'] }))).toEqual([t.top, t.b])
    expect(ids(await board.listTasks({ status: 'ready' }))).toEqual([t.a, t.plain2, t.low])
    expect(await board.listTasks({ status: 'triage' })).toEqual([])
    expect(ids(await board.listTasks({ status: ['ready'], limit: 2 }))).toEqual([t.a, t.plain2])
  })

  it('filters by assignee case-insensitively, and by tenant', async () => {
    const { board, t } = await seeded()
    expect((await board.getTask(t.a))!.assignee).toBe('coder')
    expect(ids(await board.listTasks({ assignee: 'CODER' }))).toEqual([t.a, t.b])
    expect(ids(await board.listTasks({ assignee: 'coder' }))).toEqual([t.a, t.b])
    expect(ids(await board.listTasks({ assignee: 'nobody' }))).toEqual([])
    expect(ids(await board.listTasks({ tenant: 'acme' }))).toEqual([t.plain, t.low])
    expect(ids(await board.listTasks({ tenant: 'globex', assignee: 'Coder' }))).toEqual([t.b])
  })

  it('hides archived tasks unless asked', async () => {
    const { board, t } = await seeded()
    await board.archiveTask(t.top)
    await board.archiveTask(t.plain)
    expect(ids(await board.listTasks())).toEqual([t.a, t.b, t.plain2, t.low])
    expect(ids(await board.listTasks({ includeArchived: true }))).toEqual([t.top, t.a, t.b, t.plain, t.plain2, t.low])
    expect(ids(await board.listTasks({ status: 'archived' }))).toEqual([t.top, t.plain])
    expect(ids(await board.listTasks({ tenant: 'acme' }))).toEqual([t.low])
    expect(ids(await board.listTasks({ tenant: 'acme', includeArchived: true }))).toEqual([t.plain, t.low])
    expect((await board.stats()).byStatus.archived).toBe(2)
  })

  it('limit caps the listing', async () => {
    const { board, t } = await seeded()
    expect(ids(await board.listTasks({ limit: 3 }))).toEqual([t.top, t.a, t.b])
    expect(await board.listTasks({ limit: 100 })).toHaveLength(6)
  })

  it('pages through more tasks than one Redis page', async () => {
    const board = await openBoard('reads-many')
    const nodes = Array.from({ length: 1200 }, (_, i) => ({ ref: `n${i}`, title: `n${i}`, priority: i % 3 }))
    const made = await board.createTasks(nodes)
    const list = await board.listTasks({ limit: 5000 })
    expect(list).toHaveLength(1200)
    expect(list[0]!.id).toBe(made.n2)
    expect(list.at(-1)!.id).toBe(made.n1197)
    for (let i = 1; i < list.length; i++) expect(list[i - 1]!.priority).toBeGreaterThanOrEqual(list[i]!.priority)
    expect(await board.listTasks()).toHaveLength(1000) // the default limit
  })

  it('merges the status indexes in one order across pages: priority desc, then oldest', async () => {
    const board = await openBoard('reads-merge')
    const nodes = Array.from({ length: 1200 }, (_, i) => ({ ref: `n${i}`, title: `n${i}`, priority: i % 4 }))
    const made = await board.createTasks(nodes)
    // spread them over statuses: done, blocked, archived and ready
    for (let i = 0; i < 1200; i += 3) await board.completeTask(made[`n${i}`]!)
    for (let i = 1; i < 1200; i += 5) await board.blockTask(made[`n${i}`]!, { reason: 'human' })
    for (let i = 2; i < 1200; i += 7) await board.archiveTask(made[`n${i}`]!)
    const all = nodes.map((n, i) => ({ id: made[n.ref]!, priority: n.priority, i }))
    const expected = (f: (i: number) => boolean) =>
      all
        .filter((x) => f(x.i))
        .sort((a, b) => b.priority - a.priority || a.i - b.i)
        .map((x) => x.id)
    const archived = (i: number) => i % 7 === 2 // any status can be archived
    const done = (i: number) => i % 3 === 0 && !archived(i)
    const blocked = (i: number) => i % 5 === 1 && i % 3 !== 0 && !archived(i) // a done task cannot be blocked
    expect(ids(await board.listTasks({ limit: 5000 }))).toEqual(expected((i) => !archived(i)))
    expect(ids(await board.listTasks({ limit: 5000, includeArchived: true }))).toEqual(expected(() => true))
    expect(ids(await board.listTasks({ limit: 700 }))).toEqual(expected((i) => !archived(i)).slice(0, 700))
    expect(ids(await board.listTasks({ status: ['done', 'blocked'], limit: 5000 }))).toEqual(expected((i) => done(i) || blocked(i)))
  })
})

describe('events', () => {
  async function history(board: Board) {
    const a = await board.createTask({ title: 'a' })
    const b = await board.createTask({ title: 'b', parents: [a] })
    const claim = (await board.claimTask(a, { claimer: 'w1' }))!
    await board.heartbeat(a, { runId: claim.runId, note: 'halfway' })
    await board.completeTask(a, { runId: claim.runId, summary: 'did it\nmore detail' })
    return { a, b, claim }
  }

  it('the board stream is in id order, with after/limit paging, and run events carry runId', async () => {
    const board = await openBoard('reads-events')
    const { a, b, claim } = await history(board)
    const evs = await board.events()
    expect(evs.map((e) => [e.kind, e.taskId])).toEqual([
      ['created', a],
      ['created', b],
      ['claimed', a],
      ['heartbeat', a],
      ['completed', a],
      ['promoted', b],
    ])
    expect(evs.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6])
    const byKind = Object.fromEntries(evs.map((e) => [e.kind, e]))
    for (const k of ['claimed', 'heartbeat', 'completed']) expect(byKind[k]!.runId).toBe(claim.runId)
    expect(byKind.created!.runId).toBeNull()
    expect(byKind.promoted!.runId).toBeNull()
    expect(byKind.completed!.payload).toEqual({ summary: 'did it' })
    expect(byKind.heartbeat!.payload).toEqual({ note: 'halfway' })
    expect(Object.keys(evs[0]!).sort()).toEqual(['at', 'id', 'kind', 'payload', 'runId', 'taskId'])
    const now = await board.now()
    for (const e of evs) expect(Math.abs(now - e.at)).toBeLessThan(60_000)

    expect((await board.events({ after: 2 })).map((e) => e.id)).toEqual([3, 4, 5, 6])
    expect((await board.events({ after: 2, limit: 2 })).map((e) => e.id)).toEqual([3, 4])
    expect((await board.events({ limit: 1 })).map((e) => e.id)).toEqual([1])
    expect(await board.events({ after: 6 })).toEqual([])
  })

  it('per-task events hold only that task, with after/limit', async () => {
    const board = await openBoard('reads-task-events')
    const { a, b } = await history(board)
    const evA = await board.events({ taskId: a })
    expect(evA.map((e) => e.kind)).toEqual(['created', 'claimed', 'heartbeat', 'completed'])
    expect(evA.every((e) => e.taskId === a)).toBe(true)
    expect((await board.events({ taskId: b })).map((e) => e.kind)).toEqual(['created', 'promoted'])
    expect((await board.events({ taskId: a, after: evA[1]!.id })).map((e) => e.kind)).toEqual(['heartbeat', 'completed'])
    expect((await board.events({ taskId: a, after: evA[0]!.id, limit: 1 })).map((e) => e.kind)).toEqual(['claimed'])
    // the same event objects as on the board stream
    const board2 = (await board.events()).filter((e) => e.taskId === a)
    expect(evA).toEqual(board2)
  })

  it('runs() lists attempts with their outcomes', async () => {
    const board = await openBoard('reads-runs')
    const { a, claim } = await history(board)
    const runs = await board.runs(a)
    expect(runs).toHaveLength(1)
    expect(runs[0]).toMatchObject({ id: claim.runId, taskId: a, claimer: 'w1', outcome: 'completed', summary: 'did it\nmore detail' })
    expect(runs[0]!.endedAt).toBeGreaterThanOrEqual(runs[0]!.startedAt)
  })
})

describe('settings', () => {
  it('has documented defaults', async () => {
    const board = await openBoard('reads-settings')
    expect(await board.settings()).toMatchObject({
      failureLimit: 2,
      failureLimitSource: 'default',
      claimTtlMs: 60_000,
      staleTimeoutMs: 0,
      maxInProgress: 0,
      maxInProgressPerAssignee: 0,
      defaultAssignee: null,
    })
  })

  it('configure() is shared by every handle on the board', async () => {
    const board = await openBoard('reads-settings-shared')
    const other = await reopen(board)
    const returned = await board.configure({ failureLimit: 4, claimTtlMs: 5000, defaultAssignee: 'Coder' })
    expect(returned).toMatchObject({ failureLimit: 4, failureLimitSource: 'board', claimTtlMs: 5000, defaultAssignee: 'coder' })
    expect(await other.settings()).toEqual(returned)

    // the other process acts on them: its claim uses the shared lease ttl
    const id = await other.createTask({ title: 'x' })
    const before = await other.now()
    const claim = (await other.claimTask(id, { claimer: 'w' }))!
    expect(claim.leaseExpiresAt - before).toBeGreaterThanOrEqual(5000)
    expect(claim.leaseExpiresAt - before).toBeLessThan(6000)
    // and its breaker uses the shared limit
    const r = await other.recordFailure(id, { runId: claim.runId, outcome: 'crashed', error: 'e' })
    expect([r.limit, r.limitSource, r.tripped]).toEqual([4, 'board', false])

    // clearing the limit goes back to the default, for both
    await other.configure({ failureLimit: null })
    expect(await board.settings()).toMatchObject({ failureLimit: 2, failureLimitSource: 'default', claimTtlMs: 5000 })
    const changes = (await board.events()).filter((e) => e.kind === 'settings_changed')
    expect(changes).toHaveLength(2)
    expect(changes[1]!.payload).toMatchObject({ clear: ['failureLimit'] })
  })
})
