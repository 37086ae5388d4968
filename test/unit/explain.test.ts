import { describe, expect, it } from 'vitest'
import { explainTask } from '../../src/explain.js'
import type { BoardSettings, Task } from '../../src/types.js'

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0)
const iso = (ms: number) => new Date(ms).toISOString()

function task(over: Partial<Task> = {}): Task {
  return {
    id: 't1',
    title: 'task',
    body: null,
    assignee: 'coder',
    status: 'ready',
    priority: 0,
    tenant: null,
    createdBy: null,
    createdAt: NOW - 60_000,
    startedAt: null,
    completedAt: null,
    result: null,
    idempotencyKey: null,
    consecutiveFailures: 0,
    lastFailureError: null,
    maxRetries: null,
    maxRuntimeMs: null,
    currentRunId: null,
    leaseExpiresAt: null,
    lastHeartbeatAt: null,
    blockKind: null,
    blockReason: null,
    blockRecurrences: 0,
    sticky: false,
    runAt: null,
    cooldownUntil: null,
    cooldownReason: null,
    retryBackoffMs: null,
    metadata: {},
    parents: [],
    ...over,
  }
}

const settings = (over: Partial<BoardSettings> = {}): BoardSettings => ({
  failureLimit: 2,
  failureLimitSource: 'default',
  blockRecurrenceLimit: 2,
  claimTtlMs: 60_000,
  rateLimitCooldownMs: 300_000,
  staleTimeoutMs: 0,
  maxInProgress: 0,
  maxInProgressPerAssignee: 0,
  defaultAssignee: null,
  taskEventsMax: 1000,
  eventStreamMax: 100_000,
  tasksPerJob: 50,
  batchKeyTtlMs: 86_400_000,
  retryBackoffMs: 1000,
  retryBackoffMaxMs: 300_000,
  archiveDoneAfterMs: null,
  deleteArchivedAfterMs: null,
  eventStreamRetentionMs: null,
  ...over,
})

const codes = (t: Task, parents: Task[] = [], s = settings()) => explainTask(t, parents, s, NOW).reasons.map((r) => r.code)

