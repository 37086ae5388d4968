/**
 * `kanban events --subscriber <name>` (docs/cli.md, docs/events.md#subscriptions): each call
 * is a new process, which prints what the subscriber has not acknowledged and then
 * acknowledges it — so the next call resumes after it; `--peek` only prints, `--follow`
 * streams and acknowledges page by page until SIGINT. `kanban subscribers` lists, creates,
 * acknowledges and deletes. And `create-dag --batch-key` (docs/api.md#batch-keys).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Board, KanbanEvent, SubscriberInfo } from '../../src/index.js'
import { openBoard, snapshot } from '../helpers/board.js'
import { kanban, kanbanJson, on, startKanban } from '../helpers/cli.js'

async function work(board: Board, title: string): Promise<string> {
  const id = await board.createTask({ title })
  await board.completeTask(id)
  return id
}

const kinds = (evs: KanbanEvent[]) => evs.map((e) => e.kind)

describe('kanban events --subscriber', () => {
  it('prints the unacknowledged events and acknowledges them: the next process resumes after them', async () => {
    const board = await openBoard('cli-subs')
    const a = await work(board, 'a')
    const first = await kanban(board.name, 'events', '--subscriber', 'notifier', '--from', 'earliest')
    expect(first.code).toBe(0)
    const lines = first.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^#\s+AT\s+TASK\s+RUN\s+KIND\s+DETAIL$/)
    expect(lines.slice(1).map((l) => l.split(/\s+/)[4])).toEqual(['created', 'completed'])
    expect(first.stderr).toMatch(/^subscriber notifier: acknowledged #2, lag 0$/m)

    expect((await kanban(board.name, 'events', '--subscriber', 'notifier')).stdout.trim()).toBe('(no events)')
    const b = await work(board, 'b')
    const next = await kanbanJson<KanbanEvent[]>(board.name, 'events', '--subscriber', 'notifier')
    expect(next.map((e) => [e.taskId, e.kind])).toEqual([
      [b, 'created'],
      [b, 'completed'],
    ])
    expect(next.every((e) => e.taskId !== a)).toBe(true)
  })

  it('--peek prints without acknowledging; --limit prints (and acknowledges) that many', async () => {
    const board = await openBoard('cli-subs')
    await work(board, 'a')
    await work(board, 'b')
    const peek = () => kanbanJson<KanbanEvent[]>(board.name, 'events', '--subscriber', 'p', '--from', 'earliest', '--peek')
    expect(kinds(await peek())).toEqual(['created', 'completed', 'created', 'completed'])
    expect(await peek()).toHaveLength(4)
    expect(await kanbanJson<KanbanEvent[]>(board.name, 'events', '--subscriber', 'p', '--limit', '3')).toHaveLength(3)
    expect(kinds(await kanbanJson<KanbanEvent[]>(board.name, 'events', '--subscriber', 'p'))).toEqual(['completed'])
  })

  it('--kinds filters, and is kept with the subscriber', async () => {
    const board = await openBoard('cli-subs')
    await work(board, 'a')
    const done = await kanbanJson<KanbanEvent[]>(board.name, 'events', '--subscriber', 'done', '--kinds', 'completed,gave_up', '--from', 'earliest')
    expect(kinds(done)).toEqual(['completed'])
    await work(board, 'b')
    expect(kinds(await kanbanJson<KanbanEvent[]>(board.name, 'events', '--subscriber', 'done'))).toEqual(['completed'])
    const [info] = await kanbanJson<SubscriberInfo[]>(board.name, 'subscribers')
    expect(info).toMatchObject({ name: 'done', kinds: ['completed', 'gave_up'], cursor: 4, lag: 0 })
  })

  it('--follow prints and acknowledges page by page until SIGINT; the next call starts after', async () => {
    const board = await openBoard('cli-subs')
    await kanbanJson(board.name, 'subscribers', 'create', 'tail')
    const follower = startKanban(['events', '--subscriber', 'tail', '--follow', '--json', ...on(board.name)])
    await follower.waitFor(/as subscriber tail after #0/, 'stderr')
    const id = await work(board, 'while following')
    await follower.waitFor(/"kind":"completed"/)
    const evs = follower
      .stdout()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as KanbanEvent)
    expect(evs.map((e) => [e.taskId, e.kind])).toEqual([
      [id, 'created'],
      [id, 'completed'],
    ])
    follower.child.kill('SIGINT')
    expect(await follower.exited).toEqual({ code: 0, signal: null })
    // acknowledged as printed (the last page's ack may land just after the line: read the lag once it exited)
    const [info] = await kanbanJson<SubscriberInfo[]>(board.name, 'subscribers')
    expect(info).toMatchObject({ name: 'tail', cursor: evs[1]!.id, lag: 0 })
    expect(await kanbanJson<KanbanEvent[]>(board.name, 'events', '--subscriber', 'tail')).toEqual([])
  })
})

describe('kanban subscribers', () => {
  it('lists with cursor and lag; create, ack, delete', async () => {
    const board = await openBoard('cli-subs')
    await work(board, 'a')
    const created = await kanbanJson<SubscriberInfo>(board.name, 'subscribers', 'create', 'audit', '--from', 'earliest', '--kinds', 'created')
    expect(created).toMatchObject({ name: 'audit', kinds: ['created'], cursor: 0, lag: 2, ackedAt: null })
    await kanbanJson(board.name, 'subscribers', 'create', 'bell')
    const human = await kanban(board.name, 'subscribers')
    const lines = human.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^NAME\s+KINDS\s+CURSOR\s+LAG\s+ACKED$/)
    expect(lines[1]).toMatch(/^audit\s+created\s+0\s+2\s+-$/)
    expect(lines[2]).toMatch(/^bell\s+\*\s+2\s+0\s+-$/)

    const acked = await kanbanJson<{ ok: boolean; subscriber: SubscriberInfo }>(board.name, 'subscribers', 'ack', 'audit', '1')
    expect(acked).toMatchObject({ ok: true, subscriber: { cursor: 1, lag: 1 } })
    expect((await kanban(board.name, 'subscribers', 'ack', 'audit', '1')).stdout).toMatch(/audit: cursor #1, lag 1 \(unchanged/)
    expect((await kanban(board.name, 'subscribers', 'delete', 'audit')).stdout.trim()).toBe('audit: deleted')
    expect((await kanbanJson<SubscriberInfo[]>(board.name, 'subscribers')).map((s) => s.name)).toEqual(['bell'])
  })

  it('an unknown subscriber is exit 1; bad input exit 2 naming the flag or field; nothing written', async () => {
    const board = await openBoard('cli-subs')
    await work(board, 'a')
    await kanbanJson(board.name, 'subscribers', 'create', 'n')
    const before = await snapshot(board)
    const cases: [string[], number, RegExp][] = [
      [['subscribers', 'ack', 'nope', '1'], 1, /expected an existing subscriber, got "nope"/],
      [['subscribers', 'delete', 'nope'], 1, /refused: no subscriber nope/],
      [['subscribers', 'ack', 'n', '99'], 2, /eventId: expected an event id the board has written \(at most 2\), got 99/],
      [['subscribers', 'ack', 'n', 'x'], 2, /eventId: expected number, got "x"/],
      [['subscribers', 'rename', 'n'], 2, /expected "create", "ack" or "delete", got "rename"/],
      [['subscribers', 'create', 'N'], 2, /subscriber: name: expected a subscriber name/],
      [['events', '--subscriber', 'n', '--kinds', 'complete'], 2, /kinds\[0\]: expected an event kind \(created, .*\), got "complete"/],
      [['events', '--subscriber', 'x', '--from', 'start'], 2, /from: expected "latest", "earliest" or an event id, got "start"/],
      [['events', '--subscriber', 'n', '--task', 't1'], 2, /--task: not with --subscriber/],
      [['events', '--kinds', 'created'], 2, /--kinds: only with --subscriber <name>/],
      [['events', '--subscriber', 'n', '--follow', '--limit', '3'], 2, /--limit: not with --follow/],
    ]
    const results = await Promise.all(cases.map(([args]) => kanban(board.name, ...args)))
    results.forEach((r, i) => {
      expect(r.code, cases[i]![0].join(' ')).toBe(cases[i]![1])
      expect(r.stderr, cases[i]![0].join(' ')).toMatch(cases[i]![2])
    })
    expect(await snapshot(board)).toEqual(before)
  })
})

describe('kanban create-dag --batch-key', () => {
  it('a retry prints the same ids and writes nothing; other content under the key is exit 2', async () => {
    const board = await openBoard('cli-bk')
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kanban-cli-'))
    try {
      const file = path.join(dir, 'dag.json')
      const other = path.join(dir, 'other.json')
      await writeFile(
        file,
        JSON.stringify([
          { ref: 'build', title: 'Build' },
          { ref: 'test', title: 'Test', dependsOn: ['build'] },
        ]),
      )
      await writeFile(other, JSON.stringify([{ ref: 'build', title: 'Build it differently' }]))
      const ids = await kanbanJson<Record<string, string>>(board.name, 'create-dag', file, '--batch-key', 'release-7', '--created-by', 'ci')
      const before = await snapshot(board)
      expect(await kanbanJson(board.name, 'create-dag', file, '--batch-key', 'release-7', '--created-by', 'ci')).toEqual(ids)
      expect(await snapshot(board)).toEqual(before)
      const conflict = await kanban(board.name, 'create-dag', other, '--batch-key', 'release-7', '--created-by', 'ci')
      expect(conflict.code).toBe(2)
      expect(conflict.stderr).toMatch(/^kanban create-dag: createTasks: batchKey: expected the same nodes as the batch first created with "release-7"/)
      const bad = await kanban(board.name, 'create-dag', file, '--batch-key', 'has space')
      expect(bad.code).toBe(2)
      expect(bad.stderr).toMatch(/batchKey: expected a batch key/)
      expect(await snapshot(board)).toEqual(before)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
