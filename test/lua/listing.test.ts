/**
 * The listing indexes (includes/listing.lua): per status and lane, tenant, or both, scored
 * like the status index; a lane's ready tasks by when they became ready; the lanes and
 * tenants that have tasks. Every script that changes a status, a lane or a tenant keeps them
 * exact: a random sequence of every such script, on a few lanes and tenants, compared after
 * each call with what the task hashes say (test/helpers/listing.ts). And no script but the
 * include writes a task's lane or tenant field (createTasks' new hashes aside).
 */
import { describe, expect, it } from 'vitest'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { luaBoard, type LuaBoard } from '../helpers/lua.js'
import { actualListing, expectedListing } from '../helpers/listing.js'
import { createInParts, partsOf } from '../../src/create.js'
import { KanbanError } from '../../src/errors.js'
import type { CreateNodeArg } from '../../src/scriptContract.js'

const LANES = ['coder', 'review', 'ops']
const TENANTS = ['acme', 'globex', 'x:a:y {z}']

/** A small seeded generator (mulberry32): a failing seed replays the same sequence. */
function rng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(next() * n)
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!
  const maybe = <T>(p: number, v: () => T): T | undefined => (next() < p ? v() : undefined)
  return { next, int, pick, maybe }
}

async function expectExact(b: LuaBoard, what: string): Promise<void> {
  const [want, got] = [await expectedListing(b.redis, b.keys), await actualListing(b.redis, b.keys)]
  expect(got, what).toEqual(want)
}

/** A call that may be refused or name a deleted task: only what it leaves behind matters here. */
async function attempt(f: () => Promise<unknown>): Promise<void> {
  try {
    await f()
  } catch (e) {
    if (!(e instanceof KanbanError)) throw e
  }
}

