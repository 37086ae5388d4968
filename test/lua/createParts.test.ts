/**
 * createTasks of a DAG larger than one part (create.ts#PART_BUDGET) runs as check and write
 * parts in one MULTI / EXEC (includes/createBatch.lua). It must leave exactly the board one
 * call would leave — ids, statuses, links, flags, indexes, events, lane jobs — and, when a
 * check fails in any part, nothing at all.
 */
import { describe, expect, it } from 'vitest'
import { byMemberWhereTimeScored, luaBoard, type LuaBoard } from '../helpers/lua.js'
import { dumpBoardKeys } from '../helpers/redis.js'
import { createInParts, partsOf, PART_BUDGET } from '../../src/create.js'
import { KanbanError } from '../../src/errors.js'
import type { CreateNodeArg } from '../../src/scriptContract.js'

/** A board's keys with its name and the clock's readings (13-digit epoch ms) taken out. */
async function normalized(b: LuaBoard): Promise<unknown> {
  const dump = await dumpBoardKeys(b.redis, b.name)
  return byMemberWhereTimeScored(
    JSON.parse(
      JSON.stringify(dump)
        .replaceAll(b.name, 'B')
        .replace(/\b1[7-9]\d{11}\b/g, 'T'),
    ),
  )
}

/**
 * Tasks both boards have before the batch: one ready, one done, one an idempotency key
 * names, and 260 more (every third done, one with a child already) for the wide nodes.
 */
async function seed(b: LuaBoard): Promise<{ ready: string; done: string; many: string[] }> {
  const ready = await b.create({ title: 'existing ready' })
  const done = await b.create({ title: 'existing done' })
  expect(await b.call('completeTask', { id: done })).toMatchObject({ ok: true })
  await b.create({ title: 'keyed', idempotencyKey: 'kx' })
  const r = await b.call('createTasks', { nodes: Array.from({ length: 260 }, (_, i) => ({ ref: `e${i}`, title: `existing ${i}` })) })
  const many = Array.from({ length: 260 }, (_, i) => r.ids[`e${i}`]!)
  for (const id of many.filter((_, i) => i % 3 === 0)) expect(await b.call('completeTask', { id })).toMatchObject({ ok: true })
  await b.create({ title: 'a child already', parentIds: [many[1]!] })
  return { ready, done, many }
}

/**
 * 300 nodes over several parts: priorities and lanes mixed (the lane jobs are grouped in
 * dispatch order), links to earlier parts, a fan-in node that is a part of its own,
 * idempotency keys repeated across parts and one naming an existing task, links to existing
 * tasks, triage / blocked / scheduled nodes.
 */
function dag(existing: { ready: string; done: string; many: string[] }, runAt: number): CreateNodeArg[] {
  return Array.from({ length: 300 }, (_, i): CreateNodeArg => {
    const n: CreateNodeArg = { ref: `n${i}`, title: `task ${i}` }
    if (i % 7 === 0) n.priority = 5
    if (i % 3 !== 0) n.assignee = i % 3 === 1 ? 'lane-a' : 'lane-b'
    if (i > 3 && i % 5 === 0) n.parentRefs = [`n${i - 1}`, `n${i - 4}`]
    if (i === 150) n.parentRefs = Array.from({ length: 140 }, (_, k) => `n${k}`)
    if (i % 11 === 0) n.idempotencyKey = `k${i % 33}`
    if (i === 200) n.idempotencyKey = 'kx'
    if (i === 201) n.parentRefs = ['n200', 'n33']
    if (i === 7) n.parentIds = [existing.ready]
    if (i === 8) n.parentIds = [existing.done]
    if (i === 9) n.triage = true
    if (i === 10) n.blocked = true
    if (i === 12) n.runAt = runAt
    // wide nodes: parents linked by link calls; one waits on undone ones, one only on done
    // ones (ready), one also names batch refs, and the last node is one (the last call links)
    if (i === 60) n.parentIds = existing.many
    if (i === 61) n.parentIds = existing.many.filter((_, k) => k % 3 === 0)
    if (i === 62) n.parentIds = existing.many.slice(0, 120)
    if (i === 299) n.parentIds = existing.many.slice(100, 230)
    // wide by refs: n150 names 140 earlier refs (keyed ones among them, sharing keys); n250
    // names refs and ids, one ref an idempotency hit on an existing task (n200), one sharing
    // n0's key (n33)
    if (i === 250) {
      n.parentRefs = [...Array.from({ length: 48 }, (_, k) => `n${202 + k}`), 'n200', 'n33', 'n0']
      n.parentIds = existing.many.slice(0, 10)
    }
    return n
  })
}

