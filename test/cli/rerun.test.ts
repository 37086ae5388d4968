/**
 * `kanban rerun` and the retry backoff on the command line (docs/cli.md), as real child
 * processes: the re-run of a task and of its subtree, its refusals and bad input; explain
 * and show saying when a failed task is dispatched again; the backoff settings and flags.
 */
import { describe, expect, it } from 'vitest'
import { openBoard } from '../helpers/board.js'
import { kanban, kanbanJson } from '../helpers/cli.js'

describe('kanban rerun', () => {
  it('reopens a done task, then its subtree with --subtree, naming the actor; refusals exit 1, bad input 2', async () => {
    const board = await openBoard('cli-rerun')
    const a = await board.createTask({ title: 'a', assignee: 'coder' })
    const b = await board.createTask({ title: 'b', assignee: 'coder', parents: [a] })
    const c = await board.createTask({ title: 'c', assignee: 'coder', parents: [b] })
    for (const id of [a, b, c]) await board.completeTask(id)

    const one = await kanban(board.name, 'rerun', c, '--actor', 'alice', '--reason', 'flaky output')
    expect(one).toMatchObject({ code: 0, stdout: `${c}: ready\n` })
    expect((await board.events({ taskId: c })).at(-1)).toMatchObject({ kind: 'reopened', payload: { actor: 'alice', reason: 'flaky output', root: c } })
    await board.completeTask(c)

    const all = await kanban(board.name, 'rerun', a, '--subtree', '--actor', 'alice')
    expect(all.code).toBe(0)
    expect(all.stdout).toBe(`${a}: ready\nreopened: ${b} ${c}\n`)
    expect((await board.getTask(b))!.status).toBe('todo')
    expect((await board.getTask(c))!.status).toBe('todo')

    // a task that is not done: refused, exit 1, and why
    const refused = await kanban(board.name, 'rerun', a)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toBe(`kanban rerun: refused: task ${a} is ready; only a done task can be re-run\n`)
    expect((await kanban(board.name, 'rerun', 't999')).code).toBe(1)
    // bad input: exit 2 naming the field
    const bad = await kanban(board.name, 'rerun', a, '--reason', '')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^kanban rerun: rerunTask: reason: expected a non-empty string, got ""/)
    expect((await kanban(board.name, 'rerun')).code).toBe(2)
  })

  it('--json gives the result; a refusal gives ok false', async () => {
    const board = await openBoard('cli-rerun')
    const a = await board.createTask({ title: 'a', assignee: 'coder' })
    const b = await board.createTask({ title: 'b', assignee: 'coder', parents: [a] })
    await board.completeTask(a)
    expect(await kanbanJson(board.name, 'rerun', a, '--actor', 'bob')).toEqual({ ok: true, id: a, status: 'ready', reopened: [a], demoted: [b], reclaimed: [] })
    const r = await kanban(board.name, 'rerun', a, '--json')
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, task: { id: a, status: 'ready' } })
  })
})

describe('retry backoff on the command line', () => {
  it('explain and show say when a failed task is dispatched again; config and the task flags set the backoff', async () => {
    const board = await openBoard('cli-backoff')
    expect(await kanbanJson(board.name, 'config', 'set', 'retryBackoffMs=60000', 'retryBackoffMaxMs=600000')).toMatchObject({
      retryBackoffMs: 60_000,
      retryBackoffMaxMs: 600_000,
    })
    const id = (await kanban(board.name, 'create', '--title', 'flaky', '--assignee', 'coder')).stdout.trim()
    const run = (await kanban(board.name, 'claim', id)).stdout.trim()
    expect((await kanban(board.name, 'fail', '--task', id, '--run', run, '--outcome', 'crashed', '--error', 'segfault')).code).toBe(0)

    const retryAt = (await board.getTask(id))!.cooldownUntil!
    const x = await kanban(board.name, 'explain', id)
    expect(x.code).toBe(0)
    expect(x.stdout).toContain(`retry backoff after failure 1/2: dispatched again from ${new Date(retryAt).toISOString()} (in `)
    expect(x.stdout).toContain('last error: segfault')
    expect(await kanbanJson(board.name, 'explain', id)).toMatchObject({ runnable: false, reasons: [{ code: 'backoff', data: { until: retryAt } }] })
    expect((await kanban(board.name, 'show', id)).stdout).toMatch(/cooldown +until \S+ \(retry backoff\)/)
    expect((await kanban(board.name, 'config', 'unset', 'retryBackoffMs')).code).toBe(0)
    expect((await board.settings()).retryBackoffMs).toBe(1000)

    // the task's own base: create and update, "-" clears it
    const own = (await kanban(board.name, 'create', '--title', 'no backoff', '--retry-backoff-ms', '0')).stdout.trim()
    expect((await board.getTask(own))!.retryBackoffMs).toBe(0)
    expect((await kanban(board.name, 'show', own)).stdout).toMatch(/retry backoff +none \(the task's own\)/)
    expect((await kanban(board.name, 'update', own, '--retry-backoff-ms', '5000')).code).toBe(0)
    expect((await board.getTask(own))!.retryBackoffMs).toBe(5000)
    expect((await kanban(board.name, 'update', own, '--retry-backoff-ms', '-')).code).toBe(0)
    expect((await board.getTask(own))!.retryBackoffMs).toBeNull()
    const bad = await kanban(board.name, 'create', '--title', 't', '--retry-backoff-ms=-1')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/retryBackoffMs: expected at least 0, got -1/)
  })
})
