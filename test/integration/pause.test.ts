/**
 * Pause and drain (docs/fleet.md#pause-and-drain) on real Redis and BullMQ: a paused board
 * or lane gets nothing new into BullMQ or into a worker's hands — from the tick, from
 * createTasks with autoEnqueue, from a completion's promoted children — running work goes
 * on, explain says who paused it and since when, and the next tick after resume dispatches.
 */
import { describe, expect, it } from 'vitest'
import { openBoard, snapshot } from '../helpers/board.js'
import { boardContext } from '../../src/context.js'
import { completeForWorker } from '../../src/workerCalls.js'
import type { Board } from '../../src/board.js'
import { ValidationError } from '../../src/errors.js'

/** the task ids in the lane's BullMQ jobs */
async function inBull(board: Board, lane: string): Promise<string[]> {
  const q = await boardContext(board).lanes.get(lane)
  return (await q.getJobs(['waiting', 'prioritized', 'active'])).flatMap((j) => j.data.taskIds as string[]).sort()
}

describe('pause and resume', () => {
  it('a paused lane: the tick enqueues nothing of it, other lanes go on; resume -> the next tick enqueues them', async () => {
    const board = await openBoard('pause')
    const held = Object.values(await board.createTasks([1, 2, 3].map((i) => ({ ref: `a${i}`, title: `a${i}`, assignee: 'a' }))))
    const other = await board.createTask({ title: 'b', assignee: 'b' })
    const running = await board.createTask({ title: 'r', assignee: 'a' })
    const claim = (await board.claimTask(running, { claimer: 'w' }))!
    const p = await board.pause({ lane: 'a', actor: 'ops', reason: 'incident' })
    expect(p).toMatchObject({ changed: true, paused: { lane: 'a', by: 'ops', reason: 'incident' } })
    const r = await board.dispatchOnce()
    expect(r).toMatchObject({ enqueued: 1, skippedPaused: 3 })
    expect(await inBull(board, 'a')).toEqual([])
    expect(await inBull(board, 'b')).toEqual([other])
    // running work goes on
    expect(await board.heartbeat(running, { runId: claim.runId })).toBe(true)
    expect(await board.completeTask(running, { runId: claim.runId })).toBe(true)
    expect((await board.stats()).paused).toEqual([p.paused])

    expect(await board.resume({ lane: 'a', actor: 'lead' })).toEqual({ changed: true })
    expect((await board.stats()).paused).toEqual([])
    expect(await board.dispatchOnce()).toMatchObject({ enqueued: 3, skippedPaused: 0 })
    expect(await inBull(board, 'a')).toEqual(held.sort())
  })

  it('a paused board: nothing from the tick; createTasks with autoEnqueue enqueues nothing', async () => {
    const board = await openBoard('pause', { autoEnqueue: true })
    await board.pause({ actor: 'ops' })
    const ids = Object.values(
      await board.createTasks([
        { ref: 'x', title: 'x', assignee: 'a' },
        { ref: 'y', title: 'y', assignee: 'b' },
      ]),
    )
    const single = await board.createTask({ title: 'z', assignee: 'a' })
    expect(await inBull(board, 'a')).toEqual([])
    expect(await inBull(board, 'b')).toEqual([])
    expect(await board.dispatchOnce()).toMatchObject({ enqueued: 0, skippedPaused: 3 })
    await board.resume({ actor: 'ops' })
    expect(await board.dispatchOnce()).toMatchObject({ enqueued: 3 })
    expect([...(await inBull(board, 'a')), ...(await inBull(board, 'b'))].sort()).toEqual([...ids, single].sort())
  })

  it('createTasks with autoEnqueue enqueues nothing of a paused lane, the rest at once', async () => {
    const board = await openBoard('pause', { autoEnqueue: true })
    await board.pause({ lane: 'a', actor: 'ops' })
    const ids = await board.createTasks([
      { ref: 'x', title: 'x', assignee: 'a' },
      { ref: 'y', title: 'y', assignee: 'b' },
    ])
    expect(await inBull(board, 'a')).toEqual([])
    expect(await inBull(board, 'b')).toEqual([ids.y])
    expect((await board.getTask(ids.x!))!.status).toBe('ready')
  })

  it("a completion's promoted child in a paused lane is neither handed over to the worker nor enqueued", async () => {
    const board = await openBoard('pause', { autoEnqueue: true })
    await board.pause({ lane: 'a', actor: 'ops' })
    const ids = await board.createTasks([
      { ref: 'p', title: 'parent', assignee: 'b' },
      { ref: 'c', title: 'child', assignee: 'a', dependsOn: ['p'] },
      { ref: 'd', title: 'child b', assignee: 'b', dependsOn: ['p'] },
    ])
    const claim = (await board.claimTask(ids.p!, { claimer: 'w' }))!
    // a worker of lane a completes the parent: the child of the paused lane is not taken over
    const r = await completeForWorker(boardContext(board), ids.p!, { runId: claim.runId }, { claimer: 'w', lanes: ['a'] })
    expect(r).toEqual({ ok: true, next: null })
    expect((await board.getTask(ids.c!))!.status).toBe('ready')
    expect(await inBull(board, 'a')).toEqual([])
    // (the parent's own job is there too: claimed here without BullMQ)
    expect(await inBull(board, 'b')).toEqual([ids.p, ids.d].sort())
    const x = await board.explain(ids.c!)
    expect(x.runnable).toBe(false)
    expect(x.reasons.find((q) => q.code === 'paused')).toMatchObject({ data: { lane: 'a', by: 'ops', reason: null } })
    await board.resume({ lane: 'a', actor: 'ops' })
    expect(await board.dispatchOnce()).toMatchObject({ enqueued: 1 })
    expect(await inBull(board, 'a')).toEqual([ids.c])
  })

  it('explain says paused, by whom and since when; the board pause wins over the lane one', async () => {
    const board = await openBoard('pause')
    const id = await board.createTask({ title: 't', assignee: 'a' })
    const lane = (await board.pause({ lane: 'a', actor: 'alice', reason: 'bad deploy' })).paused
    let x = await board.explain(id)
    expect(x.runnable).toBe(false)
    expect(x.reasons.map((r) => r.code)).toEqual(['paused'])
    expect(x.reasons[0]!.data).toEqual({ lane: 'a', by: 'alice', since: lane.since, reason: 'bad deploy' })
    expect(x.text).toContain(`lane a is paused by alice since ${new Date(lane.since).toISOString()}: bad deploy`)
    await board.pause({ actor: 'bob' })
    x = await board.explain(id)
    expect(x.reasons[0]).toMatchObject({ code: 'paused', data: { lane: null, by: 'bob', reason: null } })
    expect(x.text).toContain('the board is paused by bob')
    await board.resume({ actor: 'bob' })
    // an unassigned task is held back by its default lane's pause
    await board.configure({ defaultAssignee: 'a' })
    const loose = await board.createTask({ title: 'no lane' })
    expect((await board.explain(loose)).reasons).toMatchObject([{ code: 'paused', data: { lane: 'a', by: 'alice' } }])
    await board.resume({ lane: 'a', actor: 'alice' })
    x = await board.explain(id)
    // runnable again; no worker serves lane a on this board (docs/fleet.md#liveness)
    expect(x.reasons.map((r) => r.code)).toEqual(['runnable', 'no_live_worker'])
    expect((await board.explain(loose)).reasons.map((r) => r.code)).toEqual(['runnable', 'no_live_worker'])
  })

  it('events: paused and resumed on the board stream, naming the actor', async () => {
    const board = await openBoard('pause')
    await board.pause({ lane: 'a', actor: 'ops', reason: 'why' })
    await board.resume({ lane: 'a', actor: 'lead' })
    const evs = (await board.events()).filter((e) => e.kind === 'paused' || e.kind === 'resumed')
    expect(evs).toMatchObject([
      { taskId: null, kind: 'paused', payload: { lane: 'a', by: 'ops', reason: 'why' } },
      { taskId: null, kind: 'resumed', payload: { lane: 'a', by: 'lead', pausedBy: 'ops' } },
    ])
  })

  it('bad input is a coded ValidationError naming the field, and nothing is written', async () => {
    const board = await openBoard('pause')
    const before = await snapshot(board)
    const bad: [string, () => Promise<unknown>][] = [
      ['lane', () => board.pause({ lane: '', actor: 'ops' })],
      ['lane', () => board.pause({ lane: 'Not A Lane!', actor: 'ops' })],
      ['actor', () => board.pause({ actor: '  ' })],
      ['actor', () => board.pause({} as never)],
      ['reason', () => board.pause({ actor: 'ops', reason: '' })],
      ['lane', () => board.resume({ lane: '', actor: 'ops' })],
      ['actor', () => board.resume({ lane: 'a', actor: '' })],
    ]
    for (const [field, call] of bad) {
      const e = await call().then(
        () => null,
        (err: unknown) => err,
      )
      expect(e, field).toBeInstanceOf(ValidationError)
      expect((e as ValidationError).code, field).toBe('INVALID_INPUT')
      expect((e as ValidationError).message, field).toContain(field)
      expect((e as ValidationError).details.field, field).toBe(field)
    }
    expect(await snapshot(board)).toEqual(before)
  })
})