describe('createTasks in parts', () => {
  it('splits by nodes plus parent links, a node never split', () => {
    const nodes = dag({ ready: 't1', done: 't2', many: Array.from({ length: 260 }, (_, i) => `t${i + 4}`) }, 0)
    const parts = partsOf(nodes)
    expect(parts.length).toBeGreaterThan(3)
    expect(parts.flat().map((n) => n.ref)).toEqual(nodes.map((n) => n.ref))
    // a wide node (more parents than the budget) counts two: link calls of its own link them
    const links = (n: CreateNodeArg) => (n.parentIds?.length ?? 0) + (n.parentRefs?.length ?? 0)
    const cost = (p: CreateNodeArg[]) => p.reduce((s, n) => s + (links(n) > PART_BUDGET ? 2 : 1 + links(n)), 0)
    for (const p of parts) expect(p.length === 1 || cost(p) <= PART_BUDGET).toBe(true)
    for (const ref of ['n60', 'n150', 'n250']) expect(parts.find((p) => p.some((n) => n.ref === ref))!.length).toBeGreaterThan(1)
    expect(partsOf(nodes.slice(0, 20))).toHaveLength(1)
  })

  it('leaves the same board as one call, lane jobs and events included', async () => {
    const one = await luaBoard('parts-one')
    const many = await luaBoard('parts-many')
    const runAt = (await one.now()) + 3_600_000
    const e1 = await seed(one)
    const e2 = await seed(many)
    expect(e2).toEqual(e1)
    const nodes = dag(e1, runAt)

    const single = await one.call('createTasks', { nodes, enqueue: true })
    const parts = partsOf(nodes)
    const merged = await createInParts(many.scripts, parts, true)

    expect(merged).toEqual(single)
    expect(single.jobs.length).toBeGreaterThan(0)
    expect(new Set(single.jobs.map((j) => j.lane))).toEqual(new Set(['lane-a', 'lane-b']))
    // the repeated keys: one task per key, the existing one reused
    expect(single.ids.n33).toBe(single.ids.n0)
    expect(single.ids.n200).toBe('t3')
    // 28 nodes (every 11th) share 3 keys, n200 names the existing task: 300 - 25 - 1 new
    expect(single.created).toHaveLength(274)
    // nothing of the scratch state is left, and every other key matches
    expect(await many.redis.keys(`${many.keys.prefix}cb:*`)).toEqual([])
    expect(await normalized(many)).toEqual(await normalized(one))
  })

  it('is one atomic step: a failed check in the last part writes nothing', async () => {
    const b = await luaBoard('parts-fail')
    const nodes = dag(await seed(b), 0)
    nodes[299]!.parentIds = [...nodes[299]!.parentIds!, 't9999']
    const before = await normalized(b)
    const e = await createInParts(b.scripts, partsOf(nodes), true).then(
      () => null,
      (err: unknown) => err,
    )
    expect(e).toBeInstanceOf(KanbanError)
    expect((e as KanbanError).code).toBe('UNKNOWN_PARENT')
    expect((e as KanbanError).details).toMatchObject({ id: 't9999' })
    expect(await normalized(b)).toEqual(before)
  })

  it('two large batches with the same idempotency keys, at once, create each keyed task once', async () => {
    const b = await luaBoard('parts-idem')
    const batch = (tag: string) => Array.from({ length: 250 }, (_, i): CreateNodeArg => ({ ref: `n${i}`, title: `${tag} ${i}`, idempotencyKey: `key-${i}` }))
    const [x, y] = await Promise.all([createInParts(b.scripts, partsOf(batch('x'))), createInParts(b.scripts, partsOf(batch('y')))])
    expect(y.ids).toEqual(x.ids)
    expect(x.created.length + y.created.length).toBe(250)
    expect(await b.redis.zcard(b.keys.status('ready'))).toBe(250)
  })
})
