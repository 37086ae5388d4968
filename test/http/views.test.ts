/**
 * The dashboard's reads (docs/http-api.md): search with qualifiers and paging, "needs you"
 * ranked by what each task holds up, the graph around a task within its bounds with the
 * blocking path, the fleet with its live workers and last tick, and bulk operations by filter
 * with a dry run.
 */
import { describe, expect, it } from 'vitest'
import { Worker } from '../../src/index.js'
import { snapshot } from '../helpers/board.js'
import { startApi } from './helpers.js'

describe('views', () => {
  it('search: qualifiers, free text and paging with an opaque cursor', async () => {
    const api = await startApi()
    const b = api.board
    const ids: string[] = []
    for (let i = 0; i < 7; i++) ids.push(await b.createTask({ title: `deploy ${i}`, assignee: i % 2 ? 'coder' : 'ops', tenant: i < 3 ? 'acme' : 'zeta' }))
    const stuck = await b.createTask({ title: 'stuck deploy', assignee: 'coder', tenant: 'acme', initialStatus: 'blocked' })
    const parked = await b.createTask({ title: 'parked', assignee: 'coder', maxRetries: 1 })
    await b.recordFailure(parked, { outcome: 'crashed', error: 'boom' })
    const q = async (query: string) => (await api.json('GET', `${api.b}/tasks?${query}`, { as: 'viewer' })).body
    expect((await q('q=' + encodeURIComponent('status:blocked lane:coder tenant:acme'))).tasks.map((t: any) => t.id)).toEqual([stuck])
    expect((await q('q=breaker:open')).tasks.map((t: any) => t.id)).toEqual([parked])
    expect((await q('q=sticky:yes')).tasks.map((t: any) => t.id)).toEqual([stuck])
    expect((await q('q=' + encodeURIComponent('lane:ops deploy'))).tasks.map((t: any) => t.id)).toEqual([ids[0], ids[2], ids[4], ids[6]])
    expect((await q('q=' + encodeURIComponent(`id:${ids[3]}`))).tasks.map((t: any) => t.id)).toEqual([ids[3]])
    const bad = await api.json('GET', `${api.b}/tasks?q=status:nope`, { as: 'viewer' })
    expect(bad.status).toBe(400)
    expect(bad.body.error.field).toBe('q')
    // pages of 3 through every task, in the listing's order, each once
    const seen: string[] = []
    let after: string | null = null
    do {
      const page: any = await q(`limit=3${after ? `&after=${after}` : ''}`)
      expect(page.tasks.length).toBeLessThanOrEqual(3)
      seen.push(...page.tasks.map((t: any) => t.id))
      after = page.next
    } while (after)
    expect(seen).toEqual((await b.listTasks()).map((t) => t.id))
    // a filtered search pages too
    const first = await q('limit=2&q=deploy')
    const second = await q(`limit=2&q=deploy&after=${first.next}`)
    expect([...first.tasks, ...second.tasks].map((t: any) => t.id)).toEqual([ids[0], ids[1], ids[2], ids[3]])
  })

  it('needs you: every task waiting on a person, ranked by how many tasks it holds up', async () => {
    const api = await startApi()
    const b = api.board
    const small = await b.createTask({ title: 'small', initialStatus: 'blocked' })
    await b.createTask({ title: 'waits on small', parents: [small] })
    const big = await b
      .blockTask(await b.createTask({ title: 'big' }), { reason: 'needs the key' })
      .then(async () => (await b.listTasks({ status: 'blocked' })).find((t) => t.title === 'big')!.id)
    let last = big
    for (let i = 0; i < 4; i++) last = await b.createTask({ title: `chain ${i}`, parents: [last] })
    const triage = await b.createTask({ title: 'triage me', triage: true })
    const breaker = await b.createTask({ title: 'breaker', maxRetries: 1 })
    await b.recordFailure(breaker, { outcome: 'crashed', error: 'it broke' })
    await b.createTask({ title: 'after breaker', parents: [breaker] })
    await b.createTask({ title: 'after breaker 2', parents: [breaker] })
    const r = await api.json('GET', `${api.b}/needs-you`, { as: 'viewer' })
    expect(r.status).toBe(200)
    expect(r.body.items.map((i: any) => [i.task.id, i.kind, i.holdsUp])).toEqual([
      [big, 'sticky_block', 4],
      [breaker, 'breaker_open', 2],
      [small, 'sticky_block', 1],
      [triage, 'triage', 0],
    ])
    const top = r.body.items[0]
    expect(top).toMatchObject({ reason: 'needs the key', holdsUpExact: true, explain: { id: big, reasons: [{ code: 'sticky_block' }] } })
    expect(r.body.items[1].reason).toBe('it broke')
    expect(r.body.truncated).toBe(false)
  })

  it('graph: bounded by depth and maxNodes, with the frontier and the blocking path', async () => {
    const api = await startApi()
    const b = api.board
    const root = await b.createTask({ title: 'root', initialStatus: 'blocked' })
    const mid = await b.createTask({ title: 'mid', parents: [root] })
    const done = await b.createTask({ title: 'done parent' })
    await b.completeTask(done)
    const leaf = await b.createTask({ title: 'leaf', parents: [mid, done] })
    const below = await b.createTask({ title: 'below', parents: [leaf] })
    const g = (await api.json('GET', `${api.b}/graph?root=${leaf}&depth=1&blockingPath=true`, { as: 'viewer' })).body
    expect(g.nodes.map((n: any) => n.id).sort()).toEqual([below, done, leaf, mid].sort())
    expect(g.edges).toEqual(
      expect.arrayContaining([
        { from: mid, to: leaf },
        { from: done, to: leaf },
        { from: leaf, to: below },
      ]),
    )
    expect(g.truncated).toBe(true)
    expect(g.frontier).toEqual([mid]) // its parent (root) was not loaded
    const deep = (await api.json('GET', `${api.b}/graph?root=${leaf}&depth=5&blockingPath=true&direction=up`, { as: 'viewer' })).body
    expect(deep.nodes.map((n: any) => n.id).sort()).toEqual([done, leaf, mid, root].sort())
    expect(deep.blocking).toEqual([leaf, mid, root].sort())
    expect(deep.nodes.find((n: any) => n.id === root)).toMatchObject({ sticky: true, status: 'blocked', depth: 2 })
    expect(deep.truncated).toBe(false)
    const capped = (await api.json('GET', `${api.b}/graph?root=${leaf}&depth=5&maxNodes=2`, { as: 'viewer' })).body
    expect(capped.nodes).toHaveLength(2)
    expect(capped.truncated).toBe(true)
    const board = (await api.json('GET', `${api.b}/graph?maxNodes=3`, { as: 'viewer' })).body
    expect(board.nodes).toHaveLength(3)
    expect(board.truncated).toBe(true)
    expect((await api.json('GET', `${api.b}/graph?root=t404`, { as: 'viewer' })).status).toBe(404)
  })

  it("fleet: per lane ready, running and the oldest ready age, live workers, the dispatcher's last tick, pauses", async () => {
    const api = await startApi()
    const b = api.board
    const before = await b.now()
    await b.createTask({ title: 'a', assignee: 'coder' })
    const run = await b.createTask({ title: 'b', assignee: 'coder' })
    await b.claimTask(run, { claimer: 'w' })
    await b.createTask({ title: 'c', assignee: 'ops' })
    await b.createTask({ title: 'unassigned' })
    await b.pause({ lane: 'ops', actor: 'me', reason: 'maintenance' })
    const idle = (await api.json('GET', `${api.b}/fleet`, { as: 'viewer' })).body
    expect(idle.workers).toEqual([])
    expect(idle.dispatcher).toEqual({ lastTickAt: null, lastTickBy: null, leader: null })

    // a live worker (its lane paused, so the tick below hands it nothing) and a tick
    const worker = await new Worker({ board: b, lanes: ['ops'], concurrency: 2, name: 'ops-worker', handler: async () => undefined }).start()
    try {
      await b.dispatchOnce({ holder: 'disp-7' })
      const f = (await api.json('GET', `${api.b}/fleet`, { as: 'viewer' })).body
      expect(f.lanes).toMatchObject([
        { lane: 'coder', ready: 1, running: 1, paused: null, workers: { live: 0, concurrency: 0, lastSeen: null } },
        { lane: 'ops', ready: 1, running: 0, paused: { lane: 'ops', by: 'me', reason: 'maintenance' }, workers: { live: 1, concurrency: 2 } },
      ])
      for (const l of f.lanes) {
        expect(l.oldestReadyAt).toBeGreaterThanOrEqual(before)
        expect(l.oldestReadyAt).toBeLessThanOrEqual(f.at)
      }
      expect(f.unassigned).toEqual({ ready: 1, oldestReadyAt: expect.any(Number) })
      expect(f.workers).toMatchObject([{ id: worker.id, name: 'ops-worker', lanes: ['ops'], concurrency: 2, pid: process.pid }])
      expect(f.dispatcher).toEqual({ lastTickAt: expect.any(Number), lastTickBy: 'disp-7', leader: null })
      expect(f.dispatcher.lastTickAt).toBeGreaterThanOrEqual(before)
      expect(f.indexed).toBe(true)
    } finally {
      await worker.close()
    }
    const gone = (await api.json('GET', `${api.b}/fleet`, { as: 'viewer' })).body
    expect(gone.workers).toEqual([])
  })

  it("bulk: the library's bulk by filter, its dry-run counts writing nothing; the actor is the token; admin only", async () => {
    const api = await startApi()
    const b = api.board
    const x = await b.createTask({ title: 'x', assignee: 'legal', initialStatus: 'blocked' })
    const y = await b.createTask({ title: 'y', assignee: 'legal', initialStatus: 'blocked' })
    const z = await b.createTask({ title: 'z', assignee: 'ops', initialStatus: 'blocked' })
    await b.createTask({ title: 'ready', assignee: 'legal' })
    const before = await snapshot(b)
    const body = { op: 'unblock', filter: { lane: 'legal' } }
    const dry = await api.json('POST', `${api.b}/bulk`, { body: { ...body, dryRun: true } })
    expect(dry.status).toBe(200)
    expect(dry.body).toEqual({
      op: 'unblock',
      dryRun: true,
      examined: 3, // the blocked index, z (lane ops) a miss
      matched: 2,
      changed: 2,
      skipped: { status: 0, sticky: 0, unchanged: 0 },
      ids: [x, y],
      cursor: null,
      calls: 1,
    })
    expect(await snapshot(b)).toEqual(before)
    expect((await api.json('POST', `${api.b}/bulk`, { as: 'operator', body })).status).toBe(403)
    expect(await snapshot(b)).toEqual(before)

    const real = await api.json('POST', `${api.b}/bulk`, { body })
    expect(real.body).toMatchObject({ op: 'unblock', dryRun: false, matched: 2, changed: 2, ids: [x, y], cursor: null })
    expect((await b.getTask(x))!.status).toBe('ready')
    expect((await b.getTask(y))!.status).toBe('ready')
    expect((await b.getTask(z))!.status).toBe('blocked')
    expect((await b.events({ taskId: x })).at(-1)).toMatchObject({ kind: 'unblocked', actor: 'ada', payload: { bulk: 'unblock' } })

    // in chunks: limit, then the cursor
    const more = await Promise.all(['p', 'q', 'r'].map((title) => b.createTask({ title, assignee: 'ops', initialStatus: 'blocked' })))
    const first = await api.json('POST', `${api.b}/bulk`, { body: { op: 'archive', filter: { lane: 'ops', status: 'blocked' }, limit: 2 } })
    expect(first.body).toMatchObject({ changed: 2, ids: [z, more[0]], cursor: expect.any(String) })
    const rest = await api.json('POST', `${api.b}/bulk`, { body: { op: 'archive', filter: { lane: 'ops', status: 'blocked' }, cursor: first.body.cursor } })
    expect(rest.body).toMatchObject({ changed: 2, ids: [more[1], more[2]], cursor: null })

    // bad input: the library's code and field, nothing written
    const now = await snapshot(b)
    for (const [bad, field] of [
      [{ op: 'delete' }, 'filter'],
      [{ op: 'reassign', filter: { lane: 'legal' } }, 'to'],
      [{ op: 'unblock', actor: 'mallory' }, 'actor'],
      [{ op: 'explode' }, 'op'],
    ] as const) {
      const r = await api.json('POST', `${api.b}/bulk`, { body: bad })
      expect(r.status, JSON.stringify(bad)).toBe(400)
      expect(r.body.error).toMatchObject({ code: 'INVALID_INPUT', field })
    }
    expect(await snapshot(b)).toEqual(now)
  })
})
