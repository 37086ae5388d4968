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

  it('the 2nd block of the same kind after an unblock goes to triage with block_loop_detected', async () => {
    const board = await openBoard('blk')
    const id = await board.createTask({ title: 'loops' })
    expect(await board.blockTask(id, { reason: 'b1', kind: 'needs_input', runId: await claim(board, id) })).toBe(true)
    expect(await task(board, id)).toMatchObject({ status: 'blocked', blockRecurrences: 1 }) // the first block is recurrence 1
    expect(await board.unblockTask(id)).toBe(true)
    expect((await task(board, id)).blockRecurrences).toBe(1) // unblock keeps recurrences
    const runId = await claim(board, id)
    expect(await board.blockTask(id, { reason: 'b2', kind: 'needs_input', runId })).toBe(true)
    const t = await task(board, id)
    expect(t).toMatchObject({ status: 'triage', sticky: false, blockRecurrences: 2, blockKind: 'needs_input', blockReason: 'b2' })
    const ev = await lastEvent(board, id, 'block_loop_detected')
    expect(ev!.runId).toBe(runId)
    expect(ev!.payload).toEqual({ reason: 'b2', kind: 'needs_input', recurrences: 2, limit: 2 })
    expect((await kinds(board, id)).filter((k) => k === 'blocked')).toHaveLength(1)
    expect((await board.runs(id)).map((r) => r.outcome)).toEqual(['blocked', 'blocked'])
    expect((await board.explain(id)).reasons.map((r) => r.code)).toContain('triage')
    // triage is not a block: unblock refuses it, recompute never releases it
    expect(await board.unblockTask(id)).toBe(false)
    expect(await board.recomputeReady()).toBe(0)
    expect((await task(board, id)).status).toBe('triage')
  })

  it('a block without a kind loops like any kind: the 2nd untyped block goes to triage', async () => {
    const board = await openBoard('blk')
    const id = await board.createTask({ title: 'untyped' })
    expect(await board.blockTask(id, { reason: 'review-required', runId: await claim(board, id) })).toBe(true)
    expect(await task(board, id)).toMatchObject({ status: 'blocked', blockKind: null, blockRecurrences: 1 })
    await board.unblockTask(id)
    expect(await board.blockTask(id, { reason: 'review-required', runId: await claim(board, id) })).toBe(true)
    expect(await task(board, id)).toMatchObject({ status: 'triage', blockKind: null, blockRecurrences: 2 })
    expect((await lastEvent(board, id, 'block_loop_detected'))!.payload).toEqual({ reason: 'review-required', kind: null, recurrences: 2, limit: 2 })
  })

  it('a different kind starts the recurrence count again at 1 (no kind is a kind of its own)', async () => {
    const board = await openBoard('blk')
    const id = await board.createTask({ title: 'varied' })
    for (const kind of ['needs_input', 'capability', undefined, 'needs_input', 'transient', undefined] as const) {
      expect(await board.blockTask(id, { reason: kind ?? 'none', kind })).toBe(true)
      expect(await task(board, id), kind ?? 'none').toMatchObject({ status: 'blocked', blockKind: kind ?? null, blockRecurrences: 1 })
      expect(await board.unblockTask(id)).toBe(true)
    }
    expect((await task(board, id)).status).toBe('ready')
  })

  it('the board setting blockRecurrenceLimit: at 3 the 3rd block escalates; unset, back to the 2nd', async () => {
    const board = await openBoard('blk')
    expect(await board.configure({ blockRecurrenceLimit: 3 })).toMatchObject({ blockRecurrenceLimit: 3 })
    const id = await board.createTask({ title: 'patient' })
    for (const n of [1, 2]) {
      expect(await board.blockTask(id, { reason: `b${n}`, kind: 'transient' })).toBe(true)
      expect(await task(board, id)).toMatchObject({ status: 'blocked', blockRecurrences: n })
      await board.unblockTask(id)
    }
    expect(await board.blockTask(id, { reason: 'b3', kind: 'transient' })).toBe(true)
    expect(await task(board, id)).toMatchObject({ status: 'triage', blockRecurrences: 3 })
    expect((await lastEvent(board, id, 'block_loop_detected'))!.payload).toEqual({ reason: 'b3', kind: 'transient', recurrences: 3, limit: 3 })

    expect(await board.configure({ blockRecurrenceLimit: null })).toMatchObject({ blockRecurrenceLimit: 2 })
    const other = await board.createTask({ title: 'default again' })
    await board.blockTask(other, { reason: 'x', kind: 'transient' })
    await board.unblockTask(other)
    await board.blockTask(other, { reason: 'x', kind: 'transient' })
    expect((await task(board, other)).status).toBe('triage')
  })

  it('promote keeps the count; only completion resets it', async () => {
    const board = await openBoard('blk')
    const id = await board.createTask({ title: 'promoted' })
    await board.blockTask(id, { reason: 'q', kind: 'capability' })
    expect(await board.promoteTask(id, { actor: 'ops' })).toBe(true)
    expect(await task(board, id)).toMatchObject({ status: 'ready', blockKind: 'capability', blockRecurrences: 1 })
    await board.blockTask(id, { reason: 'q', kind: 'capability' })
    expect((await task(board, id)).status).toBe('triage')

    const done = await board.createTask({ title: 'finished by hand' })
    await board.blockTask(done, { reason: 'q', kind: 'capability' })
    expect(await board.completeTask(done, { result: 'answered' })).toBe(true)
    expect(await task(board, done)).toMatchObject({ status: 'done', blockKind: null, blockRecurrences: 0, sticky: false })
  })

  // The loop the original system fixed (issue 12): a worker blocks without a kind, a script
  // unblocks every blocked task, the worker blocks again ... Here it ends in triage at the
  // 2nd block, and nothing automatic brings it back.
  it('regression: worker block / scripted unblock / re-block ends in triage, and the script cannot restart it', async () => {
    const board = await openBoard('blk')
    const id = await board.createTask({ title: 'needs human review' })
    const unblockAll = async () => {
      let n = 0
      for (const t of await board.listTasks({ status: 'blocked' })) if (await board.unblockTask(t.id)) n++
      return n
    }
    expect(await board.blockTask(id, { reason: 'review-required: verify ACL change', runId: await claim(board, id) })).toBe(true)
    expect(await unblockAll()).toBe(1)
    expect(await board.blockTask(id, { reason: 'review-required: verify ACL change', runId: await claim(board, id) })).toBe(true)
    expect((await task(board, id)).status).toBe('triage')
    for (let tick = 0; tick < 3; tick++) {
      expect(await unblockAll()).toBe(0)
      expect(await board.recomputeReady()).toBe(0)
      expect(await board.claimTask(id, { claimer: 'w' })).toBeNull()
    }
    expect(await kinds(board, id)).toEqual(['created', 'claimed', 'blocked', 'unblocked', 'claimed', 'block_loop_detected'])
  })
})

