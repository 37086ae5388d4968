import { spawn } from 'node:child_process'
import { Redis } from 'ioredis'
import { Board } from '/work/main/src/board.js'
import { Worker } from '/work/main/src/worker.js'
const port = 7396
const srv = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
await new Promise((r) => setTimeout(r, 300))
const url = `redis://127.0.0.1:${port}`
const r = new Redis(url)
const board = await Board.open({ redis: url, board: 'p' })
const N = 10000
const K = Number(process.env.K ?? 10)
await board.configure({ tasksPerJob: K })
for (let i = 0; i < N; i += 1000) {
  await board.createTasks(Array.from({ length: 1000 }, (_, k) => ({ ref: 'n' + k, title: 't', assignee: 'a' })))
}
const t0 = performance.now()
await board.dispatchOnce({ maxDispatch: N })
console.log('dispatch ms', (performance.now() - t0).toFixed(0))
await r.config('RESETSTAT')
const info0 = await r.info('cpu')
let done = 0
const lat: number[] = []
const wb = await Board.open({ redis: url, board: 'p', autoEnqueue: true })
const t1 = performance.now()
const w = await new Worker({ board: wb, lanes: ['a'], concurrency: 50, handler: async (_t, ctx) => { const a = performance.now(); const ok = await ctx.complete(); lat.push(performance.now() - a); if (ok) done++ } }).start()
while (done < N) await new Promise((res) => setTimeout(res, 5))
const ms = performance.now() - t1
const cpu = (s: string) => { const m = Object.fromEntries(s.split('\r\n').filter((l) => l.includes(':')).map((l) => l.split(':'))); return Number(m.used_cpu_user) + Number(m.used_cpu_sys) }
const info1 = await r.info('cpu')
console.log('work ms', ms.toFixed(0), 'tasks/s', (N / ms * 1000).toFixed(0), 'redis cpu µs/task', ((cpu(info1) - cpu(info0)) * 1e6 / N).toFixed(1))
const cs = (await r.info('commandstats')).split('\r\n').filter((l) => l.startsWith('cmdstat')).map((l) => { const m = l.match(/cmdstat_([\w|]+):calls=(\d+),usec=(\d+)/)!; return [m[1], Number(m[2]) / N, Number(m[3]) / N] as const }).sort((a, b) => b[2] - a[2]).slice(0, 12)
console.log(cs.map(([n, c, u]) => `${n} ${c.toFixed(2)} calls ${u.toFixed(1)}µs`).join(' | '))
{ const G = (globalThis as any).__feed; console.log('claims', G.claims, 'avg batch', (G.tasks / G.claims).toFixed(1), 'avg rtt', (G.rtt / G.claims).toFixed(2), 'avg held', (G.heldSum / G.samples).toFixed(1), 'avg free', (G.freeSum / G.samples).toFixed(1), 'avg open', (G.openSum / G.samples).toFixed(1)) }
lat.sort((a, b) => a - b); console.log('complete latency p50', lat[lat.length >> 1].toFixed(2), 'p90', lat[Math.floor(lat.length * 0.9)].toFixed(2), 'mean', (lat.reduce((a, b) => a + b, 0) / lat.length).toFixed(2))
await w.close(); await wb.close(); await board.close(); r.disconnect(); srv.kill()
