/**
 * The fleet pushed on the event stream (docs/http-api.md#live-updates-server-sent-events):
 * with `fleet=true` the stream sends `event: fleet` (no id) with the board's fleet once live,
 * then whenever it changes — a worker announcing a lane, leaving, a dispatcher tick — though
 * none of these writes an event; one read per period per board however many listen, and
 * none while nobody does. A stream without `fleet` gets none.
 */
import { describe, expect, it } from 'vitest'
import { Worker } from '../../src/index.js'
import { FleetFeed, type FleetSnapshot } from '../../src/http/fleetFeed.js'
import { startApi, type Api } from './helpers.js'

interface Msg {
  id?: string
  event?: string
  data?: string
}

/** The SSE messages of a response as they come; `fleet()` waits for the next fleet message matching. */
function sse(res: Response) {
  const r = res.body!.getReader()
  const dec = new TextDecoder()
  let buf = ''
  const seen: Msg[] = []
  async function next(until: number): Promise<Msg> {
    for (;;) {
      const i = buf.indexOf('\n\n')
      if (i >= 0) {
        const m: Msg = {}
        for (const line of buf.slice(0, i).split('\n')) {
          if (line.startsWith(':')) continue
          const [k, ...v] = line.split(':')
          ;(m as Record<string, string>)[k!] = v.join(':').trimStart()
        }
        buf = buf.slice(i + 2)
        seen.push(m)
        return m
      }
      const left = until - Date.now()
      if (left <= 0) throw new Error('no SSE message in time')
      const chunk = await Promise.race([r.read(), new Promise<'timeout'>((res) => setTimeout(res, left, 'timeout'))])
      if (chunk === 'timeout') throw new Error('no SSE message in time')
      if (chunk.done) throw new Error('stream ended')
      buf += dec.decode(chunk.value, { stream: true })
    }
  }
  return {
    seen,
    async fleet(ok: (f: FleetSnapshot) => boolean = () => true, timeoutMs = 15_000): Promise<FleetSnapshot> {
      const until = Date.now() + timeoutMs
      for (;;) {
        const m = await next(until)
        if (m.event !== 'fleet') continue
        expect(m.id, 'a fleet message has no id').toBeUndefined()
        const f = JSON.parse(m.data!) as FleetSnapshot
        if (ok(f)) return f
      }
    },
    close: () => r.cancel(),
  }
}

const open = async (api: Api, query = '?fleet=true') => {
  const res = await api.call('GET', `${api.b}/events/stream${query}`, { as: 'viewer' })
  expect(res.status).toBe(200)
  return sse(res)
}

describe('the fleet on the event stream', () => {
  it('pushes a worker that announces a new lane, its leaving, and a dispatcher tick, without any event', { timeout: 60_000 }, async () => {
    const api = await startApi({}, 'fleet-sse')
    const s = await open(api)
    const first = await s.fleet()
    expect(first.workers).toEqual([])
    expect(first.dispatcher.lastTickAt).toBeNull()
    const eventsBefore = (await api.board.events({})).length

    const worker = await new Worker({ board: api.board, lanes: ['pushed-lane'], name: 'pusher', handler: () => undefined }).start()
    try {
      const joined = await s.fleet((f) => f.workers.some((w) => w.name === 'pusher'))
      expect(joined.lanes.find((l) => l.lane === 'pushed-lane')).toMatchObject({ workers: { live: 1, concurrency: 1 } })
    } finally {
      await worker.close()
    }
    await s.fleet((f) => f.workers.length === 0)

    await api.board.dispatchOnce({ holder: 'tick-from-the-test' })
    const ticked = await s.fleet((f) => f.dispatcher.lastTickAt !== null)
    expect(ticked.dispatcher.lastTickBy).toBe('tick-from-the-test')
    // none of it wrote a board event, and none came on the stream
    expect((await api.board.events({})).length).toBe(eventsBefore)
    expect(s.seen.filter((m) => m.event === undefined && m.data !== undefined)).toEqual([])
    await s.close()
  })

  it('sends nothing while the fleet is unchanged, and only to the streams that asked', { timeout: 60_000 }, async () => {
    const api = await startApi({}, 'fleet-sse')
    const a = await open(api)
    const b = await open(api)
    const plain = await open(api, '')
    await a.fleet()
    await b.fleet()
    // two feed periods and more with nothing changing: no second fleet message, none at all without fleet=true
    await Promise.all([
      expect(a.fleet(() => true, 4_500)).rejects.toThrow(/no SSE message in time/),
      expect(plain.fleet(() => true, 4_500)).rejects.toThrow(/no SSE message in time/),
    ])
    await api.board.createTask({ title: 'ready on a lane', assignee: 'counted' })
    const counted = await b.fleet((f) => f.lanes.some((l) => l.lane === 'counted'))
    expect(counted.lanes.find((l) => l.lane === 'counted')).toMatchObject({ ready: 1, running: 0 })
    await Promise.all([a.close(), b.close(), plain.close()])
  })

  it('one read per period for the board however many listen, and none once nobody does', { timeout: 30_000 }, async () => {
    const api = await startApi({}, 'fleet-sse')
    let reads = 0
    const feed = new FleetFeed(api.board, () => (reads++, []), 100)
    const got: FleetSnapshot[][] = [[], [], []]
    const listeners = got.map((list) => (f: FleetSnapshot) => list.push(f))
    for (const l of listeners) feed.join(l)
    await expect.poll(() => got.every((l) => l.length === 1)).toBe(true)
    await new Promise((r) => setTimeout(r, 1000))
    // about ten periods: one read each, for three listeners; each heard the one fleet once
    expect(reads).toBeGreaterThanOrEqual(3)
    expect(reads).toBeLessThanOrEqual(12)
    expect(got.map((l) => l.length)).toEqual([1, 1, 1])
    for (const l of listeners) feed.leave(l)
    await new Promise((r) => setTimeout(r, 300))
    const stopped = reads
    await new Promise((r) => setTimeout(r, 500))
    expect(reads).toBe(stopped)
    await feed.close()
  })

  it("a worker's announcements alone are sent at most every 10 s, not on every read", { timeout: 30_000 }, async () => {
    const api = await startApi({}, 'fleet-sse')
    const worker = await new Worker({ board: api.board, lanes: ['chatty'], name: 'chatty', handler: () => undefined, announceEveryMs: 200 }).start()
    const feed = new FleetFeed(api.board, () => [], 100)
    try {
      const got: FleetSnapshot[] = []
      feed.join((f) => got.push(f))
      await expect.poll(() => got.length).toBe(1)
      const first = got[0]!.workers[0]!.lastSeen
      // it announced again (more than once) meanwhile, and still only the first fleet was sent
      await expect.poll(async () => (await api.board.workers()).workers[0]!.lastSeen, { timeout: 5_000 }).toBeGreaterThan(first + 500)
      expect(got.length).toBe(1)
      // a change beyond the announcement times goes at once, with the latest times
      await api.board.createTask({ title: 'ready elsewhere', assignee: 'elsewhere' })
      await expect.poll(() => got.length).toBe(2)
      expect(got[1]!.workers[0]!.lastSeen).toBeGreaterThan(first)
    } finally {
      await feed.close()
      await worker.close()
    }
  })
})
