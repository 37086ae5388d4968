/**
 * The handler channel's wire protocol (docs/handler-protocol.md), spoken directly: a shell
 * handler publishes its channel variables to a file and waits, and the test talks to the
 * worker in its place. Every op is performed for the handler's own task and run only;
 * anything else is refused with nothing written, and a run's secret dies with the run.
 */
import { statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Board } from '../../src/index.js'
import { openBoard, reopen } from '../helpers/board.js'
import { fileOf, rawCall, scratch, startChannelWorker, waitFor } from './helpers.js'

/** Publishes the channel to $DIR/<task>.env, then waits for $DIR/<task>.go (its content: the exit code). */
const WAITER =
  'printf "%s\\n%s\\n%s\\n" "$KANBAN_CHANNEL" "$KANBAN_CHANNEL_SECRET" "$KANBAN_RUN_ID" > "$DIR/$KANBAN_TASK.tmp" && mv "$DIR/$KANBAN_TASK.tmp" "$DIR/$KANBAN_TASK.env"; ' +
  'while [ ! -e "$DIR/$KANBAN_TASK.go" ]; do sleep 0.1; done; exit "$(cat "$DIR/$KANBAN_TASK.go")"'

async function running(board: Board, dir: string, id: string) {
  const [path, secret, run] = (await fileOf(join(dir, `${id}.env`))).trim().split('\n') as [string, string, string]
  return { path, secret, run, go: (code = 0) => writeFileSync(join(dir, `${id}.go`), String(code)) }
}

const code = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'ok' : r.error!.code)

