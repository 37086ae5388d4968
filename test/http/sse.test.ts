/**
 * Live events over SSE (docs/http-api.md#live-updates-server-sent-events): each event with
 * its id, resumable with Last-Event-ID — no event missed across a reconnect, none twice —
 * a keep-alive comment, a `gap` when the events asked for were trimmed, and one Redis
 * reader per board however many clients are connected.
 */
import { describe, expect, it } from 'vitest'
import type { KanbanEvent } from '../../src/index.js'
import { startApi, type Api } from './helpers.js'

interface Msg {
  id?: string
  event?: string
  data?: string
  retry?: string
  comment?: string
}

/** An SSE client over a fetch Response: messages as they arrive. */
function reader(res: Response) {
  const r = res.body!.getReader()
  const dec = new TextDecoder()
  let buf = ''
  const queue: Msg[] = []
  async function next(timeoutMs = 10_000): Promise<Msg> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      if (queue.length) return queue.shift()!
      const i = buf.indexOf('\n\n')
      if (i >= 0) {
        const block = buf.slice(0, i)
        buf = buf.slice(i + 2)
        const m: Msg = {}
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) m.comment = line.slice(1).trim()
          else {
            const [k, ...v] = line.split(':')
            ;(m as Record<string, string>)[k!] = v.join(':').trimStart()
          }
        }
        queue.push(m)
        continue
      }
      const left = deadline - Date.now()
      if (left <= 0) throw new Error('no SSE message in time')
      const chunk = await Promise.race([r.read(), new Promise<'timeout'>((res) => setTimeout(res, left, 'timeout'))])
      if (chunk === 'timeout') throw new Error('no SSE message in time')
      if (chunk.done) throw new Error('stream ended')
      buf += dec.decode(chunk.value, { stream: true })
    }
  }
  /** the next n board events, skipping comments and the retry line */
  async function events(n: number): Promise<KanbanEvent[]> {
    const out: KanbanEvent[] = []
    while (out.length < n) {
      const m = await next()
      if (m.data !== undefined && m.event === undefined) {
        const e = JSON.parse(m.data) as KanbanEvent
        expect(m.id).toBe(String(e.id))
        out.push(e)
      }
    }
    return out
  }
  return { next, events, cancel: () => r.cancel() }
}

const stream = (api: Api, headers: Record<string, string> = {}, query = '') => api.call('GET', `${api.b}/events/stream${query}`, { as: 'viewer', headers })

describe('SSE', () => {
  it('streams new events with their ids, and resumes after Last-Event-ID with none missed', async () => {
    const api = await startApi()
    const res = await stream(api)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const a = reader(res)
    expect((await a.next()).retry).toBe('3000')
    const t1 = await api.board.createTask({ title: 'one' })
    const [e1] = await a.events(1)
    expect(e1).toMatchObject({ taskId: t1, kind: 'created' })
    await a.cancel() // the client drops

    // written while nobody is connected
    const t2 = await api.board.createTask({ title: 'two' })
    await api.board.blockTask(t2, { reason: 'wait' })
    const b = reader(await stream(api, { 'last-event-id': String(e1!.id) }))
    const missed = await b.events(2)
    expect(missed.map((e) => [e.taskId, e.kind])).toEqual([
      [t2, 'created'],
      [t2, 'blocked'],
    ])
    // then live, in order, nothing twice
    await api.board.unblockTask(t2)
    const [live] = await b.events(1)
    expect(live).toMatchObject({ taskId: t2, kind: 'unblocked', id: missed[1]!.id + 1 })
    await b.cancel()
  })

  it('no event is missed while a client catches up and events keep coming', async () => {
    const api = await startApi()
    const first = await api.board.createTask({ title: 'start' })
    const [start] = await api.board.events({ taskId: first })
    for (let i = 0; i < 600; i++) await api.board.addComment(first, { author: 'a', body: `c${i}` })
    const c = reader(await stream(api, { 'last-event-id': String(start!.id) }))
    // writes go on while the 600 older events are sent
    const writing = (async () => {
      for (let i = 0; i < 100; i++) await api.board.addComment(first, { author: 'b', body: `live${i}` })
    })()
    const got = await c.events(700)
    await writing
    const ids = got.map((e) => e.id)
    expect(ids).toEqual(Array.from({ length: 700 }, (_, i) => start!.id + 1 + i))
    await c.cancel()
  })

  it('filters by task, sends a keep-alive, and says when the events asked for were trimmed', async () => {
    const api = await startApi({ keepAliveMs: 50 })
    const a = await api.board.createTask({ title: 'a' })
    const b = await api.board.createTask({ title: 'b' })
    const s = reader(await stream(api, {}, `?task=${b}&after=0`))
    const evs = await s.events(1)
    expect(evs.map((e) => e.taskId)).toEqual([b])
    let m = await s.next()
    while (m.comment === undefined) m = await s.next()
    expect(m.comment).toBe('keep-alive')
    await s.cancel()
    void a

    // a board whose stream keeps only the last ~1000 events
    await api.board.configure({ eventStreamMax: 1000 })
    for (let i = 0; i < 1300; i++) await api.board.addComment(a, { author: 'x', body: String(i) })
    const g = reader(await stream(api, { 'last-event-id': '1' }))
    let gap = await g.next()
    while (gap.event !== 'gap') gap = await g.next()
    const data = JSON.parse(gap.data!) as { after: number; oldest: number }
    expect(data.after).toBe(1)
    expect(data.oldest).toBeGreaterThan(2)
    const [firstAfterGap] = await g.events(1)
    expect(firstAfterGap!.id).toBe(data.oldest)
    await g.cancel()
  })

  it('one Redis reader per board fans out to every client', async () => {
    const api = await startApi()
    const streams = await Promise.all(Array.from({ length: 20 }, () => stream(api)))
    const readers = streams.map(reader)
    for (const r of readers) await r.next() // retry: connected
    const id = await api.board.createTask({ title: 'fan' })
    for (const r of readers) expect((await r.events(1))[0]).toMatchObject({ taskId: id, kind: 'created' })
    // 20 clients, one reader connection of the board (the hub's), not 20
    const list = (await api.board.redis.call('CLIENT', 'LIST')) as string
    expect(list.split('\n').filter((l) => l.includes(` name=kanban-sse:${api.board.name} `))).toHaveLength(1)
    for (const r of readers) await r.cancel()
  })
})
