/** Pure pieces of liveness and of the worker context: explain's no_live_worker, and clip(). */
import { describe, expect, it } from 'vitest'
import { explainTask, type DispatchView } from '../../src/explain.js'
import { clip } from '../../src/workerContext.js'
import type { BoardSettings, Task } from '../../src/types.js'

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0)
const task = (over: Partial<Task> = {}) =>
  ({ id: 't1', title: 'task', assignee: 'coder', status: 'ready', parents: [], cooldownUntil: null, maxRetries: null, ...over }) as Task
const settings = (over: Partial<BoardSettings> = {}) =>
  ({ failureLimit: 2, failureLimitSource: 'default', maxInProgress: 0, maxInProgressPerAssignee: 0, defaultAssignee: null, ...over }) as BoardSettings
const view = (over: Partial<DispatchView> = {}): DispatchView => ({ queued: false, laneInFlight: 0, boardInFlight: 0, ...over })
const codes = (t: Task, v: DispatchView, s = settings()) => explainTask(t, [], s, NOW, v).reasons.map((r) => r.code)

describe('explainTask: no_live_worker', () => {
  it('is said for a runnable or queued task whose lane no live worker announces; runnable stays', () => {
    const x = explainTask(task(), [], settings(), NOW, view({ lanesServed: ['other'] }))
    expect(x.runnable).toBe(true)
    expect(x.reasons.map((r) => r.code)).toEqual(['runnable', 'no_live_worker'])
    expect(x.text.split('\n')[1]).toBe('no live worker serves lane coder (kanban workers): it waits in BullMQ until one starts (kanban worker --lane coder)')
    expect(codes(task(), view({ lanesServed: [], queued: true }))).toEqual(['queued', 'no_live_worker'])
    expect(codes(task({ status: 'review', assignee: 'reviewer' }), view({ lanesServed: ['coder'] }))).toEqual(['review', 'no_live_worker'])
  })

  it('not when a live worker serves the lane, the default lane included, nor when liveness is not known', () => {
    expect(codes(task(), view({ lanesServed: ['coder'] }))).toEqual(['runnable'])
    expect(codes(task({ assignee: null }), view({ lanesServed: ['main'] }), settings({ defaultAssignee: 'main' }))).toEqual(['runnable'])
    expect(codes(task({ assignee: null }), view({ lanesServed: [] }), settings({ defaultAssignee: 'main' }))).toEqual(['runnable', 'no_live_worker'])
    expect(codes(task(), view())).toEqual(['runnable'])
  })

  it('not when the board holds the task back (that comes first, alone), nor for a task not waiting for dispatch', () => {
    const pause = { lane: 'coder', by: 'ops', reason: null, since: NOW }
    expect(codes(task(), view({ lanesServed: [], paused: pause }))).toEqual(['paused'])
    expect(codes(task(), view({ lanesServed: [], laneInFlight: 1 }), settings({ maxInProgressPerAssignee: 1 }))).toEqual(['lane_at_capacity'])
    expect(codes(task({ assignee: null }), view({ lanesServed: [] }))).toEqual(['unassigned'])
    expect(codes(task({ status: 'todo' }), view({ lanesServed: [] }))).toEqual([])
    expect(codes(task({ status: 'done', completedAt: NOW }), view({ lanesServed: [] }))).toEqual(['done'])
  })
})

describe('clip', () => {
  const bytes = (s: string) => Buffer.byteLength(s, 'utf8')

  it('gives a text that fits back as it is', () => {
    const s = 'x'.repeat(300)
    expect(clip(s, 300)).toBe(s)
  })

  it('cuts to at most maxBytes, marker included, on a character boundary, keeping a prefix', () => {
    for (const unit of ['a', 'é', '€', '😀']) {
      const s = unit.repeat(5000)
      for (const max of [256, 257, 258, 259, 1000, 4097]) {
        const c = clip(s, max)
        expect(bytes(c), `${unit} ${max}`).toBeLessThanOrEqual(max)
        const m = /\n…\[truncated: (\d+) bytes, first (\d+) shown\]$/.exec(c)!
        expect(Number(m[1])).toBe(bytes(s))
        const kept = c.slice(0, m.index)
        expect(bytes(kept)).toBe(Number(m[2]))
        expect(s.startsWith(kept)).toBe(true)
        // no more than one character short of the room the marker leaves
        expect(max - bytes(c)).toBeLessThan(bytes(unit) + 4)
      }
    }
  })
})
