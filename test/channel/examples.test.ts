/**
 * The shipped example handlers, run by a worker as KANBAN_COMMAND: workers/example-task.sh
 * (the `kanban` CLI on PATH) and workers/example-task.py (the machine's python3, speaking
 * the channel protocol itself, docs/handler-protocol.md). Their KANBAN_REDIS_URL is
 * unreachable: both report through the worker's channel only.
 */
import { describe, expect, it } from 'vitest'
import { openBoard } from '../helpers/board.js'
import { kanbanOnPath, startChannelWorker, waitFor } from './helpers.js'

const NO_REDIS = 'redis://127.0.0.1:1'

describe('example handlers', () => {
  it('example-task.sh and example-task.py report through the channel', { timeout: 90_000 }, async () => {
    const board = await openBoard('chex', { autoEnqueue: true })
    const parent = await board.createTask({ title: 'parent', assignee: 'zeta' })
    await board.completeTask(parent, { result: 'input for python' })
    const py = await board.createTask({ title: 'python task', assignee: 'py', parents: [parent] })
    const sh = await board.createTask({ title: 'shell task', assignee: 'sh' })
    const path = `${kanbanOnPath()}:${process.env.PATH}`
    const [pyWorker] = await Promise.all([
      startChannelWorker(board, 'python3 workers/example-task.py', { lanes: ['py'], redisUrl: NO_REDIS }),
      startChannelWorker(board, 'workers/example-task.sh', { lanes: ['sh'], redisUrl: NO_REDIS, env: { PATH: path } }),
    ])
    await waitFor(async () => (await board.getTask(py))!.status === 'done' && (await board.getTask(sh))!.status === 'done', 'both examples done')

    expect(await board.getTask(py)).toMatchObject({ result: 'done by python: python task' })
    const [pyRun] = await board.runs(py)
    expect(pyRun).toMatchObject({ outcome: 'completed', summary: 'ok' })
    expect((await board.events({ taskId: py })).find((e) => e.kind === 'heartbeat')).toMatchObject({
      runId: pyRun!.id,
      payload: { note: expect.stringMatching(/^started in python, pid \d+$/) },
    })
    expect((await board.comments(py)).map((c) => [c.author, c.body])).toEqual([[pyWorker.worker.name, 'read 1 parent result(s)']])

    expect((await board.getTask(sh))!.result).toMatch(/^done on \S+$/)
    const [shRun] = await board.runs(sh)
    expect(shRun!.outcome).toBe('completed')
    expect((await board.events({ taskId: sh })).find((e) => e.kind === 'heartbeat')).toMatchObject({
      runId: shRun!.id,
      payload: { note: expect.stringMatching(/^started on \S+$/) },
    })
  })
})
