/**
 * A zombie worker (docs/fleet.md#outcomes: a worker can only change its own task's run). A worker process
 * is frozen (SIGSTOP) mid-task; its lease expires, the dispatcher reclaims the task and
 * another worker completes it. When the zombie wakes up (SIGCONT) its handler finishes and
 * calls complete with the old run id: refused, and nothing of the board changes.
 */
import { describe, expect, it } from 'vitest'
import { StateError } from '../../src/index.js'
import { boardState, fleetBoard, outcomes, startDispatcher, startWorker, waitFor } from './fleet.js'

describe('fleet: zombie worker', () => {
  it("a zombie's late complete with its old run id is refused and writes nothing", { timeout: 60_000 }, async () => {
    const board = await fleetBoard('zombie')
    await board.configure({ claimTtlMs: 1500 })
    const [dispatcher, zombie] = await Promise.all([startDispatcher(board, { intervalMs: 150 }), startWorker(board, { lanes: ['alpha'] })])
    // slow:<ms> ignores the abort signal and completes afterwards, as a stuck handler would
    const id = await board.createTask({ title: 'long', assignee: 'alpha', metadata: { behavior: 'slow:6000' } })
    const started = await zombie.until(() => zombie.messages.find((m) => m.type === 'start' && m.taskId === id), 'the zombie starting')
    const oldRun = started.type === 'start' ? started.runId : ''

    zombie.signal('SIGSTOP')
    await waitFor(async () => (await outcomes(board, id))[0] === 'reclaimed', 'the frozen worker losing its lease')
    await board.updateTask(id, { metadata: { behavior: 'ok' } })
    const other = await startWorker(board, { lanes: ['alpha'] })
    await waitFor(async () => (await board.getTask(id))?.status === 'done', 'the task done by the other worker')

    // Quiet board: nothing else writes while the zombie comes back.
    for (const p of [dispatcher, other]) p.signal('SIGTERM')
    expect((await dispatcher.exited).code).toBe(0)
    expect((await other.exited).code).toBe(0)
    const before = await boardState(board)
    const done = (await board.getTask(id))!
    expect(done.result).toBe(`done by ${other.name}`)

    zombie.signal('SIGCONT')
    const late = await zombie.until(() => zombie.messages.find((m) => m.type === 'terminal' && m.runId === oldRun), "the zombie's late complete")
    expect(late).toMatchObject({ call: 'complete', ok: false, taskId: id })
    // Let it shut down, so every write it could still make has been made.
    zombie.signal('SIGTERM')
    expect((await zombie.exited).code).toBe(0)
    expect(await boardState(board)).toEqual(before)

    // The same from here, through every run-scoped write.
    expect(await board.completeTask(id, { runId: oldRun, result: 'zombie' })).toBe(false)
    expect(await board.heartbeat(id, { runId: oldRun, note: 'still here' })).toBe(false)
    expect(await board.blockTask(id, { runId: oldRun, reason: 'late' })).toBe(false)
    await expect(board.recordFailure(id, { runId: oldRun, outcome: 'crashed', error: 'late' })).rejects.toThrow(StateError)
    expect(await boardState(board)).toEqual(before)
    expect(await outcomes(board, id)).toEqual(['reclaimed', 'completed'])
  })
})
