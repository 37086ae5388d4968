/**
 * The task lifecycle through the library API (docs/lifecycle.md, docs/api.md): claim / heartbeat / complete
 * with run-id fencing, scheduling, operator reclaim, review, assign / update / archive /
 * delete, comments, and the read side (workerContext, runs, events, explain, stats).
 */
import { describe, expect, it } from 'vitest'
import type { Board } from '../../src/index.js'
import { extraConnection, openBoard, reopen, snapshot } from '../helpers/board.js'
import { boardContext } from '../../src/context.js'

const task = async (board: Board, id: string) => (await board.getTask(id))!
const lastEvent = async (board: Board, id: string, kind: string) => (await board.events({ taskId: id })).filter((e) => e.kind === kind).at(-1)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function claim(board: Board, id: string, claimer = 'w'): Promise<string> {
  const c = await board.claimTask(id, { claimer })
  expect(c, `claim of ${id}`).not.toBeNull()
  return c!.runId
}

describe('claimTask', () => {
  it('ready -> running: Claim shape, lease from claimTtlMs, run opened, event claimed', async () => {
    const board = await openBoard('life')
    await board.configure({ claimTtlMs: 5_000 })
    const id = await board.createTask({ title: 'work', assignee: 'coder' })
    const before = await board.now()
    const c = await board.claimTask(id, { claimer: 'worker-7' })
    const after = await board.now()
    expect(c).toEqual({ taskId: id, runId: expect.stringMatching(/^r\d+$/), leaseExpiresAt: expect.any(Number) })
    expect(c!.leaseExpiresAt).toBeGreaterThanOrEqual(before + 5_000)
    expect(c!.leaseExpiresAt).toBeLessThanOrEqual(after + 5_000)
    const t = await task(board, id)
    expect(t).toMatchObject({ status: 'running', currentRunId: c!.runId, leaseExpiresAt: c!.leaseExpiresAt })
    expect(t.startedAt).toBeGreaterThanOrEqual(before)
    const runs = await board.runs(id)
    expect(runs).toHaveLength(1)
    expect(runs[0]).toMatchObject({ id: c!.runId, taskId: id, claimer: 'worker-7', assignee: 'coder', outcome: null, endedAt: null, fromReview: false })
    const ev = await lastEvent(board, id, 'claimed')
    expect(ev!.runId).toBe(c!.runId)
    expect(ev!.payload).toMatchObject({ claimer: 'worker-7', leaseExpiresAt: c!.leaseExpiresAt })
    expect(await board.claimTask(id, { claimer: 'other' })).toBeNull() // already running
  })

  it('ttlMs overrides the setting; startedAt is set on the first claim only', async () => {
    const board = await openBoard('life')
    const id = await board.createTask({ title: 'twice' })
    const before = await board.now()
    const c1 = await board.claimTask(id, { claimer: 'w', ttlMs: 2_000 })
    expect(c1!.leaseExpiresAt - before).toBeGreaterThanOrEqual(2_000)
    expect(c1!.leaseExpiresAt - before).toBeLessThan(60_000)
    const started = (await task(board, id)).startedAt
    await board.recordFailure(id, { runId: c1!.runId, outcome: 'crashed', error: 'x' })
    await sleep(5)
    const c2 = await board.claimTask(id, { claimer: 'w' })
    expect(c2!.runId).not.toBe(c1!.runId)
    expect((await task(board, id)).startedAt).toBe(started)
  })

  it('exactly one of many concurrent claimers wins', async () => {
    const board = await openBoard('life')
    const id = await board.createTask({ title: 'contended' })
    const handles = [board, ...(await Promise.all([1, 2, 3, 4].map(() => reopen(board))))]
    const results = await Promise.all(handles.map((h, i) => h.claimTask(id, { claimer: `w${i}` })))
    expect(results.filter((r) => r !== null)).toHaveLength(1)
    expect(await board.runs(id)).toHaveLength(1)
  })

  it('demotes to todo with claim_rejected and returns null when a parent is unsatisfied', async () => {
    const board = await openBoard('life')
    const parent = await board.createTask({ title: 'p' })
    const child = await board.createTask({ title: 'c' })
    // No API path leaves a task ready with an unsatisfied parent (linking one demotes it at
    // once; a forced promotion is an explicit override), so write the edge the way
    // linkTasks.lua does, minus its demotion: the claim's parent check is the safety net.
    const r = extraConnection()
    await r.sadd(board.keys.parents(child), parent)
    await r.sadd(board.keys.children(parent), child)
    await r.hincrby(board.keys.task(child), 'pending', 1)
    expect(await board.claimTask(child, { claimer: 'w' })).toBeNull()
    expect((await task(board, child)).status).toBe('todo')
    expect((await lastEvent(board, child, 'claim_rejected'))!.payload).toEqual({ claimer: 'w', waitingOn: [parent] })
    expect(await board.runs(child)).toEqual([])
  })

  it('a forced promotion is an override the claim respects', async () => {
    const board = await openBoard('life')
    const parent = await board.createTask({ title: 'p' })
    const child = await board.createTask({ title: 'c', parents: [parent] })
    expect(await board.promoteTask(child, { actor: 'ops', force: true })).toBe(true)
    const c = await board.claimTask(child, { claimer: 'w' })
    expect(c).not.toBeNull()
    expect((await task(board, child)).status).toBe('running')
    expect(await lastEvent(board, child, 'claim_rejected')).toBeUndefined()
    // completing it clears the override; the parent edge stays
    expect(await board.completeTask(child, { runId: c!.runId })).toBe(true)
    expect(await board.parents(child)).toEqual([parent])
  })
})