describe('unblockTask', () => {
  it('clears sticky, the failure counter and last error; keeps recurrences', async () => {
    const board = await openBoard('blk')
    // at 3 the 2nd block of a kind stays blocked (the default 2 sends it to triage)
    await board.configure({ blockRecurrenceLimit: 3 })
    const id = await board.createTask({ title: 'u' })
    expect(await board.blockTask(id, { reason: 'help', kind: 'transient' })).toBe(true)
    await board.unblockTask(id)
    // A failure after the first unblock, then the same kind again: a sticky block that
    // carries a counter, a last error and one recurrence.
    await board.recordFailure(id, { runId: await claim(board, id), outcome: 'crashed', error: 'oops' })
    expect(await board.blockTask(id, { reason: 'help again', kind: 'transient' })).toBe(true)
    let t = await task(board, id)
    expect(t).toMatchObject({ sticky: true, consecutiveFailures: 1, lastFailureError: 'oops', blockRecurrences: 2 })
    expect(await board.unblockTask(id, { actor: 'alice' })).toBe(true)
    t = await task(board, id)
    expect(t).toMatchObject({ status: 'ready', sticky: false, consecutiveFailures: 0, lastFailureError: null, blockRecurrences: 2 })
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

  it('specifyTask after a block loop keeps the count: the same kind goes straight back to triage, another kind starts at 1', async () => {
    const board = await openBoard('blk')
    const id = await board.createTask({ title: 'loops' })
    for (let i = 0; i < 2; i++) {
      await board.blockTask(id, { reason: `b${i}`, kind: 'transient' })
      if (i < 1) await board.unblockTask(id)
    }
    expect((await task(board, id)).status).toBe('triage')
    expect(await board.specifyTask(id, { body: 'clarified' })).toBe(true)
    expect(await task(board, id)).toMatchObject({ status: 'ready', blockKind: 'transient', blockRecurrences: 2, blockReason: null, sticky: false })
    expect(await board.blockTask(id, { reason: 'again', kind: 'transient' })).toBe(true)
    expect(await task(board, id)).toMatchObject({ status: 'triage', blockRecurrences: 3 })
    expect(await board.specifyTask(id)).toBe(true)
    expect(await board.blockTask(id, { reason: 'other', kind: 'needs_input' })).toBe(true)
    expect(await task(board, id)).toMatchObject({ status: 'blocked', blockKind: 'needs_input', blockRecurrences: 1 })
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