describe('the listing indexes follow every change of status, lane and tenant', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`a random sequence of every such script keeps them exact (seed ${seed})`, { timeout: 60_000 }, async () => {
      const b = await luaBoard('listing')
      const r = rng(seed)
      const ids: string[] = []
      const log: string[] = []
      const statuses = new Set<string>()
      const node = (ref: string): CreateNodeArg => ({
        ref,
        title: ref,
        priority: r.pick([-1, 0, 0, 3]),
        ...(r.next() < 0.7 ? { assignee: r.pick(LANES) } : {}),
        ...(r.next() < 0.6 ? { tenant: r.pick(TENANTS) } : {}),
        ...(r.next() < 0.1 ? { triage: true } : {}),
        ...(r.next() < 0.05 ? { blocked: true } : {}),
        ...(ids.length && r.next() < 0.3 ? { parentIds: [r.pick(ids)] } : {}),
      })
      const runOf = async (id: string) => (await b.redis.hget(b.keys.task(id), 'currentRunId')) ?? undefined
      const ops: Record<string, (id: string) => Promise<unknown>> = {
        create: async () => {
          const n = 1 + r.int(3)
          const res = await b.call('createTasks', { nodes: Array.from({ length: n }, (_, i) => node(`n${i}`)) })
          ids.push(...Object.values(res.ids))
        },
        createInParts: async () => {
          const nodes = Array.from({ length: 60 + r.int(20) }, (_, i) => node(`p${i}`))
          const res = await createInParts(b.scripts, partsOf(nodes))
          ids.push(...Object.values(res.ids))
        },
        assign: (id) => b.call('assignTask', { id, assignee: r.maybe(0.8, () => r.pick(LANES)) ?? null }),
        tenant: (id) => b.call('updateTask', { id, patch: { tenant: r.maybe(0.8, () => r.pick(TENANTS)) ?? null } }),
        priority: (id) => b.call('updateTask', { id, patch: { priority: r.int(5) - 2 } }),
        claim: (id) => b.call('claimTask', { id, claimer: 'w' }),
        complete: async (id) => b.call('completeTask', { id, runId: await runOf(id) }),
        block: async (id) => b.call('blockTask', { id, reason: 'r', kind: r.pick(['needs_input', 'dependency', 'transient']), runId: await runOf(id) }),
        unblock: (id) => b.call('unblockTask', { id }),
        fail: async (id) => b.call('recordFailure', { id, runId: await runOf(id), outcome: r.pick(['crashed', 'rate_limited']), error: 'e' }),
        review: async (id) => b.call('requestReview', { id, runId: await runOf(id), ...(r.next() < 0.7 ? { reviewer: r.pick(LANES) } : {}) }),
        changes: async (id) => b.call('requestChanges', { id, runId: await runOf(id), reason: 'again' }),
        specify: (id) => b.call('specifyTask', { id, ...(r.next() < 0.7 ? { assignee: r.pick(LANES) } : {}) }),
        schedule: async (id) => b.call('scheduleTask', { id, runAt: (await b.now()) + r.pick([0, 60_000]), runId: await runOf(id) }),
        releaseDue: () => b.call('releaseDue', { count: 10 }),
        promote: (id) => b.call('promoteTask', { id, actor: 'op', force: r.next() < 0.5 }),
        reclaim: (id) => b.call('reclaimTask', { id }),
        link: (id) => b.call('linkTasks', { parent: r.pick(ids), child: id, maxVisit: 1000 }),
        unlink: (id) => b.call('unlinkTasks', { parent: r.pick(ids), child: id }),
        archive: (id) => b.call('archiveTask', { id }),
        delete: (id) => b.call('deleteTask', { id }),
        defaultLane: () =>
          b.call('configure', r.next() < 0.5 ? { set: { defaultAssignee: r.pick(LANES) }, clear: [] } : { set: {}, clear: ['defaultAssignee'] }),
        reserve: () => b.call('reserveDispatch', { count: 5, scan: 10 }),
      }
      const names = Object.keys(ops)
      await ops.create!('')
      for (let step = 0; step < 160; step++) {
        const name = step % 40 === 39 ? 'createInParts' : r.pick(names.filter((n) => n !== 'createInParts'))
        const id = r.pick(ids)
        log.push(`${name} ${id}`)
        await attempt(() => ops[name]!(id))
        await expectExact(b, `seed ${seed}, step ${step}: ${log.slice(-5).join(' | ')}`)
        const s = await b.redis.hget(b.keys.task(id), 'status')
        if (s) statuses.add(s)
      }
      // not vacuous: the tasks went through most statuses, on lanes and tenants
      expect(statuses.size).toBeGreaterThanOrEqual(7)
      expect((await expectedListing(b.redis, b.keys)).lanes.length).toBeGreaterThan(0)
    })
  }
})