describe('heartbeat and completeTask', () => {
  it('heartbeat extends the lease; event only with a note; false for a stale run or a task not running', async () => {
    const board = await openBoard('life')
    const id = await board.createTask({ title: 'long job' })
    const c = await board.claimTask(id, { claimer: 'w', ttlMs: 1_000 })
    await sleep(20)
    expect(await board.heartbeat(id, { runId: c!.runId })).toBe(true)
    const t = await task(board, id)
    expect(t.leaseExpiresAt).toBeGreaterThan(c!.leaseExpiresAt)
    expect(t.leaseExpiresAt! - t.lastHeartbeatAt!).toBe(1_000)
    expect(await lastEvent(board, id, 'heartbeat')).toBeUndefined()
    expect(await board.heartbeat(id, { runId: c!.runId, note: '50% done' })).toBe(true)
    const ev = await lastEvent(board, id, 'heartbeat')
    expect(ev).toMatchObject({ runId: c!.runId, payload: { note: '50% done' } })
    expect(await board.heartbeat(id, { runId: 'r999' })).toBe(false)
    await board.completeTask(id, { runId: c!.runId })
    expect(await board.heartbeat(id, { runId: c!.runId })).toBe(false)
  })

  it('completeTask is fenced: a stale runId returns false and changes nothing', async () => {
    const board = await openBoard('life')
    const id = await board.createTask({ title: 'fenced' })
    const old = await claim(board, id)
    await board.reclaimTask(id)
    const current = await claim(board, id, 'w2')
    const before = await snapshot(board)
    expect(await board.completeTask(id, { runId: old, result: 'late' })).toBe(false)
    expect(await snapshot(board)).toEqual(before)
    expect(await board.completeTask(id, { runId: current, result: 'ok' })).toBe(true)
    expect(await board.completeTask(id, { result: 'again' })).toBe(false) // already done
  })

  it('records a zero-length run when a ready task is completed with a result', async () => {
    const board = await openBoard('life')
    const id = await board.createTask({ title: 'direct' })
    expect(await board.completeTask(id, { result: '42', summary: 'answered' })).toBe(true)
    const [run] = await board.runs(id)
    expect(run).toMatchObject({ outcome: 'completed', summary: 'answered', claimer: 'direct' })
    expect(run!.endedAt).toBe(run!.startedAt)
    expect(await task(board, id)).toMatchObject({ status: 'done', result: '42', currentRunId: null })
    const bare = await board.createTask({ title: 'no result' })
    expect(await board.completeTask(bare)).toBe(true)
    expect(await board.runs(bare)).toEqual([])
  })

  it('resets the counter and block fields; event completed carries the first summary line', async () => {
    const board = await openBoard('life')
    // at 3, two blocks of one kind stay blocked (the default 2 sends the 2nd to triage)
    await board.configure({ blockRecurrenceLimit: 3 })
    const id = await board.createTask({ title: 'history' })
    for (let i = 0; i < 2; i++) {
      await board.blockTask(id, { reason: 'q', kind: 'needs_input' })
      await board.unblockTask(id)
    }
    await board.recordFailure(id, { runId: await claim(board, id), outcome: 'crashed', error: 'e' })
    expect(await task(board, id)).toMatchObject({ blockKind: 'needs_input', blockRecurrences: 2, consecutiveFailures: 1 })
    const runId = await claim(board, id)
    const before = await board.now()
    expect(await board.completeTask(id, { runId, result: 'r', summary: 'line one\nline two', metadata: { k: 1 } })).toBe(true)
    const t = await task(board, id)
    expect(t).toMatchObject({ status: 'done', consecutiveFailures: 0, lastFailureError: null, blockKind: null, blockRecurrences: 0, sticky: false })
    expect(t.completedAt).toBeGreaterThanOrEqual(before)
    expect(await lastEvent(board, id, 'completed')).toMatchObject({ runId, payload: { summary: 'line one' } })
    expect((await board.runs(id)).at(-1)).toMatchObject({ outcome: 'completed', summary: 'line one\nline two', metadata: { k: 1 } })
  })
})

