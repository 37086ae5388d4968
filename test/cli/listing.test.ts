/**
 * `kanban list --after` (pages: the listing on stdout, `next: <cursor>` on stderr while
 * more follow), `kanban stats` by lane and tenant, `kanban reindex` — as real processes.
 */
import { describe, expect, it } from 'vitest'
import type { BoardStats, Task } from '../../src/index.js'
import { openBoard, snapshot } from '../helpers/board.js'
import { kanban, kanbanJson } from '../helpers/cli.js'
import { forgetListing } from '../helpers/listing.js'

const nextOf = (stderr: string) => /^next: (\S+)$/m.exec(stderr)?.[1]

describe('kanban list --after', () => {
  it('prints a page and, while more follow, the cursor of the next; following it lists each task once', async () => {
    const board = await openBoard('cli-page')
    const ids = Object.values(
      await board.createTasks(Array.from({ length: 12 }, (_, i) => ({ ref: `n${i}`, title: `task ${i}`, priority: i % 3, tenant: i % 2 ? 'acme' : 'globex' }))),
    )
    const want = (await board.listTasks({ tenant: 'acme' })).map((t) => t.id)
    const seen: string[] = []
    let after: string | undefined
    for (let page = 0; page < 10; page++) {
      const r = await kanban(board.name, 'list', '--tenant', 'acme', '--limit', '4', ...(after ? ['--after', after] : []))
      expect(r.code, r.stderr).toBe(0)
      const rows = r.stdout.trimEnd().split('\n').slice(1)
      seen.push(...rows.map((l) => l.split(/\s+/)[0]!))
      after = nextOf(r.stderr)
      if (!after) {
        expect(r.stderr).toBe('')
        break
      }
      expect(rows).toHaveLength(4)
    }
    expect(seen).toEqual(want)
    expect(seen).toHaveLength(6)
    expect(ids).toHaveLength(12)

    // --json: stdout is the Task[] of the page, as without paging
    const first = await kanban(board.name, 'list', '--limit', '5', '--json')
    const page1 = JSON.parse(first.stdout) as Task[]
    expect(page1.map((t) => t.id)).toEqual((await board.listTasks({ limit: 5 })).map((t) => t.id))
    const rest = await kanbanJson<Task[]>(board.name, 'list', '--after', nextOf(first.stderr)!)
    expect([...page1, ...rest].map((t) => t.id)).toEqual((await board.listTasks()).map((t) => t.id))
  })

  it('a bad cursor exits 2 naming --after / the field, and writes nothing', async () => {
    const board = await openBoard('cli-page-bad')
    await board.createTask({ title: 'x' })
    const before = await snapshot(board)
    const [bad, order] = await Promise.all([
      kanban(board.name, 'list', '--after', 'not-a-cursor'),
      kanban(board.name, 'list', '--after', 't1@5', '--order', 'createdAt'),
    ])
    expect(bad).toMatchObject({ code: 2, stdout: '' })
    expect(bad.stderr).toMatch(/^kanban list: listTasksPage: after: expected a cursor from a previous page/)
    expect(order).toMatchObject({ code: 2, stdout: '' })
    expect(order.stderr).toMatch(/^kanban list: --after: not with --order createdAt/)
    expect(await snapshot(board)).toEqual(before)
  })
})

describe('kanban stats', () => {
  it('shows counts per lane and per tenant with the oldest ready task per lane; --json the same as the API', async () => {
    const board = await openBoard('cli-stats')
    await board.createTask({ title: 'a', assignee: 'coder', tenant: 'acme' })
    const b = await board.createTask({ title: 'b', assignee: 'coder' })
    await board.createTask({ title: 'c', tenant: 'globex' })
    await board.completeTask(b)
    const [human, json] = await Promise.all([kanban(board.name, 'stats'), kanbanJson<BoardStats>(board.name, 'stats')])
    expect(human.code).toBe(0)
    const text = human.stdout
    expect(text).toMatch(/^by lane:\nLANE\s+TOTAL\s+READY\s+DONE\s+OLDEST READY$/m)
    expect(text).toMatch(/^coder\s+2\s+1\s+1\s+\d+s$/m)
    expect(text).toMatch(/^\(unassigned\)\s+1\s+1\s+0\s+\d+s$/m)
    expect(text).toMatch(/^by tenant:\nTENANT\s+TOTAL\s+READY\s+DONE$/m)
    expect(text).toMatch(/^acme\s+1\s+1\s+0$/m)
    expect(text).toMatch(/^globex\s+1\s+1\s+0$/m)
    expect(text).toMatch(/^\(none\)\s+1\s+0\s+1$/m)
    const { byLane, byTenant, indexed, notListed } = await board.stats()
    expect([json.byLane, json.byTenant, json.indexed, json.notListed]).toEqual([byLane, byTenant, indexed, notListed])
  })
})

describe('kanban reindex', () => {
  it('backfills a board older than the listing indexes, then stats say it is complete', async () => {
    const board = await openBoard('cli-reindex')
    await board.createTasks(Array.from({ length: 30 }, (_, i) => ({ ref: `n${i}`, title: `t${i}`, assignee: 'coder', tenant: 'acme' })))
    await forgetListing(board.redis, board.keys)
    const partial = await kanban(board.name, 'stats')
    expect(partial.stdout).toMatch(/listing indexes: being backfilled/)
    const r = await kanban(board.name, 'reindex', '--batch', '7')
    expect(r).toMatchObject({ code: 0, stdout: 'filed 30 tasks; the listing indexes are complete\n' })
    const s = await kanbanJson<BoardStats>(board.name, 'stats')
    expect(s.indexed).toBe(true)
    expect(s.byLane.map((l) => [l.lane, l.total])).toEqual([['coder', 30]])
    expect(await kanbanJson(board.name, 'reindex')).toEqual({ indexed: 0, done: true })
    const bad = await kanban(board.name, 'reindex', '--batch', '0')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^kanban reindex: reindex: batch: expected/)
  })
})
