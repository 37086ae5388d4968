/**
 * listTasksPage (docs/api.md#listing-tasks): pages in dispatch order from a cursor, read
 * from the listing indexes; the pages of a listing that runs while other clients write list
 * every task that stayed put exactly once, and no task twice. listTasks is the same
 * listing, page after page.
 */
import { describe, expect, it } from 'vitest'
import type { Board, Status, Task } from '../../src/index.js'
import { isValidationError } from '../../src/index.js'
import { openBoard, reopen, snapshot } from '../helpers/board.js'

const ids = (ts: Task[]) => ts.map((t) => t.id)
type Filter = { tenant?: string; assignee?: string; status?: Status[] }
const LANES = ['coder', 'review', 'ops']
const TENANTS = ['acme', 'globex', 'initech']

/** Every page of a filter, `between` run after each page (the writes of another client). */
async function allPages(board: Board, filter: Parameters<Board['listTasksPage']>[0], between?: (page: number) => Promise<void>): Promise<Task[][]> {
  const pages: Task[][] = []
  let after: string | undefined
  for (;;) {
    const p = await board.listTasksPage({ ...filter, ...(after ? { after } : {}) })
    pages.push(p.tasks)
    if (!p.next) return pages
    after = p.next
    await between?.(pages.length)
    if (pages.length > 1000) throw new Error('the listing never ends')
  }
}

/** n tasks over three lanes and three tenants (every 7th task of tenant acme in lane ops), some done. */
async function fill(board: Board, n: number): Promise<string[]> {
  const r = await board.createTasks(
    Array.from({ length: n }, (_, i) => ({
      ref: `n${i}`,
      title: `task ${i}`,
      priority: i % 4,
      ...(i % 5 ? { assignee: LANES[i % 3]! } : {}),
      ...(i % 7 === 0 ? { tenant: 'acme', assignee: 'ops' } : i % 2 ? { tenant: TENANTS[i % 3]! } : {}),
    })),
  )
  const out = Object.values(r)
  for (const id of out.filter((_, i) => i % 6 === 0)) await board.completeTask(id)
  return out
}

