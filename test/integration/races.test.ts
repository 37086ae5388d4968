/**
 * Races between "processes": every contender is its own Board handle over its own Redis
 * connection (`reopen`), so the calls really interleave at the server. Each transition is
 * one Lua script, so every race must have exactly one winner and leave no half-state.
 */
import { describe, expect, it } from 'vitest'
import type { Board } from '../../src/index.js'
import { openBoard, reopen } from '../helpers/board.js'

async function handles(board: Board, n: number): Promise<Board[]> {
  return Promise.all(Array.from({ length: n }, () => reopen(board)))
}

async function kinds(board: Board, taskId: string, kind: string) {
  return (await board.events({ taskId })).filter((e) => e.kind === kind)
}

describe('concurrent claims', () => {
  it('8 claimers of one ready task: exactly one Claim, one run, one claimed event', async () => {
    const board = await openBoard('race-claim')
    const hs = await handles(board, 8)
    const id = await board.createTask({ title: 'contended' })

    const results = await Promise.all(hs.map((h, i) => h.claimTask(id, { claimer: `w${i}` })))
    const wins = results.filter((r) => r !== null)
    expect(wins).toHaveLength(1)
    expect(results.filter((r) => r === null)).toHaveLength(7)

    const runs = await board.runs(id)
    expect(runs).toHaveLength(1)
    expect(runs[0]!.id).toBe(wins[0]!.runId)
    expect(runs[0]!.claimer).toBe(`w${results.indexOf(wins[0]!)}`)
    expect(runs[0]!.outcome).toBeNull()

    const claimed = await kinds(board, id, 'claimed')
    expect(claimed).toHaveLength(1)
    expect(claimed[0]!.runId).toBe(wins[0]!.runId)

    const t = (await board.getTask(id))!
    expect(t.status).toBe('running')
    expect(t.currentRunId).toBe(wins[0]!.runId)
  })

  it('claims racing a reclaim: the reclaimed task is won by exactly one new claimer', async () => {
    const board = await openBoard('race-reclaim-claim')
    const hs = await handles(board, 6)
    const id = await board.createTask({ title: 'taken back' })
    const first = (await board.claimTask(id, { claimer: 'old' }))!

    // one handle reclaims while five try to claim; claims that land before the reclaim lose
    const [reclaimed, ...claims] = await Promise.all([
      hs[0]!.reclaimTask(id, { reason: 'operator' }),
      ...hs.slice(1).map((h, i) => h.claimTask(id, { claimer: `new${i}` })),
    ])
    expect(reclaimed).toBe(true)
    const wins = claims.filter((c) => c !== null)
    expect(wins.length).toBeLessThanOrEqual(1)

    const runs = await board.runs(id)
    expect(runs[0]!.id).toBe(first.runId)
    expect(runs[0]!.outcome).toBe('reclaimed')
    expect(runs).toHaveLength(1 + wins.length)
    const t = (await board.getTask(id))!
    expect(t.status).toBe(wins.length ? 'running' : 'ready')
    expect(t.currentRunId).toBe(wins.length ? wins[0]!.runId : null)
    // the old worker is fenced off whoever won
    expect(await board.heartbeat(id, { runId: first.runId })).toBe(false)
    expect(await board.completeTask(id, { runId: first.runId })).toBe(false)
  })

  it('reclaim vs the old worker completing: exactly one wins, the run is closed once', async () => {
    const board = await openBoard('race-reclaim-complete')
    const [a, b] = await handles(board, 2)
    for (let i = 0; i < 20; i++) {
      const id = await board.createTask({ title: `round ${i}` })
      const claim = (await board.claimTask(id, { claimer: 'w' }))!
      const [reclaimed, completed] = await Promise.all([a!.reclaimTask(id), b!.completeTask(id, { runId: claim.runId, result: 'r' })])
      expect([reclaimed, completed].filter(Boolean)).toHaveLength(1)
      const t = (await board.getTask(id))!
      const runs = await board.runs(id)
      expect(runs).toHaveLength(1)
      if (completed) {
        expect(t.status).toBe('done')
        expect(runs[0]!.outcome).toBe('completed')
      } else {
        expect(t.status).toBe('ready')
        expect(runs[0]!.outcome).toBe('reclaimed')
      }
      expect(t.currentRunId).toBeNull()
    }
  })

  it('claim vs an operator completing a ready task: done, no run left open', async () => {
    const board = await openBoard('race-claim-complete')
    const [a, b] = await handles(board, 2)
    for (let i = 0; i < 20; i++) {
      const id = await board.createTask({ title: `round ${i}` })
      const [claim, completed] = await Promise.all([a!.claimTask(id, { claimer: 'w' }), b!.completeTask(id)])
      // completion is allowed from ready and running, so it always lands
      expect(completed).toBe(true)
      const t = (await board.getTask(id))!
      expect(t.status).toBe('done')
      expect(t.currentRunId).toBeNull()
      const runs = await board.runs(id)
      if (claim) {
        expect(runs.map((r) => [r.id, r.outcome])).toEqual([[claim.runId, 'completed']])
      } else {
        expect(runs).toEqual([])
      }
    }
  })
})

