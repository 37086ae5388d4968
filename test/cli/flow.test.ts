/**
 * `kanban` lifecycle commands as a real child process: claim / heartbeat / complete with
 * run-id fencing (and the immediate enqueue of promoted children), block / unblock,
 * schedule, promote, reclaim, review / request-changes, fail (the breaker), recompute,
 * config, explain, stats and dispatch-once.
 */
import { describe, expect, it } from 'vitest'
import type { Claim } from '../../src/index.js'
import { openBoard } from '../helpers/board.js'
import { kanban, kanbanJson, on, run } from '../helpers/cli.js'
import { boardContext } from '../../src/context.js'

describe('kanban claim / heartbeat / complete', () => {
  it('fences writes by run id and enqueues promoted children at once', async () => {
    const board = await openBoard('cli-flow')
    const id = await board.createTask({ title: 'parent', assignee: 'coder' })
    const child = await board.createTask({ title: 'child', assignee: 'coder', parents: [id] })

    const claim = await kanbanJson<Claim>(board.name, 'claim', id, '--claimer', 'w-1', '--ttl-ms', '20000')
    expect(claim).toEqual({ taskId: id, runId: expect.stringMatching(/^r\d+$/), leaseExpiresAt: expect.any(Number) })
    const t = (await board.getTask(id))!
    expect(t).toMatchObject({ status: 'running', currentRunId: claim.runId, leaseExpiresAt: claim.leaseExpiresAt })

    const [again, beat, staleBeat, staleDone] = await Promise.all([
      kanban(board.name, 'claim', id),
      kanban(board.name, 'heartbeat', '--task', id, '--run', claim.runId, '--note', 'half way'),
      kanban(board.name, 'heartbeat', '--task', id, '--run', 'r999'),
      kanban(board.name, 'complete', '--task', id, '--run', 'r999', '--result', 'nope'),
    ])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(new RegExp(`kanban claim: refused: task ${id} is running`))
    expect(beat.code).toBe(0)
    expect(beat.stdout).toMatch(new RegExp(`^${id}: lease until \\d{4}-`))
    const hb = (await board.events({ taskId: id })).filter((e) => e.kind === 'heartbeat')
    expect(hb.map((e) => [e.runId, e.payload?.note])).toEqual([[claim.runId, 'half way']])
    for (const r of [staleBeat, staleDone]) {
      expect(r.code).toBe(1)
      expect(r.stderr).toContain(`run r999 is not the open run of ${id} (${claim.runId}; status running)`)
    }
    expect((await board.getTask(id))!.status).toBe('running')

    const done = await kanbanJson(board.name, 'complete', '--task', id, '--run', claim.runId, '--result', 'built', '--summary', 'all green\nmore')
    expect(done).toMatchObject({ ok: true, task: { id, status: 'done', result: 'built', currentRunId: null } })
    const completed = (await board.events({ taskId: id })).filter((e) => e.kind === 'completed')
    expect(completed.map((e) => [e.runId, e.payload?.summary])).toEqual([[claim.runId, 'all green']])
    // the child was promoted in the same step, and the CLI handed it to BullMQ before exiting
    expect((await board.getTask(child))!.status).toBe('ready')
    const jobs = await (await boardContext(board).lanes.get('coder')).getJobs(['waiting', 'prioritized'])
    expect(jobs.map((j) => j.data.taskIds)).toEqual([[child]])

    // completing a done task is refused by state
    const twice = await run(['complete', id, '--json', ...on(board.name)])
    expect(twice.code).toBe(1)
    expect(JSON.parse(twice.stdout)).toMatchObject({ ok: false, task: { id, status: 'done' } })
  })

  it('a worker subprocess reads its context and reports through $KANBAN_TASK / $KANBAN_RUN_ID', async () => {
    const board = await openBoard('cli-env')
    const id = await board.createTask({ title: 'env' })
    const c = (await board.claimTask(id, { claimer: 'w' }))!
    await board.addComment(id, { author: 'pm', body: 'mind the edge cases' })
    const [wrongRun, blank, context] = await Promise.all([
      run(['complete', '--result', 'x', ...on(board.name)], { env: { KANBAN_TASK: id, KANBAN_RUN_ID: 'r999' } }),
      run(['complete', ...on(board.name)]),
      run(['context', '--json', ...on(board.name)], { env: { KANBAN_TASK: id } }),
    ])
    // the worker's view of its task: workerContext's shape
    expect(JSON.parse(context.stdout)).toEqual(await board.workerContext(id))
    expect(wrongRun.code).toBe(1)
    expect(blank.code).toBe(2)
    expect(blank.stderr).toMatch(/missing the task id/)
    const ok = await run(['complete', '--result', 'from env', ...on(board.name)], { env: { KANBAN_TASK: id, KANBAN_RUN_ID: c.runId } })
    expect(ok).toMatchObject({ code: 0, stdout: `${id}: done\n` })
    expect((await board.runs(id)).map((r) => [r.id, r.outcome])).toEqual([[c.runId, 'completed']])
  })
})