describe('listing entries, call by call', () => {
  it('a new task is filed under its status with its lane, tenant and both, scored by its dispatch order', async () => {
    const b = await luaBoard('listing')
    const id = await b.create({ assignee: 'coder', tenant: 'acme', priority: 2 })
    const ord = Number(await b.redis.hget(b.keys.task(id), 'ord'))
    expect(await b.zscore(b.keys.statusLane('ready', 'coder'), id)).toBe(ord)
    expect(await b.zscore(b.keys.statusTenant('ready', 'acme'), id)).toBe(ord)
    expect(await b.zscore(b.keys.statusLaneTenant('ready', 'coder', 'acme'), id)).toBe(ord)
    expect(await b.redis.zrange(b.keys.laneNames, 0, -1)).toEqual(['coder'])
    expect(await b.redis.zrange(b.keys.tenantNames, 0, -1)).toEqual(['acme'])
    const since = await b.zscore(b.keys.readySince('coder'), id)
    expect(since).toBeGreaterThan(0)
    // a task without lane or tenant is in no narrowed index; unassigned ready counts under ''
    const plain = await b.create()
    expect(await b.zscore(b.keys.readySince(''), plain)).not.toBeNull()
    await expectExact(b, 'created')
  })

  it('a lane that loses its last task leaves the registry; a reassigned ready task keeps its ready-since time', async () => {
    const b = await luaBoard('listing')
    const id = await b.create({ assignee: 'coder', tenant: 'acme' })
    const since = await b.zscore(b.keys.readySince('coder'), id)
    await b.call('assignTask', { id, assignee: 'ops' })
    expect(await b.redis.zrange(b.keys.laneNames, 0, -1)).toEqual(['ops'])
    expect(await b.zscore(b.keys.readySince('ops'), id)).toBe(since)
    expect(await b.redis.exists(b.keys.readySince('coder'))).toBe(0)
    await b.call('updateTask', { id, patch: { tenant: null } })
    expect(await b.redis.zcard(b.keys.tenantNames)).toBe(0)
    await b.call('deleteTask', { id })
    expect(await b.redis.zcard(b.keys.laneNames)).toBe(0)
    expect(await actualListing(b.redis, b.keys)).toEqual({ indexes: {}, ready: {}, lanes: [], tenants: [] })
  })

  it("the dispatcher's default lane files an unassigned task under that lane", async () => {
    const b = await luaBoard('listing')
    const id = await b.create({ tenant: 'acme' })
    await b.call('configure', { set: { defaultAssignee: 'ops' }, clear: [] })
    const r = await b.call('reserveDispatch', { count: 10, scan: 10 })
    expect(r.jobs.map((j) => j.id)).toEqual([id])
    expect(await b.zscore(b.keys.statusLaneTenant('ready', 'ops', 'acme'), id)).not.toBeNull()
    await expectExact(b, 'default lane')
  })

  it("a board's first createTasks marks it indexed; a later one does not touch the mark", async () => {
    const b = await luaBoard('listing')
    expect(await b.redis.hget(b.keys.reindex, 'done')).toBeNull()
    await b.create()
    expect(await b.redis.hgetall(b.keys.reindex)).toEqual({ done: '1' })
  })
})

describe('only the include writes a lane or a tenant', () => {
  const LUA = join(dirname(fileURLToPath(import.meta.url)), '../../src/lua')
  const files = [
    ...readdirSync(LUA)
      .filter((f) => f.endsWith('.lua'))
      .map((f) => [f, readFileSync(join(LUA, f), 'utf8')] as const),
    ...readdirSync(join(LUA, 'includes'))
      .filter((f) => f.endsWith('.lua'))
      .map((f) => [`includes/${f}`, readFileSync(join(LUA, 'includes', f), 'utf8')] as const),
  ]

  it('no HSET / HDEL of a task hash names assignee or tenant outside includes/listing.lua', () => {
    const writes = files.flatMap(([file, text]) =>
      text
        .replace(/--[^\n]*/g, '')
        .split('\n')
        .filter((l) => /redis\.call\('H(SET|DEL)',\s*taskKey\(/.test(l) && /'(assignee|tenant)'/.test(l))
        .map((l) => `${file}: ${l.trim()}`),
    )
    expect(writes.filter((w) => !w.startsWith('includes/listing.lua'))).toEqual([])
    expect(writes.filter((w) => w.startsWith('includes/listing.lua'))).toHaveLength(2)
  })

  it('a loop over field names that lists assignee or tenant hands them to the include', () => {
    const loops = files.flatMap(([file, text]) =>
      [...text.replace(/--[^\n]*/g, '').matchAll(/ipairs\(\{([^}]*)\}\)/g)].filter((m) => /'assignee'|'tenant'/.test(m[1]!)).map((m) => [file, m[1]!] as const),
    )
    // updateTask's patch loop: its tenant goes to setTenant
    expect(loops).toEqual([['updateTask.lua', expect.stringContaining("'tenant'")]])
    expect(files.find(([f]) => f === 'updateTask.lua')![1]).toMatch(/if k == 'tenant' then\n(?:(?!\n\s*elseif)[\s\S])*?setTenant\(id, t, v\)/)
  })
})
