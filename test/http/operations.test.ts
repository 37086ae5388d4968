/**
 * The day-two routes (docs/http-api.md#operations): re-run (operator), purge and reindex
 * (admin), the live workers and the durable subscribers (viewer), the boards this server
 * serves (admin) — each the library's call, its errors mapped like every route's.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Worker } from '../../src/index.js'
import { snapshot } from '../helpers/board.js'
import { startApi } from './helpers.js'

const closing: { close(): Promise<void> }[] = []
afterEach(async () => {
  for (const c of closing.splice(0)) await c.close()
})

describe('re-run', () => {
  it('reopens a done task (with its subtree) as the token; refuses a task that is not done', async () => {
    const api = await startApi()
    const b = api.board
    const parent = await b.createTask({ title: 'build' })
    const child = await b.createTask({ title: 'test', parents: [parent] })
    await b.completeTask(parent)
    await b.completeTask(child)
    const before = await snapshot(b)
    const denied = await api.json('POST', `${api.b}/tasks/${parent}/rerun`, { as: 'viewer', body: { subtree: true } })
    expect(denied.status).toBe(403)
    for (const [body, field] of [
      [{ subtree: 'yes' }, 'subtree'],
      [{ actor: 'mallory' }, 'actor'],
      [{ reason: '' }, 'reason'],
    ] as const) {
      const r = await api.json('POST', `${api.b}/tasks/${parent}/rerun`, { as: 'operator', body })
      expect(r.status, JSON.stringify(body)).toBe(400)
      expect(r.body.error).toMatchObject({ code: 'INVALID_INPUT', field })
    }
    expect(await snapshot(b)).toEqual(before)

    const r = await api.json('POST', `${api.b}/tasks/${parent}/rerun`, { as: 'operator', body: { subtree: true, reason: 'bad artefact' } })
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({
      ok: true,
      result: { status: 'ready', reopened: [parent, child], demoted: [], reclaimed: [] },
      task: { id: parent, status: 'ready' },
    })
    expect((await b.getTask(child))!.status).toBe('todo')
    expect((await b.events({ taskId: child })).at(-1)).toMatchObject({ kind: 'reopened', actor: 'otto', payload: { reason: 'bad artefact', root: parent } })

    // not done now: refused with the task; unknown: 404
    const again = await api.json('POST', `${api.b}/tasks/${parent}/rerun`, { as: 'operator' })
    expect(again.status).toBe(409)
    expect(again.body).toMatchObject({ ok: false, error: { code: 'INVALID_STATE', details: { id: parent, status: 'ready' } }, task: { id: parent } })
    expect((await api.json('POST', `${api.b}/tasks/t999999/rerun`, { as: 'operator' })).status).toBe(404)
  })

  it('a subtree larger than the limit: 409 SUBTREE_TOO_LARGE, nothing written', async () => {
    const api = await startApi()
    const b = api.board
    const ids = await b.createTasks([
      { ref: 'root', title: 'root' },
      ...Array.from({ length: 1001 }, (_, i) => ({ ref: `c${i}`, title: `c${i}`, dependsOn: ['root'] })),
    ])
    await b.completeTask(ids.root!)
    const before = await snapshot(b)
    const r = await api.json('POST', `${api.b}/tasks/${ids.root}/rerun`, { as: 'operator', body: { subtree: true } })
    expect(r.status).toBe(409)
    expect(r.body.error).toMatchObject({ code: 'SUBTREE_TOO_LARGE', details: { id: ids.root, limit: 1000 } })
    expect(await snapshot(b)).toEqual(before)
  })
})

describe('board operations', () => {
  it('purge: a dry run counts what is due, writing nothing; then does it (admin)', async () => {
    const api = await startApi()
    const b = api.board
    const done = await b.createTask({ title: 'old news' })
    await b.completeTask(done)
    await b.configure({ archiveDoneAfterMs: 1 })
    // due once the Redis clock has moved past completion + 1 ms
    const at = (await b.getTask(done))!.completedAt!
    while ((await b.now()) <= at + 1) await new Promise((r) => setTimeout(r, 5))
    const before = await snapshot(b)
    expect((await api.json('POST', `${api.b}/purge`, { as: 'operator', body: { dryRun: true } })).status).toBe(403)
    const dry = await api.json('POST', `${api.b}/purge`, { body: { dryRun: true } })
    expect(dry.body).toEqual({ archived: 1, deleted: 0, eventsTrimmed: 0, dryRun: true })
    expect(await snapshot(b)).toEqual(before)
    const bad = await api.json('POST', `${api.b}/purge`, { body: { dryRun: 'yes' } })
    expect(bad.status).toBe(400)
    expect(bad.body.error.field).toBe('dryRun')
    expect((await api.json('POST', `${api.b}/purge`)).body).toEqual({ archived: 1, deleted: 0, eventsTrimmed: 0, dryRun: false })
    expect((await b.getTask(done))!.status).toBe('archived')
  })

  it('reindex: walks the listing indexes again (admin)', async () => {
    const api = await startApi()
    const b = api.board
    for (let i = 0; i < 3; i++) await b.createTask({ title: `t${i}`, assignee: 'coder' })
    expect((await api.json('POST', `${api.b}/reindex`, { as: 'operator', body: {} })).status).toBe(403)
    const r = await api.json('POST', `${api.b}/reindex`, { body: { restart: true, batch: 2 } })
    expect(r.body).toEqual({ indexed: 3 })
    const bad = await api.json('POST', `${api.b}/reindex`, { body: { batch: 0 } })
    expect(bad.status).toBe(400)
    expect(bad.body.error.field).toBe('batch')
  })

  it('workers: the live workers and lanes (viewer); subscribers with their cursor and lag (viewer)', async () => {
    const api = await startApi()
    const b = api.board
    expect((await api.json('GET', `${api.b}/workers`, { as: 'viewer' })).body).toEqual({ at: expect.any(Number), workers: [], lanes: [] })
    const w = await new Worker({ board: b, lanes: ['coder', 'ops'], concurrency: 3, name: 'w-http', handler: async () => undefined }).start()
    closing.push(w)
    const live = await api.json('GET', `${api.b}/workers`, { as: 'viewer' })
    expect(live.body.workers).toMatchObject([{ id: w.id, name: 'w-http', lanes: ['coder', 'ops'], concurrency: 3, pid: process.pid }])
    expect(live.body.lanes.map((l: { lane: string; workers: number }) => [l.lane, l.workers])).toEqual([
      ['coder', 1],
      ['ops', 1],
    ])

    expect((await api.json('GET', `${api.b}/subscribers`, { as: 'viewer' })).body).toEqual([])
    const sub = await b.subscriber('notifier', { kinds: ['completed'] })
    const t = await b.createTask({ title: 'x' })
    await b.completeTask(t)
    await sub.read()
    await sub.ack()
    await b.createTask({ title: 'y' })
    sub.close()
    const subs = await api.json('GET', `${api.b}/subscribers`, { as: 'viewer' })
    expect(subs.body).toEqual([
      {
        name: 'notifier',
        kinds: ['completed'],
        cursor: expect.any(Number),
        lag: expect.any(Number),
        createdAt: expect.any(Number),
        ackedAt: expect.any(Number),
      },
    ])
    expect(subs.body[0].lag).toBeGreaterThan(0)
  })

  it('boards: the served boards this token may see, with counts and last activity (admin)', async () => {
    const api = await startApi()
    await api.board.createTask({ title: 'one' })
    await api.board.completeTask(await api.board.createTask({ title: 'two' }))
    const r = await api.json('GET', '/api/admin/boards')
    expect(r.status).toBe(200)
    const names = [api.board.name, api.other.name].sort()
    expect(r.body.boards.map((x: { name: string }) => x.name)).toEqual(names)
    expect(r.body.boards.find((x: { name: string }) => x.name === api.board.name)).toMatchObject({
      total: 2,
      byStatus: { ready: 1, done: 1 },
      lastActivityAt: expect.any(Number),
    })
    expect(r.body.boards.find((x: { name: string }) => x.name === api.other.name)).toMatchObject({ total: 0, lastActivityAt: null })
    const scoped = await api.json('GET', '/api/admin/boards', { as: 'scoped' })
    expect(scoped.body.boards.map((x: { name: string }) => x.name)).toEqual([api.other.name])
    expect((await api.json('GET', '/api/admin/boards', { as: 'operator' })).status).toBe(403)
    expect((await api.json('GET', '/api/admin/boards', { as: null })).status).toBe(401)
  })
})
