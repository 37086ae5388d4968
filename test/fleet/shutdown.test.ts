/**
 * Graceful worker shutdown (docs/fleet.md#shutdown): on SIGTERM a worker stops taking work, lets running
 * handlers finish within its grace period, then aborts the rest and gives their tasks back
 * — run closed `reclaimed`, event `released`, nothing counted — and nothing is lost.
 */
import { describe, expect, it } from 'vitest'
import { eventsOf, fleetBoard, outcomes, startDispatcher, startWorker, waitFor } from './fleet.js'

describe('fleet: graceful shutdown', () => {
  it('SIGTERM: a task shorter than the grace completes, a longer one is given back and done by another worker', { timeout: 60_000 }, async () => {
    const board = await fleetBoard('term')
    const [, leaving] = await Promise.all([
      startDispatcher(board, { intervalMs: 150 }),
      startWorker(board, { lanes: ['alpha'], concurrency: 2, graceMs: 4000 }),
    ])
    const short = await board.createTask({ title: 'short', assignee: 'alpha', metadata: { behavior: 'slow:2000' } })
    const long = await board.createTask({ title: 'long', assignee: 'alpha', metadata: { behavior: 'hang' } })
    await waitFor(async () => (await board.listTasks({ status: 'running' })).length === 2, 'both running on the leaving worker')
    // The hanging handler keeps hanging (it read its task at claim); whoever runs it next
    // will find it easy.
    await board.updateTask(long, { metadata: { behavior: 'ok' } })

    const termAt = await board.now()
    leaving.signal('SIGTERM')
    expect((await leaving.exited).code).toBe(0)

    // short: still running at SIGTERM, finished within the grace period
    const s = await board.runs(short)
    expect(s.map((r) => r.outcome)).toEqual(['completed'])
    expect(s[0]!.claimer).toBe(leaving.name)
    expect(s[0]!.endedAt!).toBeGreaterThan(termAt)
    expect((await board.getTask(short))!.status).toBe('done')

    // long: aborted after the grace period and given back, neutrally
    const l = await board.runs(long)
    expect(l.map((r) => r.outcome)).toEqual(['reclaimed'])
    expect(l[0]!.claimer).toBe(leaving.name)
    expect(l[0]!.error).toMatch(/worker shutdown/)
    expect(l[0]!.endedAt! - termAt).toBeGreaterThanOrEqual(4000 - 50)
    const released = await eventsOf(board, long, 'released')
    expect(released).toHaveLength(1)
    expect(released[0]!.runId).toBe(l[0]!.id)
    expect(released[0]!.payload).toMatchObject({ neutral: true })
    let t = (await board.getTask(long))!
    expect(t.consecutiveFailures).toBe(0)
    expect(t.currentRunId).toBeNull()
    expect(['ready', 'running', 'done']).toContain(t.status)
    // its handler was told (the worker waits for it to say so before exiting)
    expect(leaving.messages.some((m) => m.type === 'aborted' && m.taskId === long)).toBe(true)
    expect((await board.comments(long)).map((c) => c.body)).toEqual(['saw abort: worker shutdown'])

    // Nothing lost: another worker takes it.
    const next = await startWorker(board, { lanes: ['alpha'] })
    await waitFor(async () => (await board.getTask(long))?.status === 'done', 'the given-back task done by another worker')
    expect(await outcomes(board, long)).toEqual(['reclaimed', 'completed'])
    expect((await board.runs(long))[1]!.claimer).toBe(next.name)
    t = (await board.getTask(long))!
    expect(t.consecutiveFailures).toBe(0)
    expect(await eventsOf(board, long, 'gave_up')).toEqual([])
  })
})
