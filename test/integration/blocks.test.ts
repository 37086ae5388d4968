/**
 * Human blocks (docs/blocks-and-breaker.md#sticky-blocks: blockTask / unblockTask / promoteTask / specifyTask and
 * stickiness): which statuses may block, the block kinds, the `dependency` special case,
 * block-loop detection into triage, and the only ways out of a sticky block.
 */
import { describe, expect, it } from 'vitest'
import type { Board } from '../../src/index.js'
import { openBoard, snapshot } from '../helpers/board.js'

const task = async (board: Board, id: string) => (await board.getTask(id))!
const kinds = async (board: Board, id: string) => (await board.events({ taskId: id })).map((e) => e.kind)
const lastEvent = async (board: Board, id: string, kind: string) => (await board.events({ taskId: id })).filter((e) => e.kind === kind).at(-1)

async function claim(board: Board, id: string): Promise<string> {
  const c = await board.claimTask(id, { claimer: 'w' })
  expect(c, `claim of ${id}`).not.toBeNull()
  return c!.runId
}

describe('blockTask', () => {
  it('blocks a running task: sticky, run closed `blocked`, event `blocked` with the run id', async () => {
    const board = await openBoard('blk')
    const id = await board.createTask({ title: 'needs a human' })
    const runId = await claim(board, id)
    expect(await board.blockTask(id, { reason: 'need API key', kind: 'capability', runId })).toBe(true)
    const t = await task(board, id)
    expect(t).toMatchObject({ status: 'blocked', sticky: true, blockKind: 'capability', blockReason: 'need API key', currentRunId: null })
    const [run] = await board.runs(id)
    expect(run).toMatchObject({ id: runId, outcome: 'blocked', summary: 'need API key' })
    expect(run!.endedAt).not.toBeNull()
    const ev = await lastEvent(board, id, 'blocked')
    expect(ev!.runId).toBe(runId)
    expect(ev!.payload).toEqual({ reason: 'need API key', kind: 'capability', sticky: true })
    expect(await board.recomputeReady()).toBe(0)
    expect((await board.stats()).stickyBlocked).toBe(1)
  })

  it('blocks a ready task (no run) with each kind, or none', async () => {
    const board = await openBoard('blk')
    for (const kind of ['needs_input', 'capability', 'transient', undefined] as const) {
      const id = await board.createTask({ title: `kind ${kind}` })
      expect(await board.blockTask(id, { reason: 'r', kind })).toBe(true)
      const t = await task(board, id)
      expect(t.status).toBe('blocked')
      expect(t.sticky).toBe(true)
      expect(t.blockKind).toBe(kind ?? null)
      expect(await board.runs(id)).toEqual([])
      expect((await lastEvent(board, id, 'blocked'))!.payload).toEqual({ reason: 'r', kind: kind ?? null, sticky: true })
    }
    expect(await board.recomputeReady()).toBe(0)
  })

  it('refuses every status but running and ready, writing nothing', async () => {
    const board = await openBoard('blk')
    const parent = await board.createTask({ title: 'p' })
    const ids = {
      todo: await board.createTask({ title: 'todo', parents: [parent] }),
      triage: await board.createTask({ title: 'triage', triage: true }),
      scheduled: await board.createTask({ title: 'scheduled', runAt: (await board.now()) + 3_600_000 }),
      blocked: await board.createTask({ title: 'blocked', initialStatus: 'blocked' }),
      done: await board.createTask({ title: 'done' }),
    }
    await board.completeTask(ids.done, { result: 'ok' })
    const before = await snapshot(board)
    for (const [s, id] of Object.entries(ids)) {
      expect((await task(board, id)).status).toBe(s)
      expect(await board.blockTask(id, { reason: 'no' }), s).toBe(false)
    }
    expect(await snapshot(board)).toEqual(before)
  })

  it('refuses a stale run id', async () => {
    const board = await openBoard('blk')
    const id = await board.createTask({ title: 'fenced' })
    const old = await claim(board, id)
    await board.reclaimTask(id)
    await claim(board, id)
    expect(await board.blockTask(id, { reason: 'late', runId: old })).toBe(false)
    expect((await task(board, id)).status).toBe('running')
  })

  it('kind dependency with an unsatisfied parent -> todo, event dependency_wait, released by the parent', async () => {
    const board = await openBoard('blk')
    const child = await board.createTask({ title: 'child' })
    const runId = await claim(board, child)
    // The worker discovers a dependency while running: the link does not demote a running task.
    const parent = await board.createTask({ title: 'discovered dependency' })
    expect(await board.linkTasks(parent, child)).toBe(true)
    expect(await board.blockTask(child, { reason: 'needs the schema first', kind: 'dependency', runId })).toBe(true)
    const t = await task(board, child)
    expect(t.status).toBe('todo')
    expect(t.sticky).toBe(false)
    expect((await lastEvent(board, child, 'dependency_wait'))!.payload).toEqual({ reason: 'needs the schema first' })
    expect(await kinds(board, child)).not.toContain('blocked')
    expect((await board.runs(child))[0]!.outcome).toBe('blocked')
    await board.completeTask(parent, { result: 'schema' })
    expect((await task(board, child)).status).toBe('ready')
  })

  it('kind dependency with every parent satisfied -> blocked, re-kinded needs_input', async () => {
    const board = await openBoard('blk')
    const parent = await board.createTask({ title: 'p' })
    const child = await board.createTask({ title: 'c', parents: [parent] })
    await board.completeTask(parent, { result: 'ok' })
    const runId = await claim(board, child)
    expect(await board.blockTask(child, { reason: 'what now?', kind: 'dependency', runId })).toBe(true)
    const t = await task(board, child)
    expect(t).toMatchObject({ status: 'blocked', sticky: true, blockKind: 'needs_input' })
    expect((await lastEvent(board, child, 'blocked'))!.payload).toMatchObject({ kind: 'needs_input' })
  })

  it('the same kind blocked a 3rd time (2nd recurrence) goes to triage with block_loop_detected', async () => {
    const board = await openBoard('blk')
    const id = await board.createTask({ title: 'loops' })
    expect(await board.blockTask(id, { reason: 'b1', kind: 'needs_input', runId: await claim(board, id) })).toBe(true)
    expect((await task(board, id)).blockRecurrences).toBe(0)
    expect(await board.unblockTask(id)).toBe(true)
    expect((await task(board, id)).blockRecurrences).toBe(0)
    expect(await board.blockTask(id, { reason: 'b2', kind: 'needs_input', runId: await claim(board, id) })).toBe(true)
    let t = await task(board, id)
    expect(t.status).toBe('blocked')
    expect(t.blockRecurrences).toBe(1)
    expect(await board.unblockTask(id)).toBe(true)
    expect((await task(board, id)).blockRecurrences).toBe(1) // unblock keeps recurrences
    expect(await board.blockTask(id, { reason: 'b3', kind: 'needs_input', runId: await claim(board, id) })).toBe(true)
    t = await task(board, id)
    expect(t).toMatchObject({ status: 'triage', sticky: false, blockRecurrences: 2, blockKind: 'needs_input' })
    expect((await lastEvent(board, id, 'block_loop_detected'))!.payload).toEqual({ reason: 'b3', kind: 'needs_input', recurrences: 2 })
    expect((await kinds(board, id)).filter((k) => k === 'blocked')).toHaveLength(2)
    expect((await board.runs(id)).map((r) => r.outcome)).toEqual(['blocked', 'blocked', 'blocked'])
    expect((await board.explain(id)).reasons.map((r) => r.code)).toContain('triage')
  })

  it('a different kind starts the recurrence count again', async () => {
    const board = await openBoard('blk')
    const id = await board.createTask({ title: 'varied' })
    for (const kind of ['needs_input', 'needs_input', 'capability', 'capability'] as const) {
      expect(await board.blockTask(id, { reason: kind, kind })).toBe(true)
      expect(await board.unblockTask(id)).toBe(true)
    }
    const t = await task(board, id)
    expect(t.status).toBe('ready')
    expect(t).toMatchObject({ blockKind: 'capability', blockRecurrences: 1 })
  })
})