describe('kanban block / unblock / schedule / promote / reclaim', () => {
  it('sticky blocks survive recompute; operators release, park, force and take back', async () => {
    const board = await openBoard('cli-ops')
    const a = await board.createTask({ title: 'a', assignee: 'coder' })
    const b = await board.createTask({ title: 'b', assignee: 'coder' })
    const gate = await board.createTask({ title: 'gate' })
    const waiting = await board.createTask({ title: 'waits', parents: [gate] })
    const ra = (await board.claimTask(a, { claimer: 'w' }))!.runId
    const rb = (await board.claimTask(b, { claimer: 'w' }))!.runId

    const [blocked, promoteRefused, scheduled, reclaimed] = await Promise.all([
      kanban(board.name, 'block', '--task', a, '--run', ra, '--reason', 'need an API key', '--kind', 'needs_input'),
      kanban(board.name, 'promote', waiting),
      kanbanJson(board.name, 'schedule', gate, '--run-at', '+1h', '--reason', 'tomorrow'),
      kanban(board.name, 'reclaim', b, '--reason', 'stuck'),
    ])
    expect(blocked).toMatchObject({ code: 0, stdout: `${a}: blocked\n` })
    expect(await board.getTask(a)).toMatchObject({ status: 'blocked', sticky: true, blockKind: 'needs_input', blockReason: 'need an API key' })
    expect(promoteRefused.code).toBe(1)
    expect(promoteRefused.stderr).toMatch(/unfinished parents \(use --force\)/)
    expect(scheduled).toMatchObject({ ok: true, task: { id: gate, status: 'scheduled', runAt: expect.any(Number) } })
    expect(reclaimed).toMatchObject({ code: 0, stdout: `${b}: ready\n` })
    expect((await board.runs(b)).map((r) => [r.id, r.outcome])).toEqual([[rb, 'reclaimed']])

    // a sticky block is not released by the sweep
    expect(await kanbanJson(board.name, 'recompute')).toEqual({ promoted: 0 })
    expect((await board.getTask(a))!.status).toBe('blocked')

    const [unblocked, unscheduled, forced] = await Promise.all([
      kanban(board.name, 'unblock', a, '--actor', 'ops'),
      kanban(board.name, 'unblock', gate),
      kanban(board.name, 'promote', waiting, '--force', '--reason', 'ship it', '--actor', 'lead'),
    ])
    expect(unblocked.stdout).toBe(`${a}: ready\n`)
    expect(await board.getTask(a)).toMatchObject({ status: 'ready', sticky: false })
    expect(unscheduled.stdout).toBe(`${gate}: ready\n`)
    expect(forced.stdout).toBe(`${waiting}: ready\n`)
    const pm = (await board.events({ taskId: waiting })).find((e) => e.kind === 'promoted_manual')
    expect(pm?.payload).toMatchObject({ actor: 'lead', reason: 'ship it', force: true })
    // unblock of a ready task is refused by state
    expect((await kanban(board.name, 'unblock', a)).code).toBe(1)
  })

  it('review sends a task to a reviewer lane; request-changes sends it back', async () => {
    const board = await openBoard('cli-review')
    const id = await board.createTask({ title: 'pr', assignee: 'coder' })
    const r1 = (await board.claimTask(id, { claimer: 'w' }))!.runId
    const rev = await kanban(board.name, 'review', '--task', id, '--run', r1, '--reviewer', 'qa', '--summary', 'please look')
    expect(rev).toMatchObject({ code: 0, stdout: `${id}: review\n` })
    expect(await board.getTask(id)).toMatchObject({ status: 'review', assignee: 'qa' })
    const back = await kanban(board.name, 'request-changes', id, '--reason', 'tests missing')
    expect(back).toMatchObject({ code: 0, stdout: `${id}: ready\n` })
    expect(await board.getTask(id)).toMatchObject({ status: 'ready', assignee: 'coder' })
    const kinds = (await board.events({ taskId: id })).map((e) => e.kind)
    expect(kinds).toEqual(expect.arrayContaining(['review_requested', 'changes_requested']))
  })
})

