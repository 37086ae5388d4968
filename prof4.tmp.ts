import { spawn } from 'node:child_process'
import { Redis } from 'ioredis'
import { Board } from '/work/main/src/board.js'
import { scriptSource } from '/work/main/src/scripts.js'
const port = 7397
const srv = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
await new Promise((r) => setTimeout(r, 300))
const url = `redis://127.0.0.1:${port}`
const r = new Redis(url)
const board = await Board.open({ redis: url, board: 'p' })
const N = 4000
const ids = Object.values(await board.createTasks(Array.from({ length: N }, (_, i) => ({ ref: 'n' + i, title: 't' + i, assignee: 'a' }))))
const ids2 = Object.values(await board.createTasks(Array.from({ length: N }, (_, i) => ({ ref: 'n' + i, title: 't' + i, assignee: 'a' }))))
const plain = scriptSource('claimTask')
const sha = await r.script('LOAD', plain) as string
const prefix = '{kb:p}:'
for (const [label, list] of [['cold', ids], ['warm', ids2]] as const) {
  await r.config('RESETSTAT')
  const t0 = performance.now()
  for (const id of list) await r.evalsha(sha, 1, prefix + 'settings', prefix, JSON.stringify({ id, claimer: 'w' }))
  const ms = performance.now() - t0
  const s = (await r.info('commandstats')).split('\n').find((l) => l.startsWith('cmdstat_evalsha'))
  console.log(label, s?.match(/usec_per_call=([\d.]+)/)?.[1], 'wall µs/call', (ms * 1000 / N).toFixed(1))
}
console.log(await r.info('memory').then((m) => m.split('\n').filter((l) => /lua/.test(l)).join(' ')))
await board.close(); r.disconnect(); srv.kill()