describe('unblockTask', () => {
  it('clears sticky, the failure counter and last error; keeps recurrences', async () => {
    const board = await openBoard('blk')
    const id = await board.createTask({ title: 'u' })
    expect(await board.blockTask(id, { reason: 'help', kind: 'transient' })).toBe(true)
    await board.unblockTask(id)
    // A failure after the first unblock, then the same kind again: a sticky block that
    // carries a counter, a last error and one recurrence.
    await board.recordFailure(id, { runId: await claim(board, id), outcome: 'crashed', error: 'oops' })
    expect(await board.blockTask(id, { reason: 'help again', kind: 'transient' })).toBe(true)
    let t = await task(board, id)
    expect(t).toMatchObject({ sticky: true, consecutiveFailures: 1, lastFailureError: 'oops', blockRecurrences: 1 })
    expect(await board.unblockTask(id, { actor: 'alice' })).toBe(true)
    t = await task(board, id)
    expect(t).toMatchObject({ status: 'ready', sticky: false, consecutiveFailures: 0, lastFailureError: null, blockRecurrences: 1 })
    expect((await lastEvent(board, id, 'unblocked'))!.payload).toEqual({ from: 'blocked', to: 'ready', actor: 'alice' })
  })

  it('-> todo when a parent is unsatisfied', async () => {
    const board = await openBoard('blk')
    const child = await board.createTask({ title: 'c' })
    const runId = await claim(board, child)
    const parent = await board.createTask({ title: 'p' })
    await board.linkTasks(parent, child)
    expect(await board.blockTask(child, { reason: 'stuck', kind: 'needs_input', runId })).toBe(true)
    expect(await board.unblockTask(child)).toBe(true)
    expect((await task(board, child)).status).toBe('todo')
    expect((await lastEvent(board, child, 'unblocked'))!.payload).toMatchObject({ to: 'todo' })
    await board.completeTask(parent, { result: 'ok' })
    expect((await task(board, child)).status).toBe('ready')
  })

  it('refuses a task that is not blocked or scheduled', async () => {
    const board = await openBoard('blk')
    const id = await board.createTask({ title: 'ready' })
    const before = await snapshot(board)
    expect(await board.unblockTask(id)).toBe(false)
    expect(await snapshot(board)).toEqual(before)
  })
  it('other ways out: completeTask finishes a sticky block, scheduleTask parks it without stickiness', async () => {
    const board = await openBoard('blk')
    const a = await board.createTask({ title: 'answered offline' })
    await board.blockTask(a, { reason: 'q' })
    expect(await board.completeTask(a, { result: 'done by hand' })).toBe(true)
    expect(await task(board, a)).toMatchObject({ status: 'done', sticky: false, blockReason: null })
    const b = await board.createTask({ title: 'not now' })
    await board.blockTask(b, { reason: 'q' })
    expect(await board.scheduleTask(b, { reason: 'next week' })).toBe(true)
    expect(await task(board, b)).toMatchObject({ status: 'scheduled', sticky: false })
    expect((await board.stats()).stickyBlocked).toBe(0)
  })
})