describe('kanban fail / config / recompute / explain', () => {
  it('trips the breaker at the configured limit and recovers when the limit is raised', async () => {
    const board = await openBoard('cli-breaker')
    const set = await kanbanJson(board.name, 'config', 'set', 'failureLimit=2', 'claimTtlMs=30000', 'defaultAssignee=Coder')
    expect(set).toEqual(await board.settings())
    expect(set).toMatchObject({ failureLimit: 2, failureLimitSource: 'board', claimTtlMs: 30000, defaultAssignee: 'coder' })
    const id = await board.createTask({ title: 'flaky', assignee: 'coder' })

    const r1 = (await board.claimTask(id, { claimer: 'w' }))!.runId
    const f1 = await kanbanJson(board.name, 'fail', '--task', id, '--run', r1, '--outcome', 'crashed', '--error', 'boom 1')
    expect(f1).toEqual({ tripped: false, failures: 1, limit: 2, limitSource: 'board' })
    const r2 = (await board.claimTask(id, { claimer: 'w' }))!.runId
    const f2 = await kanban(board.name, 'fail', id, '--run', r2, '--outcome', 'timed_out', '--error', 'boom 2')
    expect(f2).toMatchObject({ code: 0, stdout: `${id}: breaker tripped at 2/2 (limit from board); status blocked\n` })
    expect(await board.getTask(id)).toMatchObject({ status: 'blocked', sticky: false, consecutiveFailures: 2 })

    const [text, data, stale] = await Promise.all([
      kanban(board.name, 'explain', id),
      kanbanJson(board.name, 'explain', id),
      kanban(board.name, 'fail', '--task', id, '--run', r2, '--outcome', 'crashed', '--error', 'late'),
    ])
    expect(text.stdout).toBe(`${id} blocked\n${(await board.explain(id)).text}\n`)
    expect(text.stdout).toContain('circuit breaker open at 2/2 failures (limit from board)')
    expect(data).toEqual(await board.explain(id))
    expect(data.reasons[0]).toMatchObject({ code: 'breaker_open', data: { failures: 2, limit: 2, limitSource: 'board' } })
    // a stale run id is refused by state (STALE_RUN): exit 1, nothing counted
    expect(stale.code).toBe(1)
    expect(stale.stderr).toMatch(/runId: expected the open run/)
    expect((await board.getTask(id))!.consecutiveFailures).toBe(2)

    await kanban(board.name, 'config', 'set', 'failureLimit=5')
    expect(await kanbanJson(board.name, 'recompute')).toEqual({ promoted: 1 })
    expect(await board.getTask(id)).toMatchObject({ status: 'ready', consecutiveFailures: 2 })

    const human = await kanban(board.name, 'config', 'unset', 'failureLimit', 'defaultAssignee')
    expect(await board.settings()).toMatchObject({ failureLimit: 2, failureLimitSource: 'default', defaultAssignee: null, claimTtlMs: 30000 })
    expect(human.stdout).toMatch(/^failureLimit\s+2\s+\(default\)$/m)
    expect(human.stdout).toMatch(/^claimTtlMs\s+30000$/m)
    expect(human.stdout).toMatch(/^defaultAssignee\s+-$/m)
  })
})

describe('kanban stats / dispatch-once', () => {
  it('counts per status at a glance; one tick enqueues the ready tasks', async () => {
    const board = await openBoard('cli-stats')
    const ids = await Promise.all([
      board.createTask({ title: 'one', assignee: 'coder' }),
      board.createTask({ title: 'two', assignee: 'coder', priority: 3 }),
      board.createTask({ title: 'nobody' }),
      board.createTask({ title: 'stuck', initialStatus: 'blocked' }),
      board.createTask({ title: 'think', triage: true }),
    ])
    await board.completeTask(ids[0]!)
    const [json, human] = await Promise.all([kanbanJson(board.name, 'stats'), kanban(board.name, 'stats')])
    expect(json).toEqual(await board.stats())
    expect(json).toMatchObject({ total: 5, byStatus: { ready: 2, done: 1, blocked: 1, triage: 1 }, stickyBlocked: 1 })
    expect(human.stdout).toMatch(/^tasks: 5$/m)
    expect(human.stdout).toMatch(/^ {2}ready\s+2$/m)
    expect(human.stdout).toMatch(/^ {2}done\s+1$/m)
    expect(human.stdout).toMatch(/^blocked: 1 sticky, 0 by the breaker$/m)

    const tick = await kanbanJson(board.name, 'dispatch-once')
    expect(tick).toMatchObject({ enqueued: 1, skippedUnassigned: 1, skippedLocked: false, reclaimed: 0, promoted: 0 })
    expect(Object.keys(tick).sort()).toEqual(
      [
        'archived',
        'autoBlocked',
        'deleted',
        'enqueued',
        'eventsTrimmed',
        'ids',
        'promoted',
        'reclaimed',
        'released',
        'requeued',
        'skippedCapped',
        'skippedCooldown',
        'skippedPaused',
        'skippedLocked',
        'skippedUnassigned',
        'stale',
        'timedOut',
      ].sort(),
    )
    const jobs = await (await boardContext(board).lanes.get('coder')).getJobs(['waiting', 'prioritized'])
    expect(jobs.map((j) => j.data.taskIds)).toEqual([[ids[1]]])
    const again = await kanban(board.name, 'dispatch-once')
    expect(again.stdout).toMatch(/^reclaimed=0 stale=0 .*enqueued=0 .*skippedUnassigned=1/)
  })
})
