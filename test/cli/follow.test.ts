/**
 * `kanban events`: the board's event log (or one task's) as a table or JSON, and
 * `--follow`, which streams events written after it started until SIGINT (exit 0).
 */
import { describe, expect, it } from 'vitest'
import type { KanbanEvent } from '../../src/index.js'
import { openBoard } from '../helpers/board.js'
import { kanban, kanbanJson, on, startKanban } from '../helpers/cli.js'

describe('kanban events', () => {
  it('lists board and task events with --task, --after, --limit', async () => {
    const board = await openBoard('cli-events')
    const a = await board.createTask({ title: 'a' })
    const b = await board.createTask({ title: 'b' })
    await board.addComment(a, { author: 'x', body: 'hello' })
    await board.updateTask(b, { priority: 2 })
    const all = await board.events()
    expect(all.length).toBe(4)
    const [json, forA, page, human] = await Promise.all([
      kanbanJson<KanbanEvent[]>(board.name, 'events'),
      kanbanJson<KanbanEvent[]>(board.name, 'events', '--task', a),
      kanbanJson<KanbanEvent[]>(board.name, 'events', '--after', String(all[0]!.id), '--limit', '2'),
      kanban(board.name, 'events'),
    ])
    expect(json).toEqual(all)
    expect(forA).toEqual(await board.events({ taskId: a }))
    expect(forA.map((e) => e.kind)).toEqual(['created', 'commented'])
    expect(page).toEqual(all.slice(1, 3))
    const lines = human.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^#\s+AT\s+TASK\s+RUN\s+KIND\s+DETAIL$/)
    expect(lines).toHaveLength(5)
    expect(lines[3]).toMatch(new RegExp(`^${all[2]!.id}\\s+\\d{4}-\\d\\d-\\d\\dT[\\d:]+Z\\s+${a}\\s+-\\s+commented\\s+author=x`))
  })

  it('--follow prints events written after it started, until SIGINT', async () => {
    const board = await openBoard('cli-follow')
    const old = await board.createTask({ title: 'before the follower' })
    const human = startKanban(['events', '--follow', ...on(board.name)])
    // replays everything after #0, then follows, as NDJSON, only for `old`
    const json = startKanban(['events', '--follow', '--json', '--task', old, '--after', '0', ...on(board.name)])
    await Promise.all([human.waitFor(/following events/, 'stderr'), json.waitFor(/following events/, 'stderr')])

    const fresh = await board.createTask({ title: 'written while following' })
    await board.addComment(old, { author: 'ann', body: 'still there?' })
    await board.updateTask(old, { priority: 9 })
    await human.waitFor(/updated/)
    await json.waitFor(/"kind":"updated"/)

    const lines = human.stdout().trimEnd().split('\n')
    // only events written after it started: the earlier `created` of `old` is not replayed
    expect(lines.map((l) => l.split(/\s+/)[4])).toEqual(['created', 'commented', 'updated'])
    expect(lines[0]).toMatch(new RegExp(`^#\\d+\\s+\\S+\\s+${fresh}\\s+-\\s+created\\s+status=ready`))
    const evs = json
      .stdout()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as KanbanEvent)
    expect(evs).toEqual(await board.events({ taskId: old }))
    expect(evs.map((e) => e.kind)).toEqual(['created', 'commented', 'updated'])

    human.child.kill('SIGINT')
    json.child.kill('SIGINT')
    expect(await human.exited).toEqual({ code: 0, signal: null })
    expect(await json.exited).toEqual({ code: 0, signal: null })
  })
})