describe('promoteTask', () => {
  it('refuses unsatisfied parents unless force; clears sticky; event promoted_manual', async () => {
    const board = await openBoard('blk')
    const child = await board.createTask({ title: 'c' })
    const runId = await claim(board, child)
    const parent = await board.createTask({ title: 'p' })
    await board.linkTasks(parent, child)
    await board.blockTask(child, { reason: 'stuck', runId })
    const before = await snapshot(board)
    expect(await board.promoteTask(child, { actor: 'ops' })).toBe(false)
    expect(await snapshot(board)).toEqual(before)
    expect(await board.promoteTask(child, { actor: 'ops', reason: 'ship it', force: true })).toBe(true)
    const t = await task(board, child)
    expect(t).toMatchObject({ status: 'ready', sticky: false, blockReason: null })
    expect((await lastEvent(board, child, 'promoted_manual'))!.payload).toEqual({ actor: 'ops', reason: 'ship it', force: true, from: 'blocked' })
  })

  it('promotes a sticky block without parents, and a forced todo; refuses other statuses', async () => {
    const board = await openBoard('blk')
    const blocked = await board.createTask({ title: 'b', initialStatus: 'blocked' })
    expect(await board.promoteTask(blocked, { actor: 'ops' })).toBe(true)
    expect(await task(board, blocked)).toMatchObject({ status: 'ready', sticky: false })
    const parent = await board.createTask({ title: 'p' })
    const todo = await board.createTask({ title: 't', parents: [parent] })
    expect(await board.promoteTask(todo, { actor: 'ops' })).toBe(false)
    expect((await task(board, todo)).status).toBe('todo')
    expect(await board.promoteTask(todo, { actor: 'ops', force: true })).toBe(true)
    expect((await lastEvent(board, todo, 'promoted_manual'))!.payload).toMatchObject({ from: 'todo', force: true })
    expect(await board.promoteTask(parent, { actor: 'ops' })).toBe(false) // ready
  })
})

