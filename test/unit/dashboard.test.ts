/**
 * The dashboard's pure parts: which actions a status and a role allow, the API calls and the
 * CLI command each makes, the retry backoff as the task page says it, the board's columns for
 * a query, the hash routes, and how graph reads merge. (That the commands run is
 * test/cli/dashboardCommands.test.ts; the page itself is test/browser/.)
 */
import { describe, expect, it } from 'vitest'
import { ACTIONS, ACTION_NAMES, actionsFor, bulkCli, cliLine, initialValues, plan, shellWord } from '../../dashboard/src/actions.js'
import { backoffSetting, backoffText, retryBackoff } from '../../dashboard/src/backoff.js'
import { blockingEdges, mergeReads, nextBoardStep, shapeKey } from '../../dashboard/src/graph/model.js'
import { href, parseHash } from '../../dashboard/src/paths.js'
import { columnsFor } from '../../dashboard/src/search.js'
import type { GraphData, GraphNode } from '../../dashboard/src/types.js'
import { explainTask } from '../../src/explain.js'
import { STATUSES, type BoardSettings, type Status, type Task } from '../../src/index.js'

function task(over: Partial<Task> = {}): Task {
  return {
    id: 't1',
    title: 'Build',
    body: null,
    assignee: 'coder',
    status: 'ready',
    priority: 0,
    tenant: null,
    createdBy: null,
    createdAt: 0,
    startedAt: null,
    completedAt: null,
    result: null,
    idempotencyKey: null,
    consecutiveFailures: 0,
    lastFailureError: null,
    maxRetries: null,
    maxRuntimeMs: null,
    retryBackoffMs: null,
    cooldownReason: null,
    currentRunId: null,
    leaseExpiresAt: null,
    lastHeartbeatAt: null,
    blockKind: null,
    blockReason: null,
    blockRecurrences: 0,
    sticky: false,
    runAt: null,
    cooldownUntil: null,
    metadata: {},
    parents: [],
    ...over,
  }
}

const names = (t: Task, role: 'viewer' | 'operator' | 'admin' | null) => actionsFor(t, role).map((a) => a.name)

describe('actions by status and role', () => {
  it('a viewer (or nobody) gets no action in any status', () => {
    for (const status of STATUSES) {
      expect(names(task({ status }), 'viewer')).toEqual([])
      expect(names(task({ status }), null)).toEqual([])
    }
  })

  it('an operator gets what the status allows', () => {
    const op = (over: Partial<Task>) => names(task(over), 'operator')
    expect(op({ status: 'blocked', sticky: true })).toEqual(['unblock', 'promote', 'complete', 'assign', 'comment', 'archive', 'delete'])
    expect(op({ status: 'blocked', sticky: false })).toEqual(['unblock', 'raise-limit', 'promote', 'complete', 'assign', 'comment', 'archive', 'delete'])
    expect(op({ status: 'triage' })).toEqual(['specify', 'assign', 'comment', 'archive', 'delete'])
    expect(op({ status: 'review' })).toEqual(['request-changes', 'assign', 'comment', 'archive', 'delete'])
    expect(op({ status: 'running' })).toEqual(['reclaim', 'block', 'comment', 'archive', 'delete'])
    expect(op({ status: 'done' })).toEqual(['rerun', 'comment', 'archive', 'delete'])
    expect(op({ status: 'archived' })).toEqual(['comment', 'delete'])
    // an admin may do what an operator may
    for (const status of STATUSES) expect(names(task({ status }), 'admin')).toEqual(names(task({ status }), 'operator'))
  })

  it('every action names the statuses the library accepts it from', () => {
    for (const n of ACTION_NAMES) for (const s of ACTIONS[n].from) expect(STATUSES).toContain(s as Status)
  })
})

