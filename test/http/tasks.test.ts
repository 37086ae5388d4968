/**
 * Task operations over HTTP against real Redis, through the app's fetch handler: every
 * write validated by the library (400 with its code and field, nothing written), unknown
 * ids 404, refusals by state 409 with the task, and the token's name on every event.
 */
import { describe, expect, it } from 'vitest'
import { snapshot } from '../helpers/board.js'
import { startApi } from './helpers.js'

describe('tasks over HTTP', () => {
  it('creates, reads, lists and completes a task; the actor is the token', async () => {
    const api = await startApi()
    const created = await api.json('POST', `${api.b}/tasks`, { as: 'operator', body: { title: 'Build', assignee: 'Coder', priority: 5 } })
    expect(created.status).toBe(201)
    const id = created.body.id as string
    expect(created.body.task).toMatchObject({ id, title: 'Build', assignee: 'coder', status: 'ready', createdBy: 'otto' })
    const child = await api.json('POST', `${api.b}/tasks`, { as: 'operator', body: { title: 'Test', parents: [id] } })
    expect(child.body.task.status).toBe('todo')

    expect((await api.json('GET', `${api.b}/tasks/${id}`, { as: 'viewer' })).body).toMatchObject({ id, status: 'ready' })
    const list = await api.json('GET', `${api.b}/tasks?status=ready,todo`, { as: 'viewer' })
    expect(list.status).toBe(200)
    expect(list.body.tasks.map((t: { id: string }) => t.id)).toEqual([id, child.body.id])
    expect(list.body.next).toBeNull()

    const claim = await api.json('POST', `${api.b}/tasks/${id}/claim`, { as: 'operator', body: {} })
    expect(claim.status).toBe(200)
    const runId = claim.body.claim.runId
    const done = await api.json('POST', `${api.b}/tasks/${id}/complete`, { as: 'operator', body: { runId, result: 'ok', summary: 'built' } })
    expect(done.status).toBe(200)
    expect(done.body).toMatchObject({ ok: true, task: { id, status: 'done', result: 'ok' } })
    expect((await api.board.getTask(child.body.id))!.status).toBe('ready')

    const events = await api.board.events({ taskId: id })
    expect(events.map((e) => [e.kind, e.actor])).toEqual([
      ['created', 'otto'],
      ['claimed', 'otto'],
      ['completed', 'otto'],
    ])
    const detail = await api.json('GET', `${api.b}/tasks/${id}/detail`, { as: 'viewer' })
    expect(detail.body).toMatchObject({
      task: { id },
      explain: { id, status: 'done' },
      children: [{ id: child.body.id, status: 'ready' }],
      runs: [{ id: runId, outcome: 'completed' }],
    })
  })

  it('bad input is a 400 with the library code and field, and writes nothing', async () => {
    const api = await startApi()
    const before = await snapshot(api.board)
    const r = await api.json('POST', `${api.b}/tasks`, { as: 'operator', body: { title: '   ' } })
    expect(r.status).toBe(400)
    expect(r.body.error).toMatchObject({ code: 'INVALID_INPUT', field: 'title' })
    expect(r.body.error.message).toMatch(/createTask: title: expected a non-empty string/)
    const extra = await api.json('POST', `${api.b}/tasks`, { as: 'operator', body: { title: 'x', createdBy: 'mallory' } })
    expect(extra.status).toBe(400)
    expect(extra.body.error).toMatchObject({ code: 'INVALID_INPUT', field: 'createdBy' })
    const parent = await api.json('POST', `${api.b}/tasks`, { as: 'operator', body: { title: 'x', parents: ['t999'] } })
    expect(parent.status).toBe(400)
    expect(parent.body.error).toMatchObject({ code: 'UNKNOWN_PARENT' })
    const notJson = await api.json('POST', `${api.b}/tasks`, { as: 'operator', body: '{nope' })
    expect(notJson.status).toBe(400)
    expect(notJson.body.error).toMatchObject({ code: 'INVALID_INPUT', field: 'body' })
    const q = await api.json('GET', `${api.b}/tasks?limit=0`, { as: 'viewer' })
    expect(q.status).toBe(400)
    expect(q.body.error).toMatchObject({ code: 'INVALID_INPUT', field: 'limit' })
    expect(await snapshot(api.board)).toEqual(before)
  })

  it('unknown ids are 404, unknown boards 404, refusals 409 with the task', async () => {
    const api = await startApi()
    expect((await api.json('GET', `${api.b}/tasks/t404`, { as: 'viewer' })).body.error).toMatchObject({ code: 'TASK_NOT_FOUND' })
    expect((await api.json('POST', `${api.b}/tasks/t404/unblock`, { as: 'operator', body: {} })).status).toBe(404)
    const nb = await api.json('GET', `/api/boards/not-served/tasks`, { as: 'viewer' })
    expect(nb.status).toBe(404)
    expect(nb.body.error.code).toBe('BOARD_NOT_FOUND')
    const id = await api.board.createTask({ title: 'x' })
    const r = await api.json('POST', `${api.b}/tasks/${id}/unblock`, { as: 'operator', body: {} })
    expect(r.status).toBe(409)
    expect(r.body).toMatchObject({ ok: false, error: { code: 'INVALID_STATE', details: { id, status: 'ready' } }, task: { id, status: 'ready' } })
    const claim = await api.board.claimTask(id, { claimer: 'w' })
    const stale = await api.json('POST', `${api.b}/tasks/${id}/complete`, { as: 'operator', body: { runId: 'r999' } })
    expect(stale.status).toBe(409)
    expect(stale.body.error).toMatchObject({ code: 'STALE_RUN', details: { runId: 'r999', openRunId: claim!.runId } })
    expect((await api.board.getTask(id))!.status).toBe('running')
  })

  it('blocks, unblocks, specifies, comments, links and archives', async () => {
    const api = await startApi()
    const a = await api.board.createTask({ title: 'a' })
    const b = await api.board.createTask({ title: 'b', triage: true })
    expect(
      (await api.json('POST', `${api.b}/tasks/${a}/block`, { as: 'operator', body: { reason: 'needs a key', kind: 'needs_input' } })).body.task,
    ).toMatchObject({ status: 'blocked', sticky: true })
    expect((await api.json('POST', `${api.b}/tasks/${a}/unblock`, { as: 'operator', body: {} })).body.task.status).toBe('ready')
    expect((await api.json('POST', `${api.b}/tasks/${b}/specify`, { as: 'operator', body: { body: 'do it' } })).body.task).toMatchObject({
      status: 'ready',
      body: 'do it',
    })
    expect((await api.json('POST', `${api.b}/tasks/${b}/comments`, { as: 'operator', body: { body: 'hello' } })).status).toBe(201)
    expect(await api.board.comments(b)).toMatchObject([{ author: 'otto', body: 'hello' }])
    const link = await api.json('POST', `${api.b}/tasks/${b}/parents`, { as: 'operator', body: { parent: a } })
    expect(link.body).toMatchObject({ ok: true, parent: a, child: b, task: { status: 'todo' } })
    const cycle = await api.json('POST', `${api.b}/tasks/${a}/parents`, { as: 'operator', body: { parent: b } })
    expect(cycle.status).toBe(400)
    expect(cycle.body.error.code).toBe('CYCLE')
    expect((await api.json('DELETE', `${api.b}/tasks/${b}/parents/${a}`, { as: 'operator' })).body).toMatchObject({ ok: true, task: { status: 'ready' } })
    expect((await api.json('POST', `${api.b}/tasks/${a}/archive`, { as: 'operator' })).body.task.status).toBe('archived')
    const patch = await api.json('PATCH', `${api.b}/tasks/${b}`, { as: 'operator', body: { priority: 9, tenant: 'acme' } })
    expect(patch.body).toMatchObject({ ok: true, task: { priority: 9, tenant: 'acme' } })
    const unblocked = (await api.board.events({ taskId: a })).find((e) => e.kind === 'unblocked')!
    expect(unblocked.actor).toBe('otto')
    expect(unblocked.payload).toMatchObject({ actor: 'otto' })
  })
})