describe('explainTask', () => {
  it('a ready, assigned task with satisfied parents is runnable', () => {
    const parents = [task({ id: 'p1', status: 'done' }), task({ id: 'p2', status: 'archived' })]
    const e = explainTask(task(), parents, settings(), NOW)
    expect(e).toEqual({
      id: 't1',
      status: 'ready',
      runnable: true,
      reasons: [{ code: 'runnable', message: 'ready: the next dispatch hands it to a worker', data: {} }],
      text: 'ready: the next dispatch hands it to a worker',
    })
  })

  it('waiting on parents lists only the unsatisfied ones', () => {
    const parents = [task({ id: 'p1', status: 'done' }), task({ id: 'p2', status: 'running', title: 'build' })]
    const e = explainTask(task({ status: 'todo' }), parents, settings(), NOW)
    expect(e.runnable).toBe(false)
    expect(e.reasons).toEqual([
      {
        code: 'waiting_on_parents',
        message: 'waiting on 1 parent(s): p2 (running)',
        data: { parents: [{ id: 'p2', status: 'running', title: 'build' }] },
      },
    ])
  })

  it('a sticky block says who releases it, with the reason and kind', () => {
    const e = explainTask(task({ status: 'blocked', sticky: true, blockReason: 'need creds', blockKind: 'needs_input' }), [], settings(), NOW)
    expect(e.reasons).toEqual([
      {
        code: 'sticky_block',
        message: 'blocked by a worker or operator (sticky): need creds; only kanban unblock t1 releases it',
        data: { reason: 'need creds', kind: 'needs_input' },
      },
    ])
    expect(explainTask(task({ status: 'blocked', sticky: true }), [], settings(), NOW).text).toContain('no reason given')
  })

  it('breaker open at failures >= limit, naming where the limit came from', () => {
    const t = task({ status: 'blocked', consecutiveFailures: 3, lastFailureError: 'segfault' })
    const board = explainTask(t, [], settings({ failureLimit: 3, failureLimitSource: 'board' }), NOW)
    expect(board.reasons[0]).toEqual({
      code: 'breaker_open',
      message: 'circuit breaker open at 3/3 failures (limit from board); last error: segfault; raise the limit, unblock or reclaim it',
      data: { failures: 3, limit: 3, limitSource: 'board', lastError: 'segfault' },
    })
    // the task's own maxRetries wins over the board (same order as the Lua resolver)
    const own = explainTask(task({ ...t, maxRetries: 5 }), [], settings({ failureLimit: 3, failureLimitSource: 'board' }), NOW)
    expect(own.reasons[0]).toMatchObject({ code: 'breaker_recoverable', data: { failures: 3, limit: 5, limitSource: 'task' } })
    const dflt = explainTask(task({ ...t, consecutiveFailures: 2 }), [], settings(), NOW)
    expect(dflt.reasons[0]).toMatchObject({ code: 'breaker_open', data: { limit: 2, limitSource: 'default' } })
  })

  it('a breaker block below its limit is recoverable by the next recompute', () => {
    const e = explainTask(task({ status: 'blocked', consecutiveFailures: 1 }), [], settings(), NOW)
    expect(e.reasons[0]).toEqual({
      code: 'breaker_recoverable',
      message: 'breaker block below the limit (1/2): the next recompute releases it',
      data: { failures: 1, limit: 2, limitSource: 'default' },
    })
  })

  it('running: the run and its lease', () => {
    const e = explainTask(task({ status: 'running', currentRunId: 'r4', leaseExpiresAt: NOW + 5000, lastHeartbeatAt: NOW }), [], settings(), NOW)
    expect(e.runnable).toBe(false)
    expect(e.reasons).toEqual([
      {
        code: 'running',
        message: `running as run r4, lease until ${iso(NOW + 5000)}`,
        data: { runId: 'r4', leaseExpiresAt: NOW + 5000, lastHeartbeatAt: NOW },
      },
    ])
  })

  it('scheduled with and without a time', () => {
    expect(explainTask(task({ status: 'scheduled', runAt: NOW + 1000 }), [], settings(), NOW).text).toBe(`scheduled until ${iso(NOW + 1000)}`)
    expect(explainTask(task({ status: 'scheduled' }), [], settings(), NOW).text).toBe('scheduled with no time: released only by kanban unblock t1')
  })

  it('triage, done, archived', () => {
    expect(explainTask(task({ status: 'triage', blockReason: 'looped', blockKind: 'capability', blockRecurrences: 2 }), [], settings(), NOW).reasons).toEqual([
      {
        code: 'triage',
        message: 'in triage: a human must specify it (kanban specify t1); block loop: 2 blocks of kind capability (limit 2); last block: looped',
        data: { blockKind: 'capability', blockRecurrences: 2, blockRecurrenceLimit: 2 },
      },
    ])
    // an untyped loop, at a board limit of 3; a task created in triage has no loop
    expect(explainTask(task({ status: 'triage', blockRecurrences: 3 }), [], settings({ blockRecurrenceLimit: 3 }), NOW).text).toBe(
      'in triage: a human must specify it (kanban specify t1); block loop: 3 blocks of kind (none) (limit 3)',
    )
    expect(explainTask(task({ status: 'triage' }), [], settings(), NOW).text).toBe('in triage: a human must specify it (kanban specify t1)')
    expect(explainTask(task({ status: 'done', completedAt: NOW }), [], settings(), NOW).text).toBe(`done at ${iso(NOW)}`)
    expect(codes(task({ status: 'archived' }))).toEqual(['archived'])
  })

  it('a cooldown in the future holds a ready task back; one in the past does not', () => {
    const cooling = explainTask(task({ cooldownUntil: NOW + 1 }), [], settings(), NOW)
    expect(cooling.runnable).toBe(false)
    expect(cooling.reasons).toEqual([{ code: 'cooldown', message: `rate-limited: cooling down until ${iso(NOW + 1)}`, data: { until: NOW + 1 } }])
    expect(codes(task({ cooldownUntil: NOW }))).toEqual(['runnable'])
  })

  it('unassigned ready work with no default lane is not runnable; a default lane makes it so', () => {
    const t = task({ assignee: null })
    expect(codes(t)).toEqual(['unassigned'])
    expect(explainTask(t, [], settings(), NOW).runnable).toBe(false)
    expect(codes(t, [], settings({ defaultAssignee: 'coder' }))).toEqual(['runnable'])
  })

  it('review waits for a reviewer lane and is runnable (dispatched like ready)', () => {
    const e = explainTask(task({ status: 'review', assignee: 'reviewer' }), [], settings(), NOW)
    expect(e.runnable).toBe(true)
    expect(e.reasons).toEqual([{ code: 'review', message: 'waiting for a reviewer in lane reviewer', data: { assignee: 'reviewer' } }])
  })

  it('a ready task already handed to BullMQ is queued, still runnable', () => {
    const x = explainTask(task(), [], settings(), NOW, { queued: true, laneInFlight: 1, boardInFlight: 1 })
    expect(x.reasons.map((r) => r.code)).toEqual(['queued'])
    expect(x.runnable).toBe(true)
    expect(x.text).toMatch(/handed to BullMQ \(lane coder\)/)
  })

  it('lane and board caps: at capacity holds a ready task back, naming n/cap', () => {
    const capped = settings({ maxInProgressPerAssignee: 2, maxInProgress: 5 })
    const lane = explainTask(task(), [], capped, NOW, { queued: false, laneInFlight: 2, boardInFlight: 3 })
    expect(lane.reasons.map((r) => r.code)).toEqual(['lane_at_capacity'])
    expect(lane.reasons[0]!.data).toEqual({ lane: 'coder', inFlight: 2, cap: 2 })
    expect(lane.runnable).toBe(false)
    expect(lane.text).toBe('lane coder is at capacity: 2/2 in progress')
    const board = explainTask(task(), [], capped, NOW, { queued: false, laneInFlight: 1, boardInFlight: 5 })
    expect(board.reasons.map((r) => r.code)).toEqual(['board_at_capacity'])
    expect(board.text).toBe('the board is at capacity: 5/5 in progress')
    // below both caps: runnable
    expect(explainTask(task(), [], capped, NOW, { queued: false, laneInFlight: 1, boardInFlight: 4 }).runnable).toBe(true)
    // no caps configured: never "at capacity", however much is in flight
    expect(codes(task())).toEqual(['runnable'])
  })

  it('a paused lane or board: not runnable, says by whom, since when and why, and how to resume', () => {
    const since = Date.UTC(2026, 0, 2, 3, 4, 5)
    const lane = explainTask(task(), [], settings(), NOW, {
      queued: false,
      laneInFlight: 0,
      boardInFlight: 0,
      paused: { lane: 'coder', by: 'alice', reason: 'bad deploy', since },
    })
    expect(lane.runnable).toBe(false)
    expect(lane.reasons).toEqual([
      {
        code: 'paused',
        message: 'lane coder is paused by alice since 2026-01-02T03:04:05.000Z: bad deploy; kanban resume --lane coder lets it run',
        data: { lane: 'coder', by: 'alice', since, reason: 'bad deploy' },
      },
    ])
    const board = explainTask(task(), [], settings(), NOW, {
      queued: false,
      laneInFlight: 0,
      boardInFlight: 0,
      paused: { lane: null, by: 'bob', reason: null, since },
    })
    expect(board.text).toBe('the board is paused by bob since 2026-01-02T03:04:05.000Z; kanban resume lets it run')
    // a task already in BullMQ may still run: queued, not paused
    const queued = explainTask(task(), [], settings(), NOW, {
      queued: true,
      laneInFlight: 1,
      boardInFlight: 1,
      paused: { lane: null, by: 'bob', reason: null, since },
    })
    expect(queued.reasons.map((r) => r.code)).toEqual(['queued'])
  })

  it('several reasons are all given, one line each in text', () => {
    const parents = [task({ id: 'p9', status: 'blocked' })]
    const e = explainTask(task({ status: 'ready', assignee: null, cooldownUntil: NOW + 10 }), parents, settings(), NOW)
    expect(e.reasons.map((r) => r.code)).toEqual(['waiting_on_parents', 'cooldown', 'unassigned'])
    expect(e.text.split('\n')).toHaveLength(3)
    expect(e.runnable).toBe(false)
  })

  it('is pure: the same inputs give the same answer and are not modified', () => {
    const t = task({ status: 'blocked', consecutiveFailures: 2 })
    const frozen = JSON.stringify(t)
    expect(explainTask(t, [], settings(), NOW)).toEqual(explainTask(t, [], settings(), NOW))
    expect(JSON.stringify(t)).toBe(frozen)
  })
})
