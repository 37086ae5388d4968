/**
 * Board.doctor (src/doctor.ts, docs/reliability.md#kanban-doctor): a board left by the
 * library's own operations has no drift; each kind of drift, made by hand with raw Redis
 * commands as a crash, a bug or an operator's edit would leave it, is found by its check in
 * bounded passes, nothing is written without `repair`, and `repair` leaves a board the
 * doctor finds clean, with one `repaired` event per repair.
 */
import { describe, expect, it } from 'vitest'
import type { Board } from '../../src/index.js'
import { laneQueueName } from '../../src/index.js'
import { Queue } from 'bullmq'
import { extraConnection, openBoard, snapshot } from '../helpers/board.js'

const checks = (r: Awaited<ReturnType<Board['doctor']>>) => r.findings.map((f) => `${f.id} ${f.check}`).sort()

/** A board in many statuses, made through the API only. */
async function seed(board: Board): Promise<Record<string, string>> {
  const parent = await board.createTask({ title: 'parent', assignee: 'coder', tenant: 'acme' })
  const child = await board.createTask({ title: 'child', assignee: 'coder', parents: [parent] })
  const done = await board.createTask({ title: 'done', tenant: 'acme' })
  await board.completeTask(done, { result: 'ok' })
  const running = await board.createTask({ title: 'running', assignee: 'ops' })
  await board.claimTask(running, { claimer: 'w1' })
  const flaky = await board.createTask({ title: 'flaky', assignee: 'ops' })
  const c = (await board.claimTask(flaky, { claimer: 'w1' }))!
  await board.recordFailure(flaky, { runId: c.runId, outcome: 'crashed', error: 'boom' })
  const sticky = await board.createTask({ title: 'sticky', initialStatus: 'blocked' })
  const archived = await board.createTask({ title: 'archived' })
  await board.archiveTask(archived)
  const gone = await board.createTask({ title: 'gone', parents: [parent] })
  await board.deleteTask(gone)
  return { parent, child, done, running, flaky, sticky, archived, gone }
}

