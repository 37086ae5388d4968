/**
 * `GET …/tasks` on the library's listing (docs/http-api.md#tasks-reads-v): what maps onto
 * the indexes (status, lane, tenant) is a `listTasksPage` page and its cursor, stable while
 * the board changes between pages; free text and `breaker:` / `sticky:` / `lane:none` filter
 * the index pages as they are read, at most 5,000 tasks a request, and go on from where they
 * stopped; `orderBy=createdAt` has no cursor.
 */
import { describe, expect, it } from 'vitest'
import type { Task } from '../../src/index.js'
import { startApi, type Api } from './helpers.js'

type Page = { tasks: Task[]; next: string | null; scanned: number; truncated: boolean }

async function pages(api: Api, query: string, between?: (n: number) => Promise<void>): Promise<{ ids: string[]; pages: Page[] }> {
  const out: Page[] = []
  let after: string | null = null
  do {
    const r: { status: number; body: Page } = await api.json<Page>('GET', `${api.b}/tasks?${query}${after ? `&after=${encodeURIComponent(after)}` : ''}`, {
      as: 'viewer',
    })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    out.push(r.body)
    after = r.body.next
    if (after && between) await between(out.length)
  } while (after && out.length < 100)
  return { ids: out.flatMap((p) => p.tasks.map((t) => t.id)), pages: out }
}

describe('task listing on the library cursor', () => {
  it("an index filter is the library's page: the same tasks and cursor as listTasksPage", async () => {
    const api = await startApi()
    const b = api.board
    for (let i = 0; i < 5; i++) await b.createTask({ title: `c${i}`, assignee: 'coder', tenant: i % 2 ? 'acme' : 'zeta', priority: i % 3 })
    await b.createTask({ title: 'other lane', assignee: 'ops', tenant: 'acme' })
    const lib = await b.listTasksPage({ assignee: 'coder', tenant: 'acme', status: ['ready'], limit: 1 })
    // the same filter, half as parameters and half as qualifiers
    const r = await api.json<Page>('GET', `${api.b}/tasks?status=ready&assignee=coder&limit=1&q=${encodeURIComponent('tenant:acme')}`, { as: 'viewer' })
    expect(r.body).toEqual({ tasks: lib.tasks, next: lib.next, scanned: 1, truncated: false })
    expect(lib.next).toMatch(/^t\d+@-?\d+$/)
    const all = await pages(api, `limit=2&q=${encodeURIComponent('lane:coder tenant:acme')}`)
    expect(all.ids).toEqual((await b.listTasks({ assignee: 'coder', tenant: 'acme' })).map((t) => t.id))
    expect(all.ids).toHaveLength(2)
  })

  it('pages stay right while the board changes between them: every task that stays put is listed once', async () => {
    const api = await startApi()
    const b = api.board
    const stay: string[] = []
    for (let i = 0; i < 12; i++) stay.push(await b.createTask({ title: `stay ${i}`, assignee: 'coder' }))
    const gone = new Set<string>()
    const r = await pages(api, 'assignee=coder&limit=3', async (n) => {
      // ahead of the cursor: a new task first in priority order, one removed from what is still to come
      await b.createTask({ title: `late ${n}`, assignee: 'coder', priority: 10 })
      const victim = stay[stay.length - n]!
      await b.deleteTask(victim)
      gone.add(victim)
    })
    expect(r.ids.filter((id) => !gone.has(id))).toEqual(stay.filter((id) => !gone.has(id)))
    expect(new Set(r.ids).size).toBe(r.ids.length)
  })

  it('free text and breaker: filter the index pages; a full page goes on right after its last task', async () => {
    const api = await startApi()
    const b = api.board
    const hits: string[] = []
    for (let i = 0; i < 10; i++) {
      const id = await b.createTask({ title: i % 3 === 0 ? `deploy ${i}` : `other ${i}`, assignee: 'coder' })
      if (i % 3 === 0) hits.push(id)
    }
    const r = await pages(api, `limit=1&q=${encodeURIComponent('lane:coder DEPLOY')}`)
    expect(r.ids).toEqual(hits)
    expect(r.pages.every((p) => !p.truncated)).toBe(true)
    // the last hit is the board's last task: its page says nothing follows
    expect(r.pages.at(-1)!.next).toBeNull()

    const flaky = await b.createTask({ title: 'flaky', assignee: 'coder', maxRetries: 1 })
    await b.recordFailure(flaky, { outcome: 'crashed', error: 'boom' })
    await b.createTask({ title: 'held', assignee: 'coder', initialStatus: 'blocked' })
    const breaker = await api.json<Page>('GET', `${api.b}/tasks?q=${encodeURIComponent('breaker:open')}`, { as: 'viewer' })
    expect(breaker.body.tasks.map((t) => t.id)).toEqual([flaky])
    const none = await api.json<Page>('GET', `${api.b}/tasks?q=${encodeURIComponent('lane:none')}`, { as: 'viewer' })
    expect(none.body).toEqual({ tasks: [], next: null, scanned: 12, truncated: false })
  })

  it('a search beyond the indexes reads at most 5,000 tasks a request, then says so and goes on from there', async () => {
    const api = await startApi()
    const b = api.board
    for (let n = 0; n < 2; n++) await b.createTasks(Array.from({ length: 2600 }, (_, i) => ({ ref: `r${i}`, title: `filler ${n}-${i}` })))
    const needle = await b.createTask({ title: 'the needle' })
    const first = await api.json<Page>('GET', `${api.b}/tasks?q=needle`, { as: 'viewer' })
    expect(first.body).toMatchObject({ tasks: [], scanned: 5000, truncated: true, next: expect.any(String) })
    const second = await api.json<Page>('GET', `${api.b}/tasks?q=needle&after=${encodeURIComponent(first.body.next!)}`, { as: 'viewer' })
    expect(second.body).toMatchObject({ scanned: 201, truncated: false, next: null })
    expect(second.body.tasks.map((t) => t.id)).toEqual([needle])
  })

  it('orderBy=createdAt: every match sorted by creation, no cursor; a bad cursor is a 400 naming after', async () => {
    const api = await startApi()
    const b = api.board
    const low = await b.createTask({ title: 'low' })
    const high = await b.createTask({ title: 'high', priority: 5 })
    const byPriority = await api.json<Page>('GET', `${api.b}/tasks`, { as: 'viewer' })
    expect(byPriority.body.tasks.map((t) => t.id)).toEqual([high, low])
    const byCreation = await api.json<Page>('GET', `${api.b}/tasks?orderBy=createdAt&limit=1`, { as: 'viewer' })
    expect(byCreation.body).toMatchObject({ next: null, truncated: false })
    expect(byCreation.body.tasks.map((t) => t.id)).toEqual([low])
    for (const q of [`orderBy=createdAt&after=${encodeURIComponent(`${low}@1`)}`, 'after=o12', 'after=nonsense']) {
      const r = await api.json('GET', `${api.b}/tasks?${q}`, { as: 'viewer' })
      expect(r.status, q).toBe(400)
      expect(r.body.error).toMatchObject({ code: 'INVALID_INPUT', field: 'after' })
    }
  })
})
