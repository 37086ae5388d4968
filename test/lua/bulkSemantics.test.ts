/**
 * A bulk operation changes each task exactly as its single operation does: two boards set up
 * alike, one changed by bulkTasks, the other by the single scripts on the same tasks in the
 * same order, end with the same keys and contents (times aside), and each task has the
 * same events, the bulk ones carrying the actor and the op besides.
 */
import { describe, expect, it } from 'vitest'
import { byMemberWhereTimeScored, luaBoard, type LuaBoard } from '../helpers/lua.js'
import { parseStreamEntries } from '../../src/reads.js'
import type { ScriptArgs } from '../../src/scriptContract.js'

type Op = ScriptArgs['bulkTasks']['op']

/** Tasks in most statuses, on lanes x and y, with links, runs, an idempotency key. */
async function seed(b: LuaBoard): Promise<void> {
  // no retry backoff: its jitter would make the twin boards' failure events differ
  await b.call('configure', { set: { retryBackoffMs: 0 }, clear: [] })
  await b.create({ assignee: 'x', blocked: true }) // t1 sticky
  const parked = await b.create({ assignee: 'x' }) // t2 gave_up
  await b.breakerBlock(parked)
  await b.create({ assignee: 'x', runAt: (await b.now()) + 3_600_000 }) // t3 scheduled
  const keyed = await b.create({ assignee: 'x', idempotencyKey: 'k1' }) // t4 ready
  await b.create({ assignee: 'x', parentIds: [keyed] }) // t5 todo, child of t4
  const running = await b.create({ assignee: 'x' }) // t6 running
  await b.claim(running)
  await b.call('completeTask', { id: await b.create({ assignee: 'x' }) }) // t7 done
  const other = await b.create({ assignee: 'y' }) // t8 ready on y
  await b.create({ assignee: 'y', parentIds: [other, parked] }) // t9 todo on y, child of t2 and t8
  await b.create({ assignee: 'x', triage: true }) // t10 triage
}

/** The board's keys and contents, with the board's name and every epoch-ms time masked, events left out. */
async function state(b: LuaBoard): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(await b.dump())) {
    if (k === b.keys.events || k.endsWith(':ev')) continue
    out[k.replace(b.name, 'B')] = JSON.parse(JSON.stringify(v).replace(/\b1\d{12}\b/g, '0'))
  }
  return byMemberWhereTimeScored(out)
}

/** Each task's events (kinds and payloads) and the board's deleted records, without the bulk's extra fields. */
async function history(b: LuaBoard): Promise<unknown[]> {
  const evs = parseStreamEntries((await b.redis.xrange(b.keys.events, '-', '+')) as [string, string[]][])
  return evs.map(({ taskId, kind, payload }) => {
    const p = { ...(payload ?? {}) } as Record<string, unknown>
    delete p.bulk
    if (kind !== 'unblocked') delete p.actor // unblockTask names its actor too
    return { taskId, kind, payload: JSON.parse(JSON.stringify(p).replace(/\b1\d{12}\b/g, '0')) }
  })
}

async function single(b: LuaBoard, op: Op, id: string, to?: string | null): Promise<void> {
  if (op === 'unblock' || op === 'retry') await b.call('unblockTask', { id, actor: 'alice' })
  else if (op === 'archive') await b.call('archiveTask', { id })
  else if (op === 'reassign') await b.call('assignTask', { id, assignee: to ?? null })
  else await b.call('deleteTask', { id })
}

const STATUSES = {
  unblock: ['todo', 'ready', 'scheduled', 'blocked'],
  retry: ['blocked'],
  archive: ['triage', 'todo', 'scheduled', 'ready', 'running', 'blocked', 'review', 'done'],
  reassign: ['triage', 'todo', 'scheduled', 'ready', 'blocked', 'review', 'done'],
  delete: ['triage', 'todo', 'scheduled', 'ready', 'running', 'blocked', 'review', 'done'],
}

describe('bulkTasks.lua has the semantics of the single operations', () => {
  it.each(Object.keys(STATUSES) as Op[])('%s: the same board as the single operation on each task, in the same order', async (op) => {
    const [bulk, one] = [await luaBoard('bulksem'), await luaBoard('bulksem')]
    await seed(bulk)
    await seed(one)
    expect(await state(bulk)).toEqual(await state(one))
    const to = op === 'reassign' ? 'y' : undefined
    const r = await bulk.call('bulkTasks', {
      op,
      statuses: STATUSES[op],
      filter: { lane: 'x' },
      ...(to ? { to } : {}),
      actor: 'alice',
      examine: 100,
      change: 100,
    })
    expect(r.changed).toBeGreaterThan(0)
    for (const id of r.ids) await single(one, op, id, to)
    expect(await state(bulk)).toEqual(await state(one))
    expect(await history(bulk)).toEqual(await history(one))
    // and every bulk event names the actor and the op
    const events = parseStreamEntries((await bulk.redis.xrange(bulk.keys.events, '-', '+')) as [string, string[]][])
    const own = events.filter((e) => ['unblocked', 'archived', 'assigned', 'deleted'].includes(e.kind))
    expect(own).toHaveLength(r.changed)
    for (const e of own) expect(e.payload).toMatchObject({ actor: 'alice', bulk: op })
  })
})