describe('specifyTask and created-blocked tasks', () => {
  it('specifyTask is the way out of triage: updates fields, -> ready or todo, event specified', async () => {
    const board = await openBoard('blk')
    const id = await board.createTask({ title: 'vague', triage: true })
    expect(await board.recomputeReady()).toBe(0)
    expect(await board.specifyTask(id, { title: 'precise', body: 'do X', assignee: 'Coder', author: 'pm' })).toBe(true)
    expect(await task(board, id)).toMatchObject({ status: 'ready', title: 'precise', body: 'do X', assignee: 'coder' })
    expect((await lastEvent(board, id, 'specified'))!.payload).toEqual({ fields: ['title', 'body', 'assignee'], author: 'pm', to: 'ready' })
    expect(await board.specifyTask(id, { title: 'again' })).toBe(false) // not in triage any more

    const parent = await board.createTask({ title: 'p' })
    const child = await board.createTask({ title: 'c', triage: true, parents: [parent] })
    expect(await board.specifyTask(child)).toBe(true)
    expect((await task(board, child)).status).toBe('todo')
  })

  it('specifyTask after a block loop clears the loop', async () => {
    const board = await openBoard('blk')
    const id = await board.createTask({ title: 'loops' })
    for (let i = 0; i < 3; i++) {
      await board.blockTask(id, { reason: `b${i}`, kind: 'transient' })
      if (i < 2) await board.unblockTask(id)
    }
    expect((await task(board, id)).status).toBe('triage')
    expect(await board.specifyTask(id, { body: 'clarified' })).toBe(true)
    expect(await task(board, id)).toMatchObject({ status: 'ready', blockKind: null, blockRecurrences: 0, sticky: false })
  })

  it('createTask({ initialStatus: blocked }) is sticky, writes a blocked event and survives recompute', async () => {
    const board = await openBoard('blk')
    const id = await board.createTask({ title: 'hold', initialStatus: 'blocked' })
    expect(await task(board, id)).toMatchObject({ status: 'blocked', sticky: true })
    expect(await kinds(board, id)).toEqual(['created', 'blocked'])
    for (let i = 0; i < 3; i++) expect(await board.recomputeReady()).toBe(0)
    expect((await task(board, id)).status).toBe('blocked')
    expect((await board.explain(id)).reasons[0]!.code).toBe('sticky_block')
    expect(await board.unblockTask(id)).toBe(true)
    expect((await task(board, id)).status).toBe('ready')
  })
})
