/**
 * The dashboard's reads (docs/http-api.md): search with qualifiers and paging, "needs you"
 * ranked by what each task holds up, the graph around a task within its bounds with the
 * blocking path, the fleet, and bulk actions with a dry run.
 */
import { describe, expect, it } from 'vitest'
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

  it('fleet: lanes with ready and running counts, pauses, the HTTP workers waiting', async () => {
    const api = await startApi()
    const b = api.board
    await b.createTask({ title: 'a', assignee: 'coder' })
    const run = await b.createTask({ title: 'b', assignee: 'coder' })
    await b.claimTask(run, { claimer: 'w' })
    await b.createTask({ title: 'c', assignee: 'ops' })
    await b.createTask({ title: 'unassigned' })
    await b.pause({ lane: 'ops', actor: 'me', reason: 'maintenance' })
    const f = (await api.json('GET', `${api.b}/fleet`, { as: 'viewer' })).body
    expect(f.lanes).toMatchObject([
      { lane: 'coder', ready: 1, running: 1, paused: null },
      { lane: 'ops', ready: 1, running: 0, paused: { lane: 'ops', by: 'me', reason: 'maintenance' } },
    ])
    expect(f.unassignedReady).toBe(1)
    expect(f.dispatcher.leader).toBeNull()
  })

  it('bulk: a dry run counts and writes nothing; the action applies per task', async () => {
    const api = await startApi()
    const b = api.board
    const x = await b.createTask({ title: 'x', initialStatus: 'blocked' })
    const y = await b.createTask({ title: 'y', initialStatus: 'blocked' })
    const z = await b.createTask({ title: 'z' })
    const before = await snapshot(b)
    const dry = await api.json('POST', `${api.b}/bulk`, { body: { action: 'unblock', ids: [x, y, z], dryRun: true } })
    expect(dry.body).toMatchObject({ dryRun: true, matched: 2, applied: 0 })
    expect(await snapshot(b)).toEqual(before)
    const real = await api.json('POST', `${api.b}/bulk`, { body: { action: 'unblock', ids: [x, y, z] } })
    expect(real.body).toMatchObject({
      matched: 2,
      applied: 2,
      results: [
        { id: x, ok: true, status: 'ready' },
        { id: y, ok: true },
        { id: z, ok: false, status: 'ready' },
      ],
    })
    expect((await b.events({ taskId: x })).at(-1)).toMatchObject({ kind: 'unblocked', actor: 'ada' })
    const tooMany = await api.json('POST', `${api.b}/bulk`, { body: { action: 'unblock', ids: Array.from({ length: 501 }, (_, i) => `t${i}`) } })
    expect(tooMany.status).toBe(400)
    expect(tooMany.body.error.field).toBe('ids')
  })
})