describe('schedule, reclaim, review, assign, update', () => {
  it('scheduleTask stores runAt; unblock releases it; a future runAt at creation schedules', async () => {
    const board = await openBoard('life')
    const at = (await board.now()) + 3_600_000
    const id = await board.createTask({ title: 'later' })
    const runId = await claim(board, id)
    expect(await board.scheduleTask(id, { reason: 'wait for the window', runAt: at, runId })).toBe(true)
    expect(await task(board, id)).toMatchObject({ status: 'scheduled', runAt: at, currentRunId: null })
    expect((await board.runs(id))[0]!.outcome).toBe('scheduled')
    expect((await lastEvent(board, id, 'scheduled'))!.payload).toEqual({ reason: 'wait for the window', runAt: at })
    expect(await board.recomputeReady()).toBe(0)
    expect(await board.unblockTask(id)).toBe(true)
    expect(await task(board, id)).toMatchObject({ status: 'ready', runAt: null })

    const future = await board.createTask({ title: 'cron', runAt: at })
    expect(await task(board, future)).toMatchObject({ status: 'scheduled', runAt: at })
    const past = await board.createTask({ title: 'overdue', runAt: at - 7_200_000 })
    expect((await task(board, past)).status).toBe('ready')
    expect(await board.scheduleTask(id, { runId: 'r999' })).toBe(false)
  })

  it('reclaimTask: -> ready, run closed reclaimed, counter reset, the old worker is fenced out', async () => {
    const board = await openBoard('life')
    const id = await board.createTask({ title: 'taken back' })
    await board.recordFailure(id, { runId: await claim(board, id), outcome: 'crashed', error: 'e' })
    const old = await claim(board, id)
    expect(await board.reclaimTask(id, { reason: 'worker wedged' })).toBe(true)
    expect(await task(board, id)).toMatchObject({ status: 'ready', consecutiveFailures: 0, currentRunId: null })
    expect((await board.runs(id)).at(-1)).toMatchObject({ id: old, outcome: 'reclaimed', error: 'worker wedged' })
    expect(await lastEvent(board, id, 'reclaimed')).toMatchObject({ runId: old, payload: { reason: 'worker wedged', manual: true } })
    expect(await board.completeTask(id, { runId: old, result: 'late' })).toBe(false)
    expect(await board.heartbeat(id, { runId: old })).toBe(false)
    expect((await task(board, id)).status).toBe('ready')
    expect(await board.reclaimTask(id)).toBe(false) // not running
  })

  it('requestReview moves to the reviewer lane; the review claim is fromReview; requestChanges restores the lane', async () => {
    const board = await openBoard('life')
    const id = await board.createTask({ title: 'pr', assignee: 'coder' })
    const r1 = await claim(board, id)
    expect(await board.requestReview(id, { runId: r1, reviewer: 'Reviewer', summary: 'please look' })).toBe(true)
    expect(await task(board, id)).toMatchObject({ status: 'review', assignee: 'reviewer' })
    expect((await board.runs(id))[0]!.outcome).toBe('review_requested')
    expect((await lastEvent(board, id, 'review_requested'))!.payload).toEqual({ reviewer: 'reviewer', summary: 'please look' })
    const r2 = await claim(board, id, 'rev-1')
    expect((await board.runs(id))[1]!.fromReview).toBe(true)
    expect((await lastEvent(board, id, 'claimed'))!.payload).toMatchObject({ fromReview: true })
    expect(await board.requestChanges(id, { runId: r2, reason: 'missing tests' })).toBe(true)
    expect(await task(board, id)).toMatchObject({ status: 'ready', assignee: 'coder' })
    expect((await lastEvent(board, id, 'changes_requested'))!.payload).toEqual({ reason: 'missing tests' })
    expect(await board.requestChanges(id, { reason: 'again' })).toBe(false) // not in review
  })

  it('assignTask refuses while running and lower-cases the lane', async () => {
    const board = await openBoard('life')
    const id = await board.createTask({ title: 'a', assignee: 'coder' })
    const runId = await claim(board, id)
    expect(await board.assignTask(id, 'other')).toBe(false)
    expect((await task(board, id)).assignee).toBe('coder')
    await board.completeTask(id, { runId })
    expect(await board.assignTask(id, 'Ops')).toBe(true)
    expect((await task(board, id)).assignee).toBe('ops')
    expect((await lastEvent(board, id, 'assigned'))!.payload).toEqual({ from: 'coder', to: 'ops' })
  })

  it('updateTask writes `updated` with the changed fields; a priority change reorders listTasks', async () => {
    const board = await openBoard('life')
    const [a, b, c] = [await board.createTask({ title: 'a' }), await board.createTask({ title: 'b' }), await board.createTask({ title: 'c' })]
    expect((await board.listTasks()).map((t) => t.id)).toEqual([a, b, c])
    expect(await board.updateTask(c, { priority: 5, title: 'c!', body: undefined })).toBe(true)
    expect((await lastEvent(board, c, 'updated'))!.payload).toEqual({ fields: ['title', 'priority'] })
    expect((await board.listTasks()).map((t) => t.id)).toEqual([c, a, b])
    expect((await board.listTasks({ status: 'ready' })).map((t) => t.id)).toEqual([c, a, b])
    expect(await board.updateTask(c, { title: 'c!' })).toBe(false) // nothing changed, no event
    expect((await board.events({ taskId: c })).filter((e) => e.kind === 'updated')).toHaveLength(1)
  })
})

