/**
 * Scenario http — the HTTP API (`kanban serve`, the compiled bin, in a process of its own)
 * under load from this process over keep-alive connections:
 *   - a task read: GET /api/boards/<b>/tasks/<id>, `httpConcurrency` requests in flight;
 *   - a complete: POST …/tasks/<id>/complete of ready tasks (each one Lua script, its
 *     events written, one per task);
 *   - SSE fan-out: `httpClients` clients on …/events/stream while `httpEvents` events are
 *     written in batches (createTasks: one `created` event per task); events/s delivered =
 *     clients × events / the time from the first write until the last client has them all.
 * Requests/s are the server's and this process's together on one machine: the client's
 * CPU competes with the server's. Run `npm run build` first.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Ctx } from '../lib/context.js'
import { openBoard } from '../lib/context.js'
import { round, summarize, type Summary } from '../lib/stats.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const BIN = join(root, 'dist', 'cli', 'kanban.js')
const TOKEN = 'bench-token'

export interface HttpLoad {
  requests: number
  concurrency: number
  wallMs: number
  perSec: number
  latencyMs: Summary
  errors: number
}

export interface HttpResult {
  read: HttpLoad
  complete: HttpLoad
  sse: { clients: number; events: number; wallMs: number; deliveredPerSec: number; writtenPerSec: number; missing: number }
}

/** The server as a process: `kanban serve` on a free port; resolves with its URL. */
async function startServer(ctx: Ctx, board: string): Promise<{ url: string; child: ChildProcess }> {
  const tokens = JSON.stringify([{ name: 'bench', sha256: createHash('sha256').update(TOKEN).digest('hex'), role: 'admin' }])
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--redis', ctx.url, '--board', board], {
    env: { ...process.env, KANBAN_TOKENS: tokens, KANBAN_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let log = ''
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      log += d
      const m = /"msg":"serving".*?"url":"([^"]+)"/.exec(log)
      if (m) resolve(m[1]!)
    })
    child.once('exit', (code) => reject(new Error(`kanban serve exited ${code}: ${log}`)))
  })
  return { url, child }
}

/** `n` requests, `concurrency` in flight; each `req(i)` returns whether it succeeded. */
async function load(n: number, concurrency: number, req: (i: number) => Promise<boolean>): Promise<HttpLoad> {
  const lat: number[] = []
  let next = 0
  let errors = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++
        const s = performance.now()
        if (!(await req(i).catch(() => false))) errors++
        lat.push(performance.now() - s)
      }
    }),
  )
  const wallMs = performance.now() - t0
  return { requests: n, concurrency, wallMs: round(wallMs, 1), perSec: round((n / wallMs) * 1000), latencyMs: summarize(lat), errors }
}

export async function http(ctx: Ctx): Promise<HttpResult> {
  const { httpReads: reads, httpCompletes: completes, httpConcurrency: conc, httpClients: clients, httpEvents: events } = ctx.cfg
  const name = ctx.name('http')
  const board = await openBoard(ctx, name)
  const server = await startServer(ctx, name)
  const auth = { authorization: `Bearer ${TOKEN}` }
  const api = `${server.url}/api/boards/${name}`
  try {
    // a board to read from, and the ready tasks to complete
    const ids = Object.values(
      await board.createTasks(Array.from({ length: Math.max(100, completes) }, (_, i) => ({ ref: `r${i}`, title: `task ${i}`, metadata: { i } }))),
    )
    ctx.log(`http: ${reads} reads, ${conc} in flight`)
    await load(Math.min(200, reads), conc, async (i) => (await fetch(`${api}/tasks/${ids[i % ids.length]}`, { headers: auth })).ok) // warm-up
    const read = await load(reads, conc, async (i) => {
      const r = await fetch(`${api}/tasks/${ids[i % ids.length]}`, { headers: auth })
      await r.arrayBuffer()
      return r.ok
    })
    ctx.log(`http: ${completes} completes`)
    const complete = await load(completes, conc, async (i) => {
      const r = await fetch(`${api}/tasks/${ids[i]}/complete`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: '{"result":"ok"}',
      })
      await r.arrayBuffer()
      return r.ok
    })

    ctx.log(`http: SSE, ${clients} clients, ${events} events`)
    const got = new Array<number>(clients).fill(0)
    const acs: AbortController[] = []
    let allIn!: () => void
    const done = new Promise<void>((r) => (allIn = r))
    let finished = 0
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        const ac = new AbortController()
        acs.push(ac)
        const res = await fetch(`${api}/events/stream`, { headers: auth, signal: ac.signal })
        const reader = res.body!.getReader()
        const dec = new TextDecoder()
        let tail = ''
        let ready!: () => void
        const connected = new Promise<void>((r) => (ready = r))
        void (async () => {
          for (;;) {
            const { value, done: end } = await reader.read().catch(() => ({ value: undefined, done: true }))
            if (end) return
            const text = tail + dec.decode(value, { stream: true })
            if (text.includes('retry:')) ready()
            const cut = text.lastIndexOf('\n')
            tail = text.slice(cut + 1)
            got[c]! += (text.slice(0, cut + 1).match(/^id: /gm) ?? []).length
            if (got[c] === events && ++finished === clients) allIn()
          }
        })()
        await connected
      }),
    )
    await new Promise((r) => setTimeout(r, 200)) // every stream has joined the board's reader
    const t0 = performance.now()
    const batch = 500
    for (let i = 0; i < events; i += batch) {
      const n = Math.min(batch, events - i)
      await board.createTasks(Array.from({ length: n }, (_, j) => ({ ref: `e${i + j}`, title: `event ${i + j}` })))
    }
    const written = performance.now() - t0
    await Promise.race([done, new Promise((r) => setTimeout(r, 120_000))])
    const wallMs = performance.now() - t0
    for (const ac of acs) ac.abort()
    const delivered = got.reduce((a, b) => a + Math.min(b, events), 0)
    return {
      read,
      complete,
      sse: {
        clients,
        events,
        wallMs: round(wallMs, 1),
        deliveredPerSec: round((delivered / wallMs) * 1000),
        writtenPerSec: round((events / written) * 1000),
        missing: clients * events - delivered,
      },
    }
  } finally {
    server.child.kill('SIGTERM')
    await new Promise((r) => server.child.once('exit', r))
    await board.close()
  }
}

export function httpMarkdown(
  r: HttpResult,
  f: (x: number | undefined, d?: number) => string,
  table: (head: string[], rows: (string | number)[][]) => string,
): string {
  const row = (label: string, x: HttpLoad) => [label, x.requests, x.concurrency, f(x.perSec), f(x.latencyMs.p50, 2), f(x.latencyMs.p99, 2), x.errors]
  return [
    '## HTTP API — `kanban serve` in its own process, load from the bench process\n',
    table(
      ['', 'requests', 'in flight', 'requests/s', 'p50 ms', 'p99 ms', 'errors'],
      [row('task read (GET …/tasks/:id)', r.read), row('complete (POST …/tasks/:id/complete)', r.complete)],
    ),
    '',
    `SSE fan-out: ${r.sse.clients} clients, ${r.sse.events} events (written at ${f(r.sse.writtenPerSec)}/s in createTasks batches of 500): ${f(r.sse.deliveredPerSec)} events/s delivered in total, all in after ${f(r.sse.wallMs)} ms${r.sse.missing ? `, ${r.sse.missing} missing` : ''}. The load generator shares the machine's CPU with the server and Redis.\n`,
  ].join('\n')
}
