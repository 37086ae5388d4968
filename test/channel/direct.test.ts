/**
 * With the channel turned off (`commandHandler(..., { channel: false })`), a handler reports
 * through its own Redis connection, as handlers did before the channel: the CLI closes the
 * run itself, and the worker, seeing the handler exit 0 afterwards, records nothing more and
 * reports no error (the run it would close is already closed).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Worker, commandHandler } from '../../src/index.js'
import { openBoard } from '../helpers/board.js'
import { CLI } from '../helpers/cli.js'
import { redisUrl } from '../helpers/redis.js'
import { waitFor } from './helpers.js'

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of closers.splice(0)) await c()
})

describe('a handler without the channel', () => {
  it('completes through its own Redis connection; the worker records nothing more and reports no error', { timeout: 60_000 }, async () => {
    const board = await openBoard('chdirect', { autoEnqueue: true })
    const id = await board.createTask({ title: 'direct', assignee: 'alpha' })
    const handler = commandHandler(`"${process.execPath}" "${CLI}" complete --task "$KANBAN_TASK" --run "$KANBAN_RUN_ID" --result direct`, {
      redisUrl: redisUrl(),
      board: board.name,
      channel: false,
    })
    const errors: unknown[] = []
    const worker = new Worker({ board, lanes: ['alpha'], handler, graceMs: 2000, onError: (e) => errors.push(e) })
    closers.push(async () => {
      await worker.close()
      await handler.close()
    })
    await worker.start()
    await waitFor(async () => (await board.getTask(id))!.status === 'done', 'the task done')
    await waitFor(() => worker.running.length === 0, 'the handler to exit')
    expect((await board.runs(id)).map((r) => [r.outcome, r.error ?? null])).toEqual([['completed', null]])
    expect(await board.getTask(id)).toMatchObject({ status: 'done', result: 'direct', consecutiveFailures: 0 })
    expect(errors).toEqual([])
  })
})