describe('archive, delete, comments, reads', () => {
  it('archiveTask hides the task from listTasks, closes its open run and satisfies children', async () => {
    const board = await openBoard('life')
    const parent = await board.createTask({ title: 'p' })
    const child = await board.createTask({ title: 'c', parents: [parent] })
    const runId = await claim(board, parent)
    expect(await board.archiveTask(parent)).toBe(true)
    expect(await task(board, parent)).toMatchObject({ status: 'archived', currentRunId: null })
    expect((await board.runs(parent))[0]).toMatchObject({ id: runId, outcome: 'reclaimed' })
    expect((await board.listTasks()).map((t) => t.id)).toEqual([child])
    expect((await board.listTasks({ includeArchived: true })).map((t) => t.id)).toEqual([parent, child])
    expect((await task(board, child)).status).toBe('ready')
    expect(await board.archiveTask(parent)).toBe(false)
  })

  it('deleteTask removes every key of the task and its runs, and releases children', async () => {
    const board = await openBoard('life')
    const parent = await board.createTask({ title: 'p' })
    const child = await board.createTask({ title: 'c', parents: [parent] })
    const runId = await claim(board, parent)
    await board.addComment(parent, { author: 'a', body: 'note' })
    expect(await board.deleteTask(parent)).toBe(true)
    const keys = Object.keys(await snapshot(board))
    const tk = board.keys.task(parent)
    expect(keys.filter((k) => k === tk || k.startsWith(`${tk}:`))).toEqual([])
    expect(keys).not.toContain(board.keys.run(runId))
    expect(await board.getTask(parent)).toBeNull()
    expect(await task(board, child)).toMatchObject({ status: 'ready', parents: [] })
    expect((await board.events()).some((e) => e.kind === 'deleted' && e.payload?.id === parent)).toBe(true)
    await expect(board.deleteTask(parent)).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' })
  })

  it('addComment requires author and body (INVALID_INPUT, nothing written)', async () => {
    const board = await openBoard('life')
    const id = await board.createTask({ title: 'talk' })
    const before = await snapshot(board)
    for (const bad of [{ body: 'x' }, { author: 'a' }, { author: '', body: 'x' }, { author: 'a', body: '   ' }]) {
      await expect(board.addComment(id, bad as { author: string; body: string })).rejects.toMatchObject({ code: 'INVALID_INPUT' })
    }
    expect(await snapshot(board)).toEqual(before)
    const eventId = await board.addComment(id, { author: 'alice', body: 'looks good' })
    expect(await lastEvent(board, id, 'commented')).toMatchObject({ id: eventId, payload: { author: 'alice' } })
    expect(await board.comments(id)).toEqual([{ author: 'alice', body: 'looks good', at: expect.any(Number) }])
    await expect(board.addComment('t999', { author: 'a', body: 'b' })).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' })
  })

  it('workerContext and runs(): the task, parents results, prior attempts with their outcomes, comments', async () => {
    const board = await openBoard('life')
    const parent = await board.createTask({ title: 'research' })
    await board.completeTask(parent, { result: 'findings' })
    const id = await board.createTask({ title: 'write', parents: [parent], maxRetries: 10 })
    await board.recordFailure(id, { runId: await claim(board, id), outcome: 'crashed', error: 'boom' })
    await board.blockTask(id, { reason: 'question', runId: await claim(board, id) })
    await board.unblockTask(id)
    await board.scheduleTask(id, { runId: await claim(board, id) })
    await board.unblockTask(id)
    await claim(board, id)
    await board.reclaimTask(id)
    await board.requestReview(id, { runId: await claim(board, id) })
    await board.addComment(id, { author: 'bob', body: 'cite sources' })
    const ctx = await board.workerContext(id)
    expect(ctx.task).toMatchObject({ id, title: 'write', status: 'review' })
    expect(ctx.parents).toEqual([
      { id: parent, title: 'research', status: 'done', result: 'findings', summary: null, metadata: null, completedAt: expect.any(Number) },
    ])
    expect(ctx.totals).toEqual({ parents: 1, attempts: 5, comments: 1 })
    expect(ctx.priorAttempts.map((r) => r.outcome)).toEqual(['crashed', 'blocked', 'scheduled', 'reclaimed', 'review_requested'])
    expect(ctx.priorAttempts[0]!.error).toBe('boom')
    expect(ctx.comments).toMatchObject([{ author: 'bob', body: 'cite sources' }])
    await board.completeTask(id, { runId: await claim(board, id) })
    expect((await board.runs(id)).map((r) => r.outcome).at(-1)).toBe('completed')
  })

  it('events(): per task and board-wide, with after and limit', async () => {
    const board = await openBoard('life')
    const a = await board.createTask({ title: 'a' })
    const b = await board.createTask({ title: 'b' })
    await board.completeTask(a, { result: 'ok' })
    const ofA = await board.events({ taskId: a })
    expect(ofA.map((e) => e.kind)).toEqual(['created', 'completed'])
    expect(ofA.every((e) => e.taskId === a && typeof e.at === 'number')).toBe(true)
    expect(await board.events({ taskId: a, after: ofA[0]!.id })).toEqual([ofA[1]])
    expect(await board.events({ taskId: a, limit: 1 })).toEqual([ofA[0]])
    const all = await board.events()
    expect(all.map((e) => [e.taskId, e.kind])).toEqual([
      [a, 'created'],
      [b, 'created'],
      [a, 'completed'],
    ])
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((x, y) => x - y))
    expect(await board.events({ after: all[0]!.id, limit: 1 })).toEqual([all[1]])
    expect(await board.events({ after: all[2]!.id })).toEqual([])
  })

  it('explain(): running, sticky_block, breaker_open n/limit, waiting_on_parents, scheduled, triage', async () => {
    const board = await openBoard('life')
    const codes = async (id: string) => (await board.explain(id)).reasons.map((r) => r.code)
    const running = await board.createTask({ title: 'run' })
    const runId = await claim(board, running)
    expect((await board.explain(running)).reasons[0]).toMatchObject({ code: 'running', data: { runId } })
    const sticky = await board.createTask({ title: 'sticky' })
    await board.blockTask(sticky, { reason: 'need creds', kind: 'capability' })
    expect((await board.explain(sticky)).reasons[0]).toMatchObject({ code: 'sticky_block', data: { reason: 'need creds', kind: 'capability' } })
    const broken = await board.createTask({ title: 'broken' })
    for (let i = 0; i < 2; i++) await board.recordFailure(broken, { runId: await claim(board, broken), outcome: 'crashed', error: 'bad' })
    const ex = await board.explain(broken)
    expect(ex.runnable).toBe(false)
    expect(ex.reasons[0]).toMatchObject({ code: 'breaker_open', data: { failures: 2, limit: 2, limitSource: 'default', lastError: 'bad' } })
    expect(ex.text).toContain('2/2')
    const waiting = await board.createTask({ title: 'child', parents: [running, sticky] })
    const w = (await board.explain(waiting)).reasons.find((r) => r.code === 'waiting_on_parents')!
    expect((w.data.parents as { id: string }[]).map((p) => p.id).sort()).toEqual([running, sticky].sort())
    expect(w.message).toContain(running)
    const at = (await board.now()) + 60_000
    const later = await board.createTask({ title: 'later', runAt: at })
    expect((await board.explain(later)).reasons[0]).toMatchObject({ code: 'scheduled', data: { runAt: at } })
    expect(await codes(await board.createTask({ title: 'vague', triage: true }))).toEqual(['triage'])
    const ready = await board.createTask({ title: 'go', assignee: 'coder' })
    // no worker serves lane coder on this board: explain says so too (docs/fleet.md#liveness)
    expect(await board.explain(ready)).toMatchObject({ runnable: true, reasons: [{ code: 'runnable' }, { code: 'no_live_worker', data: { lane: 'coder' } }] })
  })

  it('stats() counts tasks by status and splits sticky from breaker blocks', async () => {
    const board = await openBoard('life')
    await board.configure({ failureLimit: 1 })
    const ids = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((title) => board.createTask({ title })))
    const [run, sticky, breaker, done, archived] = ids as [string, string, string, string, string, string]
    await board.createTask({ title: 'child', parents: [run] })
    await claim(board, run)
    await board.blockTask(sticky, { reason: 'human' })
    await board.recordFailure(breaker, { runId: await claim(board, breaker), outcome: 'crashed', error: 'x' })
    await board.completeTask(done, { result: 'ok' })
    await board.archiveTask(archived)
    const s = await board.stats()
    expect(s.byStatus).toEqual({ triage: 0, todo: 1, scheduled: 0, ready: 1, running: 1, blocked: 2, review: 0, done: 1, archived: 1 })
    expect(s).toMatchObject({ total: 7, running: 1, breakerBlocked: 1, stickyBlocked: 1, expiredLeases: 0 })
  })
})

