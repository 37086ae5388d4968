/** `kanban workers`, the dispatcher line of `kanban stats`, and `kanban context`'s caps, as real child processes (docs/cli.md). */
import { afterEach, describe, expect, it } from 'vitest'
import { Worker, type WorkersView } from '../../src/index.js'
import { openBoard } from '../helpers/board.js'
import { kanban, kanbanJson } from '../helpers/cli.js'

const started: Worker[] = []
afterEach(async () => {
  for (const w of started.splice(0)) await w.close()
})

describe('kanban workers', () => {
  it('lists live workers per lane with concurrency and last seen; --lane picks one; --json is board.workers()', async () => {
    const board = await openBoard('cli-live')
    expect(await kanban(board.name, 'workers')).toMatchObject({ code: 0, stdout: '(no live workers)\n' })
    for (const [name, lanes, concurrency] of [
      ['coder-1', ['coder', 'review'], 4],
      ['coder-2', ['coder'], 2],
    ] as const) {
      started.push(await new Worker({ board, lanes: [...lanes], concurrency, name, handler: async () => undefined }).start())
    }
    const r = await kanban(board.name, 'workers')
    expect(r.code).toBe(0)
    const [lanes, workers] = r.stdout.trimEnd().split('\n\n')
    expect(lanes!.split('\n').map((l) => l.split(/\s+/).slice(0, 3))).toEqual([
      ['LANE', 'WORKERS', 'CONCURRENCY'],
      ['coder', '2', '6'],
      ['review', '1', '4'],
    ])
    expect(lanes).toMatch(/coder\s+2\s+6\s+\d+s ago/)
    const rows = workers!.split('\n')
    expect(rows[0]).toMatch(/^WORKER\s+NAME\s+HOST\s+PID\s+LANES\s+CONCURRENCY\s+STARTED\s+LAST SEEN$/)
    expect(rows.slice(1).map((l) => l.split(/\s+/).slice(0, 2))).toEqual([
      [started[0]!.id, 'coder-1'],
      [started[1]!.id, 'coder-2'],
    ])
    expect(rows[1]).toContain(` ${process.pid} `)
    expect(rows[1]).toMatch(/coder,review\s+4\s+\d{4}-/)

    const json = await kanbanJson<WorkersView>(board.name, 'workers')
    expect(json.workers).toEqual((await board.workers()).workers)
    const review = await kanbanJson<WorkersView>(board.name, 'workers', '--lane', 'review')
    expect(review.workers.map((w) => w.name)).toEqual(['coder-1'])
    expect(review.lanes).toEqual([{ lane: 'review', workers: 1, concurrency: 4, lastSeen: expect.any(Number) }])
    expect(await kanban(board.name, 'workers', '--lane', 'nobody')).toMatchObject({ code: 0, stdout: '(no live worker serves lane nobody)\n' })

    const bad = await kanban(board.name, 'workers', '--lane', 'Not a lane!')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^kanban workers: --lane: expected a lane name/)

    // explain names the lane nobody serves
    const id = await board.createTask({ title: 'x', assignee: 'nobody' })
    expect((await kanban(board.name, 'explain', id)).stdout).toContain('no live worker serves lane nobody (kanban workers)')
  })
})

describe('kanban stats: the dispatcher', () => {
  it('no tick yet, then the last tick and its holder', async () => {
    const board = await openBoard('cli-live')
    expect((await kanban(board.name, 'stats')).stdout).toContain('\ndispatcher: no tick yet\n')
    await board.dispatchOnce({ holder: 'ops-console' })
    const s = await kanban(board.name, 'stats')
    expect(s.stdout).toMatch(/\ndispatcher: last tick \d{4}-\d\d-\d\dT[\d:]+Z by ops-console\n/)
    expect((await kanbanJson(board.name, 'stats')).dispatcher).toEqual({ lastTickAt: expect.any(Number), lastTickBy: 'ops-console', leader: null })
  })
})

describe('kanban context: caps', () => {
  it('--max-* set the caps; totals tell what was left out; a bad cap exits 2 naming it', async () => {
    const board = await openBoard('cli-live')
    const id = await board.createTask({ title: 'ctx' })
    for (let i = 0; i < 5; i++) await board.addComment(id, { author: 'pm', body: `note ${i}` })
    const json = await kanbanJson(board.name, 'context', id, '--max-comments', '2', '--max-field-bytes', '300')
    expect(json).toEqual(await board.workerContext(id, { maxComments: 2, maxFieldBytes: 300 }))
    expect(json.comments.map((c: { body: string }) => c.body)).toEqual(['note 3', 'note 4'])
    const text = await kanban(board.name, 'context', id, '--max-comments', '1')
    expect(text.stdout).toContain('(last 1 of 5 comments)\ncomment by pm: note 4\n')
    const bad = await kanban(board.name, 'context', id, '--max-comments=-1')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^kanban context: workerContext: maxComments: expected/)
  })
})