describe('Board.doctor', () => {
  it('finds no drift on a board made by the API, in passes of pageSize numbers', async () => {
    const board = await openBoard('doctor-clean')
    await seed(board)
    for (let i = 0; i < 20; i++) await board.createTask({ title: `more ${i}`, assignee: 'coder' })
    const r = await board.doctor({ pageSize: 7 })
    expect(r.findings).toEqual([])
    expect(r.checked.tasks).toBe(28)
    // two claims and the completion without a run (a zero-length run)
    expect(r.checked.runs).toBe(3)
    // 28 task numbers and 3 run numbers, 7 a call
    expect(r.passes).toBe(Math.ceil(31 / 7))
  })

  it('finds each kind of drift, writes nothing without repair, and repairs it with an event each', async () => {
    const board = await openBoard('doctor-drift')
    const t = await seed(board)
    const k = board.keys
    const r = board.redis
    // a status index entry that disagrees with the status, and a task missing from its own
    await r.zadd(k.status('review'), 1, t.parent!)
    await r.zrem(k.status('blocked'), t.sticky!)
    // a listing entry under the wrong status
    await r.zadd(k.statusTenant('triage', 'acme'), 1, t.done!)
    // a non-sticky blocked set entry for a sticky task
    await r.sadd(k.nsblocked, t.sticky!)
    // a ready task with a lane in no dispatch index: nobody would ever hand it to BullMQ
    await r.zrem(k.dispatchQueue, t.parent!)
    // a pending count out of step with the parents
    await r.hset(k.task(t.child!), 'pending', '3')
    // a done task whose failure counter was not reset
    await r.hset(k.task(t.done!), 'consecutiveFailures', '2')
    // a running task whose lease entry is gone (it would never expire)
    await r.zrem(k.leases, t.running!)
    // keys of the deleted task, and a stray run of it
    await r.rpush(k.taskEvents(t.gone!), '{}')
    await r.hset(k.run('r99'), 'id', 'r99', 'taskId', t.gone!)
    await r.hset(k.seq, 'run', '99')

    const before = await snapshot(board)
    const found = await board.doctor({ pageSize: 3 })
    expect(await snapshot(board)).toEqual(before)
    expect(checks(found)).toEqual(
      [
        `${t.parent} status_index`,
        `${t.parent} dispatch_index`,
        `${t.sticky} status_index`,
        `${t.sticky} derived_set`,
        `${t.done} listing_index`,
        `${t.done} counter`,
        `${t.child} pending`,
        `${t.running} open_run`,
        `${t.gone} deleted_keys`,
        'r99 deleted_keys',
      ].sort(),
    )
    expect(found.findings.find((f) => f.check === 'pending')!.detail).toMatchObject({ pending: 3, unsatisfied: 1 })
    expect(found.repaired).toEqual([])

    const fixed = await board.doctor({ repair: true, pageSize: 3 })
    expect(checks(fixed)).toEqual(checks(found))
    expect(fixed.repaired.map((x) => `${x.id} ${x.check}`).sort()).toEqual(checks(found))
    expect((await board.doctor()).findings).toEqual([])

    // one `repaired` event per repair: on the task, or a board event naming a gone task or run
    const events = (await board.events({ limit: 500 })).filter((e) => e.kind === 'repaired')
    expect(events.map((e) => `${e.taskId ?? (e.payload as { id: string }).id} ${(e.payload as { check: string }).check}`).sort()).toEqual(checks(found))
    // the repairs themselves: the task is back in its indexes, the lease back at its expiry
    expect(await r.zscore(k.status('review'), t.parent!)).toBeNull()
    expect(await r.zscore(k.dispatchQueue, t.parent!)).not.toBeNull()
    expect(await r.hget(k.task(t.child!), 'pending')).toBe('1')
    expect(await r.hget(k.task(t.done!), 'consecutiveFailures')).toBeNull()
    expect(await r.zscore(k.leases, t.running!)).toBe(await r.hget(k.task(t.running!), 'leaseExpiresAt'))
    expect(await r.exists(k.taskEvents(t.gone!), k.run('r99'))).toBe(0)
  })

  it('a todo task whose pending count was too high is promoted by the repair', async () => {
    const board = await openBoard('doctor-pending')
    const p = await board.createTask({ title: 'p' })
    const c = await board.createTask({ title: 'c', parents: [p] })
    await board.completeTask(p)
    // the completion's release of the child lost (as a half-applied edit by hand would)
    await board.redis.hset(board.keys.task(c), 'pending', '1')
    await board.redis.eval(
      "redis.call('HSET', KEYS[1], 'status', 'todo'); redis.call('ZREM', KEYS[2], ARGV[1]); redis.call('ZREM', KEYS[4], ARGV[1]); redis.call('ZADD', KEYS[3], 1, ARGV[1])",
      4,
      board.keys.task(c),
      board.keys.status('ready'),
      board.keys.status('todo'),
      board.keys.readySince(''),
      c,
    )
    await board.redis.zrem(board.keys.dispatchUnassigned, c)
    const found = await board.doctor()
    expect(checks(found)).toEqual([`${c} pending`])
    const fixed = await board.doctor({ repair: true })
    expect(fixed.promoted).toEqual([c])
    expect((await board.getTask(c))!.status).toBe('ready')
    expect((await board.doctor()).findings).toEqual([])
  })

  it('a queued task whose BullMQ job is gone is a lost job, filed for dispatch again by the repair', async () => {
    const board = await openBoard('doctor-lost', { autoEnqueue: true })
    const id = await board.createTask({ title: 'queued', assignee: 'coder' })
    expect(await board.redis.zscore(board.keys.queued, id)).not.toBeNull()
    const jobId = `j${await board.redis.hget(board.keys.task(id), 'queueToken')}`
    const queue = new Queue(laneQueueName('coder'), { connection: extraConnection(), prefix: board.keys.bullPrefix })
    expect(await queue.getJobState(jobId)).toBe('waiting')
    // the job is alive: no finding, even when every queued task is looked up
    expect((await board.doctor({ lostJobAfterMs: 0 })).findings).toEqual([])
    // removed by hand: lost
    await queue.remove(jobId)
    await queue.close()
    expect(checks(await board.doctor({ lostJobAfterMs: 60_000 }))).toEqual([])
    expect(checks(await board.doctor({ lostJobAfterMs: 0 }))).toEqual([`${id} lost_job`])
    const fixed = await board.doctor({ repair: true, lostJobAfterMs: 0 })
    expect(fixed.requeued).toEqual([id])
    expect(await board.redis.zscore(board.keys.queued, id)).toBeNull()
    expect(await board.redis.zscore(board.keys.dispatchQueue, id)).not.toBeNull()
    expect((await board.doctor({ lostJobAfterMs: 0 })).findings).toEqual([])
  })

  it('an in-flight counter out of step with the tasks in flight, on a quiet board', async () => {
    const board = await openBoard('doctor-inflight')
    const id = await board.createTask({ title: 'r', assignee: 'ops' })
    await board.claimTask(id, { claimer: 'w' })
    await board.redis.hincrby(board.keys.inflight, 'ops', 2)
    expect(checks(await board.doctor())).toEqual(['ops inflight_count'])
  })

  it('refuses bad options naming the field, before any call', async () => {
    const board = await openBoard('doctor-input')
    await expect(board.doctor({ pageSize: 0 })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/pageSize/) })
    await expect(board.doctor({ nope: 1 } as never)).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/nope/) })
  })
})
