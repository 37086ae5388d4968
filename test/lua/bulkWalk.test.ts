/**
 * The walk of a bulk operation (bulkTasks.lua, includes/select.lua): the per-call bounds on
 * entries examined and tasks changed, and a cursor that resumes exactly after the last
 * entry visited while the op itself (or another process) moves tasks out of the index.
 */
import { describe, expect, it } from 'vitest'
import { luaBoard, type LuaBoard } from '../helpers/lua.js'
import type { BulkCursor, ScriptArgs, ScriptReplies } from '../../src/scriptContract.js'

type Args = ScriptArgs['bulkTasks']
type Reply = ScriptReplies['bulkTasks']

/** Calls until the walk is done; `between` runs after each call. Returns every reply. */
async function walkAll(b: LuaBoard, args: Omit<Args, 'cursor'>, between?: (r: Reply, i: number) => Promise<void>): Promise<Reply[]> {
  const out: Reply[] = []
  let cursor: BulkCursor | undefined
  for (let i = 0; i < 1000; i++) {
    const r = await b.call('bulkTasks', { ...args, ...(cursor ? { cursor } : {}) })
    out.push(r)
    if (!r.cursor) return out
    cursor = r.cursor
    await between?.(r, i)
  }
  throw new Error('the walk did not end')
}

const base = { filter: {}, actor: 'ops', examine: 1000, change: 1000 }
const sum = (rs: Reply[], k: 'examined' | 'matched' | 'changed') => rs.reduce((n, r) => n + r[k], 0)

async function blockedTasks(b: LuaBoard, n: number, node: Parameters<LuaBoard['create']>[0] = {}): Promise<string[]> {
  const r = await b.call('createTasks', {
    nodes: Array.from({ length: n }, (_, i) => ({ ref: `n${i}`, title: `task ${i}`, blocked: true, parentIds: [], parentRefs: [], ...node })),
  })
  return Array.from({ length: n }, (_, i) => r.ids[`n${i}`]!)
}

describe('bulkTasks.lua: bounds per call', () => {
  it('a call examines at most `examine` index entries, and the next resumes after the last', async () => {
    const b = await luaBoard('bulkwalk')
    const x = await blockedTasks(b, 5, { assignee: 'x' })
    const y = await blockedTasks(b, 5, { assignee: 'y' })
    const rs = await walkAll(b, { ...base, op: 'unblock', statuses: ['blocked'], filter: { lane: 'x' }, examine: 3 })
    expect(rs.map((r) => r.examined)).toEqual([3, 3, 3, 1])
    expect(rs[0]!.cursor).toMatchObject({ status: 'blocked', id: x[2] })
    expect(sum(rs, 'changed')).toBe(5)
    expect(rs.flatMap((r) => r.ids)).toEqual(x)
    for (const id of x) expect((await b.kinds(id)).filter((k) => k === 'unblocked')).toHaveLength(1)
    for (const id of y) expect((await b.task(id)).status).toBe('blocked')
  })

  it('a call changes at most `change` tasks and stops right after the last one it changed', async () => {
    const b = await luaBoard('bulkwalk')
    const ids = await blockedTasks(b, 7)
    const first = await b.call('bulkTasks', { ...base, op: 'unblock', statuses: ['blocked'], change: 2 })
    expect(first).toMatchObject({ examined: 2, changed: 2, ids: ids.slice(0, 2) })
    expect(first.cursor?.id).toBe(ids[1])
    const rs = await walkAll(b, { ...base, op: 'unblock', statuses: ['blocked'], change: 2 })
    expect(rs.map((r) => r.changed)).toEqual([2, 2, 1])
    expect(rs.flatMap((r) => r.ids)).toEqual(ids.slice(2))
  })

  it('a walk over several statuses carries on into the next index; a cursor of a status alone starts it at its beginning', async () => {
    const b = await luaBoard('bulkwalk')
    const later = await b.create({ runAt: (await b.now()) + 3_600_000 })
    const blocked = await blockedTasks(b, 2)
    const rs = await walkAll(b, { ...base, op: 'unblock', statuses: ['scheduled', 'blocked'], dryRun: true, examine: 2 })
    expect(rs.flatMap((r) => r.ids)).toEqual([later, ...blocked])
    const fromBlocked = await b.call('bulkTasks', { ...base, op: 'unblock', statuses: ['scheduled', 'blocked'], dryRun: true, cursor: { status: 'blocked' } })
    expect(fromBlocked.ids).toEqual(blocked)
  })
})

describe('bulkTasks.lua: a cursor that holds while tasks move', () => {
  it('every task once while the op moves each out of the index it walks (ranks shift, the cursor does not)', async () => {
    const b = await luaBoard('bulkwalk')
    const ids = await blockedTasks(b, 25)
    const rs = await walkAll(b, { ...base, op: 'unblock', statuses: ['blocked'], examine: 4, change: 3 })
    expect(rs.flatMap((r) => r.ids)).toEqual(ids)
    expect(sum(rs, 'examined')).toBe(25)
    expect(await b.redis.zcard(b.keys.status('blocked'))).toBe(0)
  })

  it('another process removing and adding tasks between calls: no task skipped or met twice of those that stayed', async () => {
    const b = await luaBoard('bulkwalk')
    const ids = await blockedTasks(b, 30, { assignee: 'x' })
    const removed = new Set<string>()
    const rs = await walkAll(b, { ...base, op: 'reassign', statuses: ['blocked'], to: 'y', examine: 4 }, async (r) => {
      // one task behind the cursor and one ahead go away, a new one comes in ahead
      const at = ids.indexOf(r.cursor!.id!)
      for (const id of [ids[at - 1], ids[at + 2]]) {
        if (id && !removed.has(id)) {
          removed.add(id)
          await b.call('deleteTask', { id })
        }
      }
    })
    const seen = rs.flatMap((r) => r.ids)
    expect(new Set(seen).size).toBe(seen.length)
    const stayed = ids.filter((id) => !removed.has(id))
    for (const id of stayed) expect(seen, id).toContain(id)
    for (const id of stayed) expect((await b.task(id)).assignee).toBe('y')
  })

  it('entries of one score are walked in byte order, each once, whether the cursor entry stays (dry run) or leaves (unblock)', async () => {
    const b = await luaBoard('bulkwalk')
    const ids = await blockedTasks(b, 12)
    // a score shared by every entry (product ids have scores of their own): the id orders them
    for (const id of ids) await b.redis.zadd(b.keys.status('blocked'), 7, id)
    const byteOrder = [...ids].sort((a, c) => Buffer.compare(Buffer.from(a), Buffer.from(c)))
    expect(byteOrder).not.toEqual(ids)
    const dry = await walkAll(b, { ...base, op: 'unblock', statuses: ['blocked'], dryRun: true, examine: 5 })
    expect(dry.flatMap((r) => r.ids)).toEqual(byteOrder)
    const real = await walkAll(b, { ...base, op: 'unblock', statuses: ['blocked'], examine: 5, change: 2 })
    expect(real.flatMap((r) => r.ids)).toEqual(byteOrder)
    expect(sum(real, 'examined')).toBe(12)
  })
})