describe('concurrent creates with one idempotency key', () => {
  it('50 creators get one task id; one task, one created event', async () => {
    const board = await openBoard('race-idem')
    const hs = await handles(board, 10)
    const ids = await Promise.all(Array.from({ length: 50 }, (_, i) => hs[i % hs.length]!.createTask({ title: `dup ${i}`, idempotencyKey: 'k-1' })))
    expect(new Set(ids).size).toBe(1)
    const stats = await board.stats()
    expect(stats.total).toBe(1)
    expect(stats.byStatus.ready).toBe(1)
    const created = (await board.events()).filter((e) => e.kind === 'created')
    expect(created).toHaveLength(1)
    expect(created[0]!.taskId).toBe(ids[0])
    expect((await board.getTask(ids[0]!))!.idempotencyKey).toBe('k-1')
  })

  it('concurrent createTasks batches sharing keys create each keyed node once', async () => {
    const board = await openBoard('race-idem-batch')
    const hs = await handles(board, 8)
    const results = await Promise.all(
      hs.map((h) =>
        h.createTasks([
          { ref: 'a', title: 'A', idempotencyKey: 'batch-a' },
          { ref: 'b', title: 'B', idempotencyKey: 'batch-b', dependsOn: ['a'] },
        ]),
      ),
    )
    expect(new Set(results.map((r) => r.a)).size).toBe(1)
    expect(new Set(results.map((r) => r.b)).size).toBe(1)
    expect((await board.stats()).total).toBe(2)
    expect(await board.parents(results[0]!.b!)).toEqual([results[0]!.a])
  })

  it('the key is freed by archive (new task) but not by completion (same task)', async () => {
    const board = await openBoard('race-idem-life')
    const id = await board.createTask({ title: 'first', idempotencyKey: 'job-42' })
    expect(await board.completeTask(id, { result: 'ok' })).toBe(true)
    // done still matches: nothing new is written
    expect(await board.createTask({ title: 'again', idempotencyKey: 'job-42' })).toBe(id)
    expect((await board.stats()).total).toBe(1)

    expect(await board.archiveTask(id)).toBe(true)
    const [x, y] = await Promise.all([
      (await reopen(board)).createTask({ title: 'second', idempotencyKey: 'job-42' }),
      (await reopen(board)).createTask({ title: 'second', idempotencyKey: 'job-42' }),
    ])
    expect(x).toBe(y)
    expect(x).not.toBe(id)
    expect((await board.getTask(x))!.status).toBe('ready')
    expect((await board.getTask(id))!.status).toBe('archived')
    expect((await board.stats()).total).toBe(2)
  })

  it('the key is freed by delete', async () => {
    const board = await openBoard('race-idem-del')
    const id = await board.createTask({ title: 'first', idempotencyKey: 'k' })
    expect(await board.deleteTask(id)).toBe(true)
    const again = await board.createTask({ title: 'first', idempotencyKey: 'k' })
    expect(again).not.toBe(id)
    expect((await board.stats()).total).toBe(1)
  })
})