describe('plans: API calls and the same as kanban commands', () => {
  const p = (name: keyof typeof ACTIONS, t: Task, values: Record<string, string | boolean> = {}) => plan(ACTIONS[name], t, values, 'main', 'ada')

  it('unblock with a note comments first, then unblocks', () => {
    const r = p('unblock', task({ status: 'blocked', sticky: true }), { note: "key's in the vault" })
    expect(r.calls).toEqual([
      { kind: 'comment', body: "key's in the vault" },
      { kind: 'act', action: 'unblock', body: {} },
    ])
    expect(cliLine(r)).toBe(`kanban --board main comment t1 --body 'key'\\''s in the vault' --author ada && kanban --board main unblock t1 --actor ada`)
  })

  it('specify sends only the fields that changed', () => {
    const t = task({ status: 'triage', title: 'Vague', body: 'b' })
    const r = p('specify', t, { ...initialValues(ACTIONS.specify, t, 2), title: 'Clear title', assignee: 'writer' })
    expect(r.calls).toEqual([{ kind: 'act', action: 'specify', body: { title: 'Clear title', assignee: 'writer' } }])
    expect(r.cli).toEqual(["kanban --board main specify t1 --title 'Clear title' --assignee writer --author ada"])
  })

  it('raise the limit sets maxRetries above the failures', () => {
    const t = task({ status: 'blocked', consecutiveFailures: 3, maxRetries: 3 })
    const v = initialValues(ACTIONS['raise-limit'], t, 2)
    expect(v.maxRetries).toBe('4')
    const r = p('raise-limit', t, v)
    expect(r.calls).toEqual([{ kind: 'update', body: { maxRetries: 4 } }])
    expect(r.cli).toEqual(['kanban --board main update t1 --max-retries 4'])
  })

  it('request changes, promote, reclaim, complete, block, assign, comment, archive, delete', () => {
    expect(p('request-changes', task({ status: 'review' }), { reason: 'add tests' }).cli).toEqual([
      "kanban --board main request-changes --task t1 --reason 'add tests'",
    ])
    expect(p('promote', task({ status: 'todo' }), { force: true, reason: 'hotfix' })).toEqual({
      calls: [{ kind: 'act', action: 'promote', body: { reason: 'hotfix', force: true } }],
      cli: ['kanban --board main promote t1 --force --reason hotfix --actor ada'],
    })
    expect(p('reclaim', task({ status: 'running' })).cli).toEqual(['kanban --board main reclaim t1'])
    expect(p('complete', task(), { result: 'by hand' }).calls).toEqual([{ kind: 'act', action: 'complete', body: { result: 'by hand' } }])
    expect(p('block', task(), { reason: 'wait', kind: 'needs_input' }).cli).toEqual(['kanban --board main block t1 --reason wait --kind needs_input'])
    expect(p('assign', task(), { assignee: '' })).toEqual({
      calls: [{ kind: 'act', action: 'assign', body: { assignee: null } }],
      cli: ['kanban --board main assign t1 -'],
    })
    expect(p('comment', task(), { body: 'hi there' }).cli).toEqual(["kanban --board main comment t1 --body 'hi there' --author ada"])
    expect(p('archive', task()).calls).toEqual([{ kind: 'act', action: 'archive', body: {} }])
    expect(p('delete', task())).toEqual({ calls: [{ kind: 'delete' }], cli: ['kanban --board main delete t1'] })
  })

  it('shell words: bare when safe, single-quoted otherwise', () => {
    expect(shellWord('t12')).toBe('t12')
    expect(shellWord('a b')).toBe("'a b'")
    expect(shellWord('$(rm -rf /)')).toBe("'$(rm -rf /)'")
    expect(shellWord("it's")).toBe("'it'\\''s'")
    expect(shellWord('')).toBe("''")
  })

  it('re-run: the task alone, or its whole subtree, with a reason', () => {
    const done = task({ status: 'done' })
    expect(p('rerun', done, initialValues(ACTIONS.rerun, done, 2))).toEqual({
      calls: [{ kind: 'act', action: 'rerun', body: {} }],
      cli: ['kanban --board main rerun t1 --actor ada'],
    })
    expect(p('rerun', done, { subtree: true, reason: 'bad artefact' })).toEqual({
      calls: [{ kind: 'act', action: 'rerun', body: { subtree: true, reason: 'bad artefact' } }],
      cli: ["kanban --board main rerun t1 --subtree --reason 'bad artefact' --actor ada"],
    })
    expect(ACTIONS.rerun).toMatchObject({ role: 'operator', from: ['done'], confirm: true })
    expect(names(done, 'viewer')).toEqual([])
  })

  it('a bulk operation by filter is the kanban bulk command', () => {
    expect(bulkCli({ op: 'unblock', filter: { status: ['blocked'], lane: 'legal' } }, 'main', 'ada')).toBe(
      'kanban --board main bulk unblock --status blocked --lane legal --actor ada',
    )
    expect(bulkCli({ op: 'reassign', filter: { status: ['blocked', 'triage', 'review'], tenant: 'acme' }, to: null, dryRun: true }, 'main', "o'brien")).toBe(
      "kanban --board main bulk reassign --status blocked,triage,review --tenant acme --to - --actor 'o'\\''brien' --dry-run",
    )
  })
})

