import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { BLOCK_KINDS, DISPATCHABLE, FAILURE_OUTCOMES, NEUTRAL_OUTCOMES, RUN_OUTCOMES, SATISFIED, STATUSES, TRANSITIONS, type Status } from '../../src/status.js'

const LUA = join(dirname(fileURLToPath(import.meta.url)), '../../src/lua')

describe('statuses (docs/lifecycle.md#statuses)', () => {
  it('are exactly the nine of docs/lifecycle.md, unique', () => {
    expect([...STATUSES]).toEqual(['triage', 'todo', 'scheduled', 'ready', 'running', 'blocked', 'review', 'done', 'archived'])
    expect(new Set(STATUSES).size).toBe(STATUSES.length)
  })

  it('satisfied = done, archived; dispatched = ready, review', () => {
    expect([...SATISFIED]).toEqual(['done', 'archived'])
    expect([...DISPATCHABLE]).toEqual(['ready', 'review'])
  })

  it('block kinds and run outcomes are the documented lists', () => {
    expect([...BLOCK_KINDS]).toEqual(['dependency', 'needs_input', 'capability', 'transient'])
    expect([...RUN_OUTCOMES].sort()).toEqual(
      [
        'completed',
        'blocked',
        'scheduled',
        'crashed',
        'protocol_violation',
        'rate_limited',
        'timed_out',
        'stale',
        'reclaimed',
        'gave_up',
        'review_requested',
      ].sort(),
    )
  })

  it('failure outcomes are run outcomes; exactly rate_limited and stale are neutral', () => {
    for (const o of FAILURE_OUTCOMES) expect(RUN_OUTCOMES).toContain(o)
    expect([...NEUTRAL_OUTCOMES].sort()).toEqual(['rate_limited', 'stale'])
    expect(FAILURE_OUTCOMES.filter((o) => !NEUTRAL_OUTCOMES.includes(o)).sort()).toEqual(['crashed', 'protocol_violation', 'reclaimed', 'timed_out'].sort())
  })
})

describe('TRANSITIONS', () => {
  const entries = Object.entries(TRANSITIONS)

  it("every transition's from and to are statuses, without duplicates", () => {
    for (const [op, { from, to, others }] of entries) {
      for (const s of [...from, ...to, ...(others?.from ?? []), ...(others?.to ?? [])]) expect(STATUSES, `${op}: ${s}`).toContain(s)
      expect(new Set(from).size, op).toBe(from.length)
      expect(new Set(to).size, op).toBe(to.length)
      // a script moves its own task somewhere, unless it moves only others (deleteTask)
      if (!(others && from.length === 0)) expect(to.length, op).toBeGreaterThan(0)
      if (others) expect(others.to.length, op).toBeGreaterThan(0)
    }
  })

  it('every status can be entered, and every status but archived can be left', () => {
    const entered = new Set(entries.flatMap(([, t]) => t.to))
    const left = new Set(entries.flatMap(([, t]) => t.from))
    for (const s of STATUSES) expect(entered.has(s), `enter ${s}`).toBe(true)
    for (const s of STATUSES.filter((s) => s !== 'archived')) expect(left.has(s), `leave ${s}`).toBe(true)
    expect(left.has('archived')).toBe(false)
  })

  it('matches the transition table of docs/lifecycle.md where it names statuses', () => {
    const spec: Record<string, [Status[], Status[]]> = {
      completeTask: [['running', 'ready', 'blocked'], ['done']],
      blockTask: [
        ['running', 'ready'],
        ['blocked', 'todo', 'triage'],
      ],
      unblockTask: [
        ['blocked', 'scheduled'],
        ['ready', 'todo'],
      ],
      scheduleTask: [['todo', 'ready', 'running', 'blocked'], ['scheduled']],
      specifyTask: [['triage'], ['todo', 'ready']],
      promoteTask: [['todo', 'blocked'], ['ready']],
      // The recovery rule covers todo too; here a todo task is promoted by the same rule
      // (tryPromote) in the script that satisfies its last parent, so the sweep itself
      // only ever moves breaker-parked blocked tasks (docs/architecture.md#readiness-without-a-scan)
      recomputeReady: [['blocked'], ['ready']],
    }
    for (const [op, [from, to]] of Object.entries(spec)) {
      expect([...TRANSITIONS[op]!.from].sort(), op).toEqual([...from].sort())
      expect([...TRANSITIONS[op]!.to].sort(), op).toEqual([...to].sort())
    }
    expect(TRANSITIONS.claimTask!.from).toEqual(expect.arrayContaining(['ready', 'review']))
    expect(TRANSITIONS.archiveTask!.from).not.toContain('archived')
  })

  it('every transition is a Lua script whose header agrees on the statuses it moves', () => {
    let compared = 0
    const skipped: string[] = []
    for (const [op, { from, to }] of entries) {
      const file = join(LUA, `${op}.lua`)
      expect(existsSync(file), file).toBe(true)
      // header line: "--[[ name: a | b -> c | d   (comment)"
      const head = /--\[\[ (\w+): ([^\n]*)/.exec(readFileSync(file, 'utf8'))
      expect(head?.[1], file).toBe(op)
      const arrow = head![2]!.replace(/\([^)]*\)/g, '').split('->')
      if (arrow.length !== 2 || /any status|the circuit/.test(head![2]!)) {
        skipped.push(op)
        continue
      }
      const side = (s: string) =>
        s
          .split('|')
          .map((x) => x.trim())
          .filter((x) => (STATUSES as readonly string[]).includes(x))
      expect(side(arrow[0]!).sort(), `${op} from`).toEqual([...from].sort())
      for (const s of side(arrow[1]!)) expect(to, `${op} to ${s}`).toContain(s)
      compared++
    }
    // all but archiveTask, deleteTask and deleteBoard ("any status") and recordFailure (a multi-line header)
    expect(skipped.sort()).toEqual(['archiveTask', 'deleteBoard', 'deleteTask', 'recordFailure'])
    expect(compared).toBe(entries.length - 4)
  })
})