describe('handler channel protocol', () => {
  it("performs each op on the handler's own task through the worker, replies in order", { timeout: 60_000 }, async () => {
    const board = await openBoard('chproto', { autoEnqueue: true })
    const parent = await board.createTask({ title: 'parent', assignee: 'zeta' })
    await board.completeTask(parent, { result: 'parent result' })
    const id = await board.createTask({ title: 'own', assignee: 'alpha', parents: [parent] })
    const dir = scratch()
    const { worker } = await startChannelWorker(board, WAITER, { env: { DIR: dir } })
    const h = await running(board, dir, id)
    // a private directory: only this user can reach the socket
    expect(statSync(dirname(h.path)).mode & 0o777).toBe(0o700)
    const s = { secret: h.secret }

    const [get, ctx, beat, note, byAuthor, child, done, after] = await rawCall(h.path, [
      { op: 'get', ...s },
      { op: 'context', ...s, task: id },
      { op: 'heartbeat', ...s, task: id, run: h.run, note: 'half way' },
      { op: 'comment', ...s, body: 'from the handler' },
      { op: 'comment', ...s, body: 'signed', author: 'ada' },
      { op: 'create', ...s, title: 'follow-up', assignee: 'zeta', parents: [id], metadata: { from: 'handler' } },
      { op: 'complete', ...s, result: 'own result', summary: 'ok', metadata: { n: 1 } },
      { op: 'get', ...s },
    ])
    expect(get).toMatchObject({ ok: true, result: { id, status: 'running', currentRunId: h.run } })
    expect(ctx).toMatchObject({ ok: true, result: { task: { id }, parents: [{ id: parent, result: 'parent result' }] } })
    // a write's reply carries the task as the write left it
    expect(beat).toMatchObject({ ok: true, result: true, task: { id, status: 'running', currentRunId: h.run } })
    expect(get).not.toHaveProperty('task')
    expect(note).toMatchObject({ ok: true, result: expect.any(Number) })
    expect(byAuthor).toMatchObject({ ok: true, result: expect.any(Number) })
    expect(child).toMatchObject({ ok: true, result: { id: expect.any(String), task: { title: 'follow-up', status: 'todo', parents: [id] } } })
    expect(done).toMatchObject({ ok: true, result: true, task: { id, status: 'done', result: 'own result' } })
    expect(after).toMatchObject({ ok: true, result: { id, status: 'done' } })

    const t = (await board.getTask(id))!
    expect(t).toMatchObject({ status: 'done', result: 'own result' })
    expect((await board.runs(id)).map((r) => [r.id, r.outcome, r.summary, r.metadata])).toEqual([[h.run, 'completed', 'ok', { n: 1 }]])
    const events = await board.events({ taskId: id })
    expect(events.find((e) => e.kind === 'heartbeat')).toMatchObject({ runId: h.run, payload: { note: 'half way' } })
    expect((await board.comments(id)).map((c) => [c.author, c.body])).toEqual([
      [worker.name, 'from the handler'],
      ['ada', 'signed'],
    ])
    const created = (child as { result: { id: string } }).result.id
    // createdBy: the worker, like ctx.createTask; promoted by the completion
    expect(await board.getTask(created)).toMatchObject({ createdBy: worker.name, status: 'ready', metadata: { from: 'handler' } })
    // context takes workerContext's caps (reads still work after the terminal op)
    const [capped, badCap] = await rawCall(h.path, [
      { op: 'context', ...s, maxComments: 1, maxFieldBytes: 256 },
      { op: 'context', ...s, maxComments: -1 },
    ])
    expect(capped).toMatchObject({
      ok: true,
      result: { totals: { comments: 2 }, comments: [{ body: 'signed' }], limits: { maxComments: 1, maxFieldBytes: 256 } },
    })
    expect(badCap).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', name: 'ValidationError', message: expect.stringMatching(/maxComments/) } })
    h.go()
  })

  it('refuses other tasks and runs, wrong secrets and bad input, writing nothing', { timeout: 60_000 }, async () => {
    const board = await openBoard('chrefuse', { autoEnqueue: true })
    // maxRetries 1: the protocol violation at the end parks it, so it runs once
    const own = await board.createTask({ title: 'own', assignee: 'alpha', maxRetries: 1 })
    const other = await board.createTask({ title: 'other', assignee: 'zeta' })
    const dir = scratch()
    await startChannelWorker(board, WAITER, { env: { DIR: dir } })
    const h = await running(board, dir, own)
    const s = { secret: h.secret }
    const before = { events: await board.events(), other: await board.getTask(other), tasks: (await board.listTasks()).length }

    const replies = await rawCall(h.path, [
      { op: 'complete', ...s, task: other, result: 'not mine' },
      { op: 'get', ...s, task: other },
      { op: 'block', ...s, task: own, run: 'r999', reason: 'wrong run' },
      { op: 'complete', secret: 'not-the-secret' },
      { op: 'complete' },
      { op: 'complete', ...s, metadata: 'not an object' },
      { op: 'complete', ...s, reslt: 'typo' },
      { op: 'block', ...s, reason: '   ' },
      { op: 'fail', ...s, outcome: 'exploded', error: 'x' },
      { op: 'create', ...s, title: '' },
      { op: 'explode', ...s },
      'this is not json',
    ])
    expect(replies.map(code)).toEqual([
      'NOT_OWN_TASK',
      'NOT_OWN_TASK',
      'NOT_OWN_TASK',
      'CHANNEL_REFUSED',
      'CHANNEL_REFUSED',
      'INVALID_INPUT',
      'INVALID_INPUT',
      'INVALID_INPUT',
      'INVALID_INPUT',
      'INVALID_INPUT',
      'INVALID_INPUT',
      'INVALID_INPUT',
    ])
    const msg = (i: number) => (replies[i] as { error: { message: string; name: string } }).error
    expect(msg(0).message).toBe(`task ${other} is not this handler's task (${own}, run ${h.run}); nothing was written`)
    expect(msg(2).message).toBe(`run r999 is not this handler's run (task ${own}, run ${h.run}); nothing was written`)
    expect(msg(3).message).toMatch(/wrong secret/)
    expect(msg(4).message).toMatch(/missing secret/)
    // the library's own validation, with its messages: bad input is a ValidationError
    expect(msg(5)).toMatchObject({ name: 'ValidationError', message: expect.stringMatching(/^completeTask: metadata: expected a JSON object/) })
    expect(msg(6).message).toMatch(/reslt/)
    expect(msg(7).message).toMatch(/^blockTask: reason:/)
    expect(msg(8).message).toMatch(/^recordFailure: outcome:/)
    expect(msg(9).message).toMatch(/^createTask: title:/)
    expect(msg(10).message).toMatch(/op: expected one of complete, block/)

    expect(await board.events()).toEqual(before.events)
    expect(await board.getTask(other)).toEqual(before.other)
    expect((await board.listTasks()).length).toBe(before.tasks)
    expect(await board.getTask(own)).toMatchObject({ status: 'running', currentRunId: h.run })

    // the handler exits without a terminal call: the run ends (protocol violation), and
    // with it the secret
    h.go()
    await waitFor(async () => (await board.runs(own))[0]?.outcome, 'the run to end')
    const [late] = await rawCall(h.path, [{ op: 'complete', ...s }])
    expect(late).toMatchObject({ ok: false, error: { code: 'CHANNEL_REFUSED' } })
    expect((late as { error: { message: string } }).error.message).toBe(
      `channel: run ${h.run} of task ${own} has ended (the handler exited); its secret is no longer valid`,
    )
    expect((await board.runs(own)).map((r) => r.outcome)).toEqual(['protocol_violation'])
  })

  it('ends the secret when the run is lost, while the handler still runs', { timeout: 60_000 }, async () => {
    const board = await openBoard('chlost', { autoEnqueue: true })
    const id = await board.createTask({ title: 'lost', assignee: 'alpha' })
    const dir = scratch()
    await startChannelWorker(board, WAITER, { env: { DIR: dir }, renewEveryMs: 200, killAfterMs: 200 })
    const h = await running(board, dir, id)
    expect(await board.reclaimTask(id, { reason: 'operator' })).toBe(true)
    // the next renewal fails: the worker aborts the run, which revokes the secret
    const refused = await waitFor(async () => {
      // a read: the worker's lease renewal, not this call, finds the run gone
      const [r] = await rawCall(h.path, [{ op: 'get', secret: h.secret }])
      return !r!.ok && r
    }, 'the secret to be refused')
    expect(refused).toMatchObject({ error: { code: 'CHANNEL_REFUSED', message: expect.stringMatching(/has ended \(aborted: lease lost/) } })
    expect((await board.runs(id))[0]).toMatchObject({ id: h.run, outcome: 'reclaimed' })
  })

  it('a heartbeat that finds the run gone says so, with the task, and ends the secret', { timeout: 60_000 }, async () => {
    const board = await openBoard('chbeat', { autoEnqueue: true })
    const id = await board.createTask({ title: 'beat', assignee: 'alpha' })
    const dir = scratch()
    // no renewal during the test: the heartbeat is what finds the run gone
    await startChannelWorker(board, WAITER, { env: { DIR: dir }, renewEveryMs: 60_000, killAfterMs: 200 })
    const h = await running(board, dir, id)
    // an operator's handle (no autoEnqueue): the reclaimed task stays ready, not run again
    expect(await (await reopen(board)).reclaimTask(id)).toBe(true)
    const [beat, after] = await rawCall(h.path, [
      { op: 'heartbeat', secret: h.secret, note: 'still here?' },
      { op: 'get', secret: h.secret },
    ])
    // false: refused by the board's state; the task shows why (the CLI prints it)
    expect(beat).toMatchObject({ ok: true, result: false, task: { id, status: 'ready', currentRunId: null } })
    expect(after).toMatchObject({
      ok: false,
      error: { code: 'CHANNEL_REFUSED', message: expect.stringMatching(/has ended \(aborted: the run was closed by someone else\)/) },
    })
  })

  it("fail is the run's terminal call: the worker records nothing more, whatever the exit", { timeout: 60_000 }, async () => {
    const board = await openBoard('chfail', { autoEnqueue: true })
    const recorded: { id: string; outcome: string; runId?: string }[] = []
    const record = board.recordFailure.bind(board)
    board.recordFailure = (id, o) => {
      recorded.push({ id, outcome: o.outcome, runId: o.runId })
      return record(id, o)
    }
    // maxRetries 1: the failure trips the breaker, so the task is not run again
    const [exit0, exit3] = await Promise.all(['exit0', 'exit3'].map((t) => board.createTask({ title: t, assignee: 'alpha', maxRetries: 1 })))
    const dir = scratch()
    const { worker } = await startChannelWorker(board, WAITER, { env: { DIR: dir } })
    for (const [id, exit] of [
      [exit0!, 0],
      [exit3!, 3],
    ] as const) {
      const h = await running(board, dir, id)
      const [r] = await rawCall(h.path, [{ op: 'fail', secret: h.secret, outcome: 'crashed', error: `gave up (${exit})` }])
      expect(r).toMatchObject({ ok: true, result: { tripped: true, failures: 1, limit: 1, limitSource: 'task' }, task: { id, status: 'blocked' } })
      h.go(exit)
    }
    // both handlers exited and the worker is done with their runs
    await waitFor(() => worker.running.length === 0, 'the runs to be over')
    expect(recorded.map((r) => r.outcome)).toEqual(['crashed', 'crashed'])
    for (const id of [exit0!, exit3!]) {
      expect((await board.runs(id)).map((r) => [r.outcome, r.error])).toEqual([['crashed', `gave up (${id === exit0 ? 0 : 3})`]])
    }
  })
})