describe('concurrent completion of parents', () => {
  it('two parents completed at once promote their child exactly once (20 rounds)', async () => {
    const board = await openBoard('race-fanin')
    const [a, b] = await handles(board, 2)
    for (let i = 0; i < 20; i++) {
      const p1 = await board.createTask({ title: `p1 ${i}` })
      const p2 = await board.createTask({ title: `p2 ${i}` })
      const child = await board.createTask({ title: `child ${i}`, parents: [p1, p2] })
      expect((await board.getTask(child))!.status).toBe('todo')

      const [ok1, ok2] = await Promise.all([a!.completeTask(p1), b!.completeTask(p2)])
      expect([ok1, ok2]).toEqual([true, true])
      expect((await board.getTask(child))!.status).toBe('ready')
      const promoted = await kinds(board, child, 'promoted')
      expect(promoted).toHaveLength(1)
      expect(promoted[0]!.payload).toMatchObject({ from: 'todo', reason: 'parents_satisfied' })
    }
  })

  it('completing and archiving two parents at once also promotes once', async () => {
    const board = await openBoard('race-fanin-archive')
    const [a, b] = await handles(board, 2)
    for (let i = 0; i < 10; i++) {
      const p1 = await board.createTask({ title: `p1 ${i}` })
      const p2 = await board.createTask({ title: `p2 ${i}` })
      const child = await board.createTask({ title: `child ${i}`, parents: [p1, p2] })
      await Promise.all([a!.completeTask(p1), b!.archiveTask(p2)])
      expect((await board.getTask(child))!.status).toBe('ready')
      expect(await kinds(board, child, 'promoted')).toHaveLength(1)
    }
  })

  it('the same parent completed twice at once: one completion, one promotion', async () => {
    const board = await openBoard('race-double-complete')
    const hs = await handles(board, 4)
    const p = await board.createTask({ title: 'parent' })
    const child = await board.createTask({ title: 'child', parents: [p] })
    const oks = await Promise.all(hs.map((h) => h.completeTask(p)))
    expect(oks.filter(Boolean)).toHaveLength(1)
    expect(await kinds(board, p, 'completed')).toHaveLength(1)
    expect(await kinds(board, child, 'promoted')).toHaveLength(1)
    // a second completion must not push the child's pending counter below zero and
    // release it from a later parent too early
    const late = await board.createTask({ title: 'late parent' })
    expect(await board.linkTasks(late, child)).toBe(true)
    expect((await board.getTask(child))!.status).toBe('todo')
    await board.completeTask(late)
    expect((await board.getTask(child))!.status).toBe('ready')
  })
})

describe('concurrent completions on one handle (they share script calls: coalesce.ts)', () => {
  it('each caller gets its own answer: done, refused (stale run, twice), not found; children promoted once', async () => {
    const board = await openBoard('race-complete')
    const ids = Object.values(await board.createTasks(Array.from({ length: 30 }, (_, i) => ({ ref: `n${i}`, title: `t${i}` }))))
    const child = await board.createTask({ title: 'child', parents: ids.slice(0, 3) })
    const runs = await Promise.all(ids.map(async (id) => (await board.claimTask(id, { claimer: 'w' }))!.runId))

    const calls = [
      ...ids.map((id, i) => board.completeTask(id, { runId: runs[i], summary: `s${i}` })),
      board.completeTask(ids[0]!, { runId: runs[0] }), // a second completion of the same run
      board.completeTask(ids[1]!, { runId: 'r999999' }), // a stale run id
    ]
    const missing = board.completeTask('t999999').then(
      () => 'resolved',
      (e: Error) => e.name,
    )
    const results = await Promise.all(calls)
    expect(results.slice(0, 30)).toEqual(ids.map(() => true))
    expect(results.slice(30)).toEqual([false, false])
    expect(await missing).toBe('NotFoundError')
    for (const [i, id] of ids.entries()) {
      const t = (await board.getTask(id))!
      expect(t.status).toBe('done')
      expect((await board.runs(id)).map((r) => [r.outcome, r.summary])).toEqual([['completed', `s${i}`]])
    }
    expect((await board.getTask(child))!.status).toBe('ready')
    expect((await board.events({ taskId: child })).filter((e) => e.kind === 'promoted')).toHaveLength(1)
  })

  it('close() right after asking still lets every completion asked for go out', async () => {
    const board = await openBoard('race-complete-close')
    const ids = Object.values(await board.createTasks(Array.from({ length: 20 }, (_, i) => ({ ref: `n${i}`, title: `t${i}` }))))
    const runs = await Promise.all(ids.map(async (id) => (await board.claimTask(id, { claimer: 'w' }))!.runId))
    const asked = ids.map((id, i) => board.completeTask(id, { runId: runs[i] }))
    await board.close()
    expect(await Promise.all(asked)).toEqual(ids.map(() => true))
    const check = await reopen(board)
    for (const id of ids) expect((await check.getTask(id))!.status).toBe('done')
  })
})
