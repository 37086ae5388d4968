/**
 * `kanban` task commands, run as a real child process: create (every flag), list (filters,
 * order, table), show, runs, update, assign, specify, comment, link/unlink, archive, delete.
 * Each checks what landed in Redis through a Board handle, and the `--json` shapes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Task } from '../../src/index.js'
import { openBoard, snapshot } from '../helpers/board.js'
import { kanban, kanbanJson } from '../helpers/cli.js'

describe('kanban create', () => {
  it('writes every field, prints the id (human) or the Task (--json)', async () => {
    const board = await openBoard('cli-create')
    const parent = await board.createTask({ title: 'parent' })
    const before = await board.now()
    const [full, triage, blocked, later] = await Promise.all([
      kanban(
        board.name,
        'create',
        '--title',
        '  Write the parser ',
        '--body',
        'see spec',
        '--assignee',
        'Coder',
        '--priority',
        '7',
        '--parent',
        parent,
        '--tenant',
        'acme',
        '--max-retries',
        '4',
        '--max-runtime-ms',
        '60000',
        '--idempotency-key',
        'k-1',
        '--metadata',
        '{"pr":12}',
        '--created-by',
        'alice',
      ),
      kanbanJson<Task>(board.name, 'create', '--title', 'triage me', '--triage'),
      kanbanJson<Task>(board.name, 'create', '--title', 'held', '--blocked'),
      kanbanJson<Task>(board.name, 'create', '--title', 'later', '--run-at', '+1h'),
    ])
    expect(full.code).toBe(0)
    expect(full.stdout).toMatch(/^t\d+\n$/)
    const id = full.stdout.trim()
    expect(await board.getTask(id)).toMatchObject({
      title: 'Write the parser',
      body: 'see spec',
      assignee: 'coder',
      priority: 7,
      parents: [parent],
      status: 'todo',
      tenant: 'acme',
      maxRetries: 4,
      maxRuntimeMs: 60000,
      idempotencyKey: 'k-1',
      metadata: { pr: 12 },
      createdBy: 'alice',
    })
    // --json prints the API's Task shape, read back from Redis
    expect(triage).toEqual(await board.getTask(triage.id))
    expect(triage.status).toBe('triage')
    expect(blocked).toMatchObject({ status: 'blocked', sticky: true })
    expect(later.status).toBe('scheduled')
    // +1h is measured on the Redis clock
    expect(later.runAt).toBeGreaterThanOrEqual(before + 3_600_000)
    expect(later.runAt).toBeLessThan(before + 3_600_000 + 15_000)

    // the same idempotency key (of the same tenant: keys are scoped per tenant) returns the
    // existing task and writes nothing
    const again = await kanban(board.name, 'create', '--title', 'dup', '--tenant', 'acme', '--idempotency-key', 'k-1')
    expect(again).toMatchObject({ code: 0, stdout: `${id}\n` })
    expect((await board.listTasks({ includeArchived: true })).map((t) => t.id)).toHaveLength(5)
  })
})

describe('kanban create-dag', () => {
  it('creates a DAG from YAML in one step; a cycle is refused with exit 2 and nothing written', async () => {
    const board = await openBoard('cli-dag')
    const existing = await board.createTask({ title: 'already there' })
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kanban-cli-'))
    try {
      const good = path.join(dir, 'dag.yaml')
      const bad = path.join(dir, 'cycle.json')
      await writeFile(
        good,
        `tasks:\n  - ref: build\n    title: Build\n    assignee: coder\n  - ref: test\n    title: Test\n    dependsOn: [build, ${existing}]\n`,
      )
      await writeFile(
        bad,
        JSON.stringify([
          { ref: 'x', title: 'x', dependsOn: ['y'] },
          { ref: 'y', title: 'y', dependsOn: ['x'] },
        ]),
      )
      const ids = await kanbanJson<Record<string, string>>(board.name, 'create-dag', good)
      expect(Object.keys(ids).sort()).toEqual(['build', 'test'])
      expect(await board.getTask(ids.build!)).toMatchObject({ title: 'Build', assignee: 'coder', status: 'ready' })
      expect(await board.getTask(ids.test!)).toMatchObject({ title: 'Test', status: 'todo', parents: [ids.build, existing].sort() })
      const before = await snapshot(board)
      const [cycle, missing] = await Promise.all([kanban(board.name, 'create-dag', bad), kanban(board.name, 'create-dag', path.join(dir, 'nope.json'))])
      expect(cycle.code).toBe(2)
      expect(cycle.stderr).toMatch(/expected an acyclic graph, got a cycle (x -> y -> x|y -> x -> y)/)
      expect(missing.code).toBe(2)
      expect(missing.stderr).toMatch(/cannot read ".*nope.json"/)
      expect(await snapshot(board)).toEqual(before)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('kanban list', () => {
  it('filters by status, assignee, tenant, archived; orders and limits; aligned table', async () => {
    const board = await openBoard('cli-list')
    const low = await board.createTask({ title: 'low', priority: 1, assignee: 'coder' })
    const high = await board.createTask({ title: 'high priority task', priority: 5, assignee: 'reviewer', tenant: 'x' })
    const gone = await board.createTask({ title: 'gone' })
    const fin = await board.createTask({ title: 'finished', assignee: 'coder' })
    await board.archiveTask(gone)
    await board.completeTask(fin)
    const [human, byStatus, byLane, all, limited, repeated, byTenant] = await Promise.all([
      kanban(board.name, 'list'),
      kanbanJson<Task[]>(board.name, 'list', '--status', 'ready,done'),
      kanbanJson<Task[]>(board.name, 'list', '--assignee', 'CODER'),
      kanbanJson<Task[]>(board.name, 'list', '--all', '--order', 'createdAt'),
      kanbanJson<Task[]>(board.name, 'list', '--limit', '1'),
      kanbanJson<Task[]>(board.name, 'list', '--status', 'done', '--status', 'archived'),
      kanbanJson<Task[]>(board.name, 'list', '--tenant', 'x'),
    ])
    expect(human.code).toBe(0)
    const lines = human.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+PRI\s+ASSIGNEE\s+FAIL\s+TITLE$/)
    // priority order, archived hidden, columns aligned under the header
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual([high, low, fin])
    expect(lines[1]).toMatch(new RegExp(`^${high}\\s+ready\\s+5\\s+reviewer\\s+0\\s+high priority task$`))
    const col = lines[0]!.indexOf('TITLE')
    for (const l of lines.slice(1)) expect(l.slice(col)).toMatch(/^\S/)

    expect(byStatus.map((t) => t.id)).toEqual([high, low, fin])
    expect(byLane.map((t) => t.id)).toEqual([low, fin])
    expect(all.map((t) => t.id)).toEqual([low, high, gone, fin])
    expect(limited.map((t) => t.id)).toEqual([high])
    expect(repeated.map((t) => [t.id, t.status])).toEqual([
      [gone, 'archived'],
      [fin, 'done'],
    ])
    expect(byTenant.map((t) => t.id)).toEqual([high])
  })
})

describe('kanban show / runs', () => {
  it('shows the task with parents, children, runs, comments and events', async () => {
    const board = await openBoard('cli-show')
    const p = await board.createTask({ title: 'parent' })
    const id = await board.createTask({ title: 'the task', body: 'line one\nline two', assignee: 'coder', parents: [p] })
    const kid = await board.createTask({ title: 'kid', parents: [id] })
    await board.completeTask(p, { result: 'parent result' })
    const c = (await board.claimTask(id, { claimer: 'w-9' }))!
    await board.addComment(id, { author: 'bob', body: 'looks good' })
    const [human, json, runs] = await Promise.all([kanban(board.name, 'show', id), kanbanJson(board.name, 'show', id), kanbanJson(board.name, 'runs', id)])
    expect(human.code).toBe(0)
    const out = human.stdout
    expect(out.split('\n')[0]).toBe(`${id}  the task`)
    expect(out).toMatch(/status\s+running/)
    expect(out).toMatch(new RegExp(`parents\\s+${p} \\(done\\)`))
    expect(out).toMatch(new RegExp(`children\\s+${kid} \\(todo\\)`))
    expect(out).toMatch(new RegExp(`open run\\s+${c.runId}, lease until \\d{4}-`))
    expect(out).toMatch(/failures\s+0\/2 \(limit from default\)/)
    expect(out).toContain('  line two')
    expect(out).toContain('bob: looks good')
    expect(out).toMatch(/^ {2}RUN\s+CLAIMER\s+LANE\s+STARTED\s+ENDED\s+OUTCOME\s+DETAIL$/m)
    expect(out).toMatch(new RegExp(`${c.runId}\\s+w-9\\s+coder\\s+\\S+\\s+-\\s+open`))
    expect(out).toMatch(/claimed\s+claimer=w-9/)

    expect(json.task).toEqual(await board.getTask(id))
    expect(json.parents).toEqual([{ id: p, status: 'done', title: 'parent' }])
    expect(json.children).toEqual([{ id: kid, status: 'todo', title: 'kid' }])
    expect(json.runs).toEqual(await board.runs(id))
    expect(json.comments).toEqual([expect.objectContaining({ author: 'bob', body: 'looks good' })])
    expect(json.events.map((e: { kind: string }) => e.kind)).toEqual((await board.events({ taskId: id })).map((e) => e.kind))
    expect(runs).toEqual(await board.runs(id))
  })
})

describe('kanban update / assign / specify / comment', () => {
  it('patches fields and clears them with "-"; refusals exit 1', async () => {
    const board = await openBoard('cli-edit')
    const id = await board.createTask({ title: 'old', assignee: 'coder', tenant: 'a', maxRetries: 3 })
    const tri = await board.createTask({ title: 'vague', triage: true })
    const busy = await board.createTask({ title: 'busy', assignee: 'coder' })
    await board.claimTask(busy, { claimer: 'w' })
    const [upd, specified, commented, assignRunning] = await Promise.all([
      kanbanJson(board.name, 'update', id, '--title', 'new title', '--priority', '3', '--metadata', '{"k":"v"}', '--max-runtime-ms', '5000'),
      kanban(board.name, 'specify', tri, '--title', 'clear now', '--assignee', 'Writer', '--author', 'pm'),
      kanbanJson(board.name, 'comment', id, '--author', 'ann', '--body', 'ping'),
      kanban(board.name, 'assign', busy, 'reviewer'),
    ])
    expect(upd.ok).toBe(true)
    expect(upd.task).toMatchObject({ id, title: 'new title', priority: 3, metadata: { k: 'v' }, maxRuntimeMs: 5000, tenant: 'a' })
    expect(await board.getTask(id)).toEqual(upd.task)
    expect(specified).toMatchObject({ code: 0, stdout: `${tri}: ready\n` })
    expect(await board.getTask(tri)).toMatchObject({ status: 'ready', title: 'clear now', assignee: 'writer' })
    expect(commented).toMatchObject({ ok: true, id, eventId: expect.any(Number) })
    expect(await board.comments(id)).toEqual([expect.objectContaining({ author: 'ann', body: 'ping' })])
    // assign is refused while running: exit 1, the task keeps its lane
    expect(assignRunning.code).toBe(1)
    expect(assignRunning.stderr).toMatch(new RegExp(`kanban assign: refused: task ${busy} is running`))
    expect((await board.getTask(busy))!.assignee).toBe('coder')

    const [cleared, assigned, sameAgain, specifyAgain] = await Promise.all([
      kanban(board.name, 'update', id, '--tenant', '-', '--max-retries', '-'),
      kanban(board.name, 'assign', tri, '-'),
      kanban(board.name, 'update', id, '--title', 'new title'),
      kanban(board.name, 'specify', tri),
    ])
    expect(cleared).toMatchObject({ code: 0, stdout: `${id}: ready\n` })
    expect(await board.getTask(id)).toMatchObject({ tenant: null, maxRetries: null })
    expect(assigned.code).toBe(0)
    expect((await board.getTask(tri))!.assignee).toBeNull()
    // nothing changed -> the API's false -> exit 1
    expect(sameAgain.code).toBe(1)
    expect(sameAgain.stderr).toMatch(/nothing changed/)
    expect(specifyAgain.code).toBe(1)
    expect(specifyAgain.stderr).toMatch(new RegExp(`task ${tri} is ready`))
    expect(await kanban(board.name, 'assign', id, 'Reviewer')).toMatchObject({ code: 0 })
    expect((await board.getTask(id))!.assignee).toBe('reviewer')
  })
})

describe('kanban link / unlink / archive / delete', () => {
  it('changes the graph and releases children', async () => {
    const board = await openBoard('cli-graph')
    const [p, c, p2, c2, lone] = await Promise.all(['p', 'c', 'p2', 'c2', 'lone'].map((title) => board.createTask({ title })))
    await board.linkTasks(p2!, c2!)
    const [linked, archived, deleted, missing] = await Promise.all([
      kanban(board.name, 'link', p!, c!),
      kanban(board.name, 'archive', p2!),
      kanbanJson(board.name, 'delete', lone!),
      kanban(board.name, 'delete', 't999'),
    ])
    // linking an unsatisfied parent demotes the ready child
    expect(linked).toMatchObject({ code: 0, stdout: `${p} -> ${c} linked; ${c}: todo\n` })
    expect(await board.parents(c!)).toEqual([p])
    // archiving a parent satisfies its child
    expect(archived).toMatchObject({ code: 0, stdout: `${p2}: archived\n` })
    expect((await board.getTask(c2!))!.status).toBe('ready')
    expect(deleted).toEqual({ ok: true, id: lone })
    expect(await board.getTask(lone!)).toBeNull()
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/expected an existing task id, got "t999"/)

    const [again, cycle, archivedAgain] = await Promise.all([
      kanban(board.name, 'link', p!, c!),
      kanban(board.name, 'link', c!, p!),
      kanban(board.name, 'archive', p2!),
    ])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/already linked/)
    expect(cycle.code).toBe(2)
    expect(cycle.stderr).toContain(`cycle ${c} -> ${p} -> ${c}`)
    expect(archivedAgain.code).toBe(1)
    expect(archivedAgain.stderr).toMatch(new RegExp(`refused: task ${p2} is archived`))

    // unlinking the last unsatisfied parent promotes the child
    const unlinked = await kanbanJson(board.name, 'unlink', p!, c!)
    expect(unlinked).toMatchObject({ ok: true, parent: p, child: c, task: { id: c, status: 'ready', parents: [] } })
    expect(await kanban(board.name, 'unlink', p!, c!)).toMatchObject({ code: 1, stderr: expect.stringMatching(/not linked/) })
  })
})