describe('autoEnqueue on creation', () => {
  it('createTasks / createTask on an autoEnqueue handle return with the new ready tasks in BullMQ; others and repeats are not enqueued', async () => {
    const board = await openBoard('auto-create', { autoEnqueue: true })
    const ids = await board.createTasks([
      { ref: 'a', title: 'a', assignee: 'lane' },
      { ref: 'b', title: 'b', assignee: 'lane' },
      { ref: 'child', title: 'waits', assignee: 'lane', dependsOn: ['a'] },
      { ref: 'held', title: 'held', assignee: 'lane', initialStatus: 'blocked' },
      { ref: 'loose', title: 'no lane' },
    ])
    const jobs = async () => (await (await boardContext(board).lanes.get('lane')).getJobs(['waiting', 'prioritized'])).flatMap((j) => j.data.taskIds).sort()
    expect(await jobs()).toEqual([ids.a, ids.b].sort())
    // reserved once: a tick finds nothing more to hand over (the unassigned one is reported)
    expect(await board.dispatchOnce()).toMatchObject({ enqueued: 0, skippedUnassigned: 1 })

    const one = await board.createTask({ title: 'one', assignee: 'lane', idempotencyKey: 'k1' })
    expect(await jobs()).toEqual([ids.a, ids.b, one].sort())
    // an idempotent repeat writes nothing and enqueues nothing
    expect(await board.createTask({ title: 'one', assignee: 'lane', idempotencyKey: 'k1' })).toBe(one)
    expect(await jobs()).toEqual([ids.a, ids.b, one].sort())
  })

  it('a DAG larger than one script call (written in parts) is in BullMQ, every ready task once, when createTasks returns', async () => {
    const board = await openBoard('auto-parts', { autoEnqueue: true })
    const nodes = Array.from({ length: 400 }, (_, i) => ({
      ref: `n${i}`,
      title: `t${i}`,
      assignee: i % 2 ? 'lane' : 'other',
      priority: i % 9 === 0 ? 3 : 0,
      ...(i % 10 === 9 ? { dependsOn: [`n${i - 9}`] } : {}),
    }))
    const ids = await board.createTasks(nodes)
    expect(Object.keys(ids)).toHaveLength(400)
    const inJobs = async (lane: string) =>
      (await (await boardContext(board).lanes.get(lane)).getJobs(['waiting', 'prioritized'])).flatMap((j) => j.data.taskIds)
    const queued = [...(await inJobs('lane')), ...(await inJobs('other'))]
    const ready = nodes.filter((n) => !n.dependsOn).map((n) => ids[n.ref]!)
    expect(queued.sort()).toEqual(ready.sort())
    expect((await board.listTasks({ status: 'todo', limit: 1000 })).map((t) => t.id).sort()).toEqual(
      nodes
        .filter((n) => n.dependsOn)
        .map((n) => ids[n.ref]!)
        .sort(),
    )
    expect(await board.dispatchOnce()).toMatchObject({ enqueued: 0 })
  })
})