describe('listTasksPage', () => {
  it('pages through a filter in dispatch order; the pages together are listTasks; the last page has no next', async () => {
    const board = await openBoard('page')
    await fill(board, 120)
    const filters: Filter[] = [
      {},
      { tenant: 'acme' },
      { assignee: 'OPS' },
      { tenant: 'acme', assignee: 'ops' },
      { status: ['ready', 'done'] },
      { tenant: 'nobody' },
    ]
    for (const f of filters) {
      const pages = await allPages(board, { ...f, limit: 7 })
      const listed = pages.flat()
      expect(ids(listed), JSON.stringify(f)).toEqual(ids(await board.listTasks({ ...f, limit: 10_000 })))
      for (const p of pages.slice(0, -1)) expect(p).toHaveLength(7)
      expect(pages.at(-1)!.length).toBeLessThanOrEqual(7)
      // the filter holds for every task listed
      for (const t of listed) {
        if (f.tenant !== undefined) expect(t.tenant).toBe(f.tenant)
        if (f.assignee !== undefined) expect(t.assignee).toBe('ops')
        if (f.status) expect(f.status).toContain(t.status)
        else expect(t.status).not.toBe('archived')
      }
      // dispatch order: priority desc, then oldest
      const order = listed.map((t) => [-t.priority, Number(t.id.slice(1))])
      expect(order).toEqual([...order].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!))
    }
    expect(ids(await board.listTasks({ tenant: 'acme', assignee: 'ops' })).length).toBe(Math.ceil(120 / 7))
    expect(await board.listTasksPage({ tenant: 'nobody' })).toEqual({ tasks: [], next: null })
  })

  it('a cursor is a position: the tasks that stay put are listed once each, however the board changes between pages', async () => {
    const board = await openBoard('page-stable')
    const writer = await reopen(board)
    const start = await fill(board, 300)
    const filters: Filter[] = [{}, { tenant: 'acme' }, { assignee: 'coder' }, { tenant: 'globex', assignee: 'review' }, { status: ['ready', 'running'] }]
    for (const f of filters) {
      const matches = (t: Task) =>
        (f.tenant === undefined || t.tenant === f.tenant) &&
        (f.assignee === undefined || t.assignee === f.assignee) &&
        (f.status ? f.status.includes(t.status) : t.status !== 'archived')
      const before = new Map((await board.listTasks({ ...f, limit: 10_000 })).map((t) => [t.id, t]))
      const touched = new Set<string>()
      let k = 0
      // between pages another client claims, completes, reassigns, re-tenants, archives,
      // deletes and creates tasks, in front of the cursor and behind it
      const pages = await allPages(board, { ...f, limit: 10 }, async (page) => {
        for (let j = 0; j < 4; j++) {
          const id = start[(k++ * 37 + page) % start.length]!
          touched.add(id)
          const op = (k + j) % 7
          if (op === 0) await writer.claimTask(id, { claimer: 'w' })
          else if (op === 1) await writer.completeTask(id)
          else if (op === 2) await writer.assignTask(id, LANES[k % 3]!).catch(() => false)
          else if (op === 3) await writer.updateTask(id, { tenant: TENANTS[k % 3]! })
          else if (op === 4) await writer.archiveTask(id)
          else if (op === 5) await writer.deleteTask(id).catch(() => undefined)
          else touched.add(await writer.createTask({ title: 'new', priority: k % 4, assignee: LANES[k % 3]!, tenant: TENANTS[k % 3]! }))
        }
      })
      const listed = ids(pages.flat())
      expect(new Set(listed).size, `${JSON.stringify(f)}: a task listed twice`).toBe(listed.length)
      const after = new Map((await board.listTasks({ ...f, limit: 10_000 })).map((t) => [t.id, t]))
      const stayedPut = [...before.keys()].filter((id) => !touched.has(id) && after.has(id))
      expect(stayedPut.length).toBeGreaterThan(before.size / 3)
      const seen = new Set(listed)
      expect(
        stayedPut.filter((id) => !seen.has(id)),
        `${JSON.stringify(f)}: skipped`,
      ).toEqual([])
      for (const t of pages.flat()) expect(matches(t), `${t.id} does not match ${JSON.stringify(f)}`).toBe(true)
    }
  })

  it('stays exact while another client writes at the same time', async () => {
    const board = await openBoard('page-race')
    const writer = await reopen(board)
    const start = await fill(board, 200)
    const before = new Set(ids(await board.listTasks({ tenant: 'acme', limit: 10_000 })))
    const touched = new Set<string>()
    let stop = false
    const writes = (async () => {
      for (let i = 0; !stop; i++) {
        const id = start[(i * 13) % start.length]!
        touched.add(id)
        if (i % 3 === 0) await writer.updateTask(id, { tenant: i % 2 ? 'acme' : 'globex' })
        else if (i % 3 === 1) await writer.completeTask(id)
        else touched.add(await writer.createTask({ title: 'new', tenant: 'acme', priority: i % 4 }))
      }
    })()
    const listings: string[][] = []
    for (let round = 0; round < 5; round++) listings.push(ids((await allPages(board, { tenant: 'acme', limit: 5 })).flat()))
    stop = true
    await writes
    for (const listed of listings) {
      expect(new Set(listed).size).toBe(listed.length)
      const seen = new Set(listed)
      expect([...before].filter((id) => !touched.has(id) && !seen.has(id))).toEqual([])
    }
  })

  it('refuses a bad cursor, limit or field with a coded error naming the field, and writes nothing', async () => {
    const board = await openBoard('page-bad')
    await fill(board, 5)
    const before = await snapshot(board)
    for (const [filter, field] of [
      [{ after: 'nope' }, 'after'],
      [{ after: '12' }, 'after'],
      [{ after: 't1@x' }, 'after'],
      [{ after: '-5:t1' }, 'after'],
      [{ after: 't1@' }, 'after'],
      [{ after: '' }, 'after'],
      [{ limit: 0 }, 'limit'],
      [{ limit: 1001 }, 'limit'],
      [{ status: 'nope' }, 'status'],
    ] as const) {
      const e = await board.listTasksPage(filter as never).then(
        () => null,
        (err: unknown) => err,
      )
      expect(isValidationError(e), JSON.stringify(filter)).toBe(true)
      expect(e).toMatchObject({ code: 'INVALID_INPUT', details: { field } })
      expect((e as Error).message).toMatch(new RegExp(`^listTasksPage: ${field}: expected`))
    }
    // a page is in dispatch order only: no orderBy (an unknown field, named in the message)
    await expect(board.listTasksPage({ orderBy: 'createdAt' } as never)).rejects.toThrow(/^listTasksPage: input: expected no field named orderBy/)
    expect(await snapshot(board)).toEqual(before)
  })

  it('pages and stats write nothing', async () => {
    const board = await openBoard('page-pure')
    await fill(board, 30)
    const before = await snapshot(board)
    const other = await reopen(board)
    for (const b of [board, other]) {
      await allPages(b, { limit: 4 })
      await allPages(b, { tenant: 'acme', assignee: 'ops', limit: 2 })
      await b.listTasks({ assignee: 'coder', orderBy: 'createdAt' })
      await b.stats()
    }
    expect(await snapshot(board)).toEqual(before)
  })

  it('a cursor from any page works with any filter: it is a place in dispatch order', async () => {
    const board = await openBoard('page-any')
    await fill(board, 40)
    const first = await board.listTasksPage({ limit: 10 })
    const rest = ids((await board.listTasks({ limit: 1000 })).slice(10))
    const acmeAfter = (await board.listTasks({ tenant: 'acme', limit: 1000 })).filter((t) => rest.includes(t.id))
    expect(ids((await board.listTasksPage({ tenant: 'acme', after: first.next!, limit: 1000 })).tasks)).toEqual(ids(acmeAfter))
  })
})