describe('the retry backoff on the task page', () => {
  const settings = { failureLimit: 3, failureLimitSource: 'board', retryBackoffMs: 1000, retryBackoffMaxMs: 300_000 } as BoardSettings
  const NOW = 1_700_000_000_000

  it("from the library's explain: after which failure, until when, the last error", () => {
    const waiting = task({ consecutiveFailures: 1, lastFailureError: 'ECONNRESET', cooldownUntil: NOW + 4000, cooldownReason: 'backoff' })
    const b = retryBackoff(waiting, explainTask(waiting, [], settings, NOW))
    expect(b).toEqual({ until: NOW + 4000, failures: 1, limit: 3, lastError: 'ECONNRESET' })
    expect(backoffText(b!, NOW)).toBe('after failure 1 of 3, dispatched again in about 4s')
    expect(backoffText(b!, NOW + 5000)).toBe('after failure 1 of 3, dispatched again now, at the next tick')
    // a rate limit's cooldown, or a backoff that is over, is no backoff
    const limited = task({ cooldownUntil: NOW + 4000, cooldownReason: 'rate_limited' })
    expect(retryBackoff(limited, explainTask(limited, [], settings, NOW))).toBeNull()
    expect(retryBackoff(waiting, explainTask(waiting, [], settings, NOW + 5000))).toBeNull()
  })

  it("which backoff applies: the task's own base, else the board's, up to the board's cap", () => {
    expect(backoffSetting(task(), settings)).toBe("from 1 s, doubling per failure up to 300 s, with jitter (the board's)")
    expect(backoffSetting(task({ retryBackoffMs: 250 }), settings)).toBe("from 250 ms, doubling per failure up to 300 s, with jitter (this task's)")
    expect(backoffSetting(task({ retryBackoffMs: 0 }), settings)).toBe('off for this task (its own setting)')
    expect(backoffSetting(task(), { ...settings, retryBackoffMs: 0 })).toBe("off (the board's setting)")
  })
})

describe('board columns for a query', () => {
  it('every status but archived, or the ones status: names', () => {
    expect(columnsFor('')).toEqual(STATUSES.filter((s) => s !== 'archived'))
    expect(columnsFor('lane:coder deploy')).toEqual(STATUSES.filter((s) => s !== 'archived'))
    expect(columnsFor('status:review,blocked lane:x')).toEqual(['blocked', 'review'])
    expect(columnsFor('STATUS:archived')).toEqual(['archived'])
    expect(columnsFor('status:nonsense')).toEqual(STATUSES.filter((s) => s !== 'archived'))
  })
})

describe('routes', () => {
  it('parse what href makes', () => {
    const r = parseHash(href('my-board', 'task', 't7'))
    expect([r.board, r.view, r.id]).toEqual(['my-board', 'task', 't7'])
    const g = parseHash(href('b', 'graph', null, { root: 't3' }))
    expect([g.view, g.params.get('root')]).toEqual(['graph', 't3'])
    expect(parseHash('').view).toBe('needs')
    expect(parseHash('#/b/nonsense').view).toBe('needs')
  })
})

describe('graph reads merge', () => {
  const node = (id: string, status: Status = 'todo'): GraphNode => ({
    id,
    title: id,
    status,
    assignee: null,
    priority: 0,
    sticky: false,
    breaker: false,
    failures: 0,
    limit: 2,
    depth: 0,
  })
  const read = (nodes: GraphNode[], edges: [string, string][], frontier: string[] = [], blocking?: string[]): GraphData => ({
    nodes,
    edges: edges.map(([from, to]) => ({ from, to })),
    truncated: frontier.length > 0,
    frontier,
    ...(blocking ? { blocking } : {}),
  })

  it('later reads refresh nodes; expanded nodes leave the frontier; the blocking path is what the reads that asked for it said', () => {
    const first = read(
      [node('t1', 'blocked'), node('t2'), node('t3')],
      [
        ['t1', 't2'],
        ['t2', 't3'],
      ],
      ['t3'],
      ['t1', 't2', 't3'],
    )
    const around = read([node('t3', 'ready'), node('t4')], [['t3', 't4']], ['t4'])
    const g = mergeReads([first, around], new Set(['t3']))
    expect([...g.nodes.keys()]).toEqual(['t1', 't2', 't3', 't4'])
    expect(g.nodes.get('t3')!.status).toBe('ready')
    expect([...g.frontier]).toEqual(['t4'])
    expect(g.truncated).toBe(true)
    expect([...blockingEdges(g, 't3')]).toEqual(['t1>t2', 't2>t3'])
    expect(shapeKey(g)).toBe('t1,t2,t3,t4|t1>t2,t2>t3,t3>t4')
  })

  it('the board graph grows through bounded steps up to 5,000', () => {
    expect(nextBoardStep(300)).toBe(1000)
    expect(nextBoardStep(2500)).toBe(5000)
    expect(nextBoardStep(5000)).toBeNull()
  })
})
