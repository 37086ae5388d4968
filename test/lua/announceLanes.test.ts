import { describe, expect, it } from 'vitest'
import { luaBoard, type LuaBoard } from '../helpers/lua.js'

const WINDOW_MS = 30_000
const reserveAll = (b: LuaBoard) => b.call('reserveDispatch', { count: 100, scan: 100 })
/** how many tasks each lane job of a reservation carries, in job order */
function jobSizes(jobs: { jobId: string }[]): number[] {
  const n = new Map<string, number>()
  for (const j of jobs) n.set(j.jobId, (n.get(j.jobId) ?? 0) + 1)
  return [...n.values()]
}

/** The current window, a safe distance from its end, so a test's reads and writes share it. */
async function window(b: LuaBoard): Promise<number> {
  let now = await b.now()
  if (now % WINDOW_MS > WINDOW_MS - 3000) {
    await new Promise((r) => setTimeout(r, WINDOW_MS - (now % WINDOW_MS) + 50))
    now = await b.now()
  }
  return Math.floor(now / WINDOW_MS)
}

describe('announceLanes.lua (workers announce their concurrency; lane jobs fit it)', () => {
  it('keeps the smallest concurrency announced per lane in the current window, for 90 s', async () => {
    const b = await luaBoard('lanecap')
    const w = await window(b)
    expect(await b.call('announceLanes', { lanes: ['a', 'b'], concurrency: 8 })).toEqual({ ok: true, window: w })
    await b.call('announceLanes', { lanes: ['a'], concurrency: 3 })
    await b.call('announceLanes', { lanes: ['a', 'b'], concurrency: 20 })
    expect(await b.redis.hgetall(b.keys.laneCap(w))).toEqual({ a: '3', b: '8' })
    const ttl = await b.redis.pttl(b.keys.laneCap(w))
    expect(ttl).toBeGreaterThan(85_000)
    expect(ttl).toBeLessThanOrEqual(90_000)
  })

  it('a lane job carries at most half the smallest announced concurrency: one-task jobs for workers of concurrency 1', async () => {
    const b = await luaBoard('lanecap')
    await window(b)
    await b.call('announceLanes', { lanes: ['six'], concurrency: 6 })
    await b.call('announceLanes', { lanes: ['one'], concurrency: 1 })
    await b.call('announceLanes', { lanes: ['wide'], concurrency: 200 })
    for (let i = 0; i < 24; i++) await b.create({ assignee: 'six' })
    for (let i = 0; i < 5; i++) await b.create({ assignee: 'one' })
    for (let i = 0; i < 60; i++) await b.create({ assignee: 'wide' })
    const { jobs } = await reserveAll(b)
    const lane = (l: string) => jobSizes(jobs.filter((j) => j.lane === l))
    expect(lane('six')).toEqual([3, 3, 3, 3, 3, 3, 3, 3]) // min(50, 24/4, 6/2)
    expect(lane('one')).toEqual([1, 1, 1, 1, 1])
    expect(lane('wide')).toEqual([15, 15, 15, 15]) // min(50, 60/4, 200/2)
  })

  it('a lane no worker announced gets jobs of at most 10; tasksPerJob still caps', async () => {
    const b = await luaBoard('lanecap')
    for (let i = 0; i < 100; i++) await b.create({ assignee: 'quiet' })
    expect(jobSizes((await reserveAll(b)).jobs)).toEqual(Array(10).fill(10))
    await b.call('configure', { set: { tasksPerJob: 4 }, clear: [] })
    await b.call('announceLanes', { lanes: ['loud'], concurrency: 100 })
    for (let i = 0; i < 40; i++) await b.create({ assignee: 'loud' })
    expect(jobSizes((await reserveAll(b)).jobs)).toEqual(Array(10).fill(4))
  })

  it('reads the previous window too, and nothing older: a worker that stopped drops out within a minute', async () => {
    const b = await luaBoard('lanecap')
    const w = await window(b)
    await b.redis.hset(b.keys.laneCap(w - 1), 'prev', '4')
    await b.redis.hset(b.keys.laneCap(w - 2), 'old', '2')
    for (let i = 0; i < 40; i++) await b.create({ assignee: 'prev' })
    for (let i = 0; i < 40; i++) await b.create({ assignee: 'old' })
    const { jobs } = await reserveAll(b)
    expect(jobSizes(jobs.filter((j) => j.lane === 'prev'))).toEqual(Array(20).fill(2))
    expect(jobSizes(jobs.filter((j) => j.lane === 'old'))).toEqual(Array(4).fill(10)) // unseen: as concurrency 20
    // both windows count: the smaller of the two
    await b.redis.hset(b.keys.laneCap(w), 'prev', '12')
    for (let i = 0; i < 40; i++) await b.create({ assignee: 'prev' })
    expect(jobSizes((await reserveAll(b)).jobs)).toEqual(Array(20).fill(2))
  })
})
