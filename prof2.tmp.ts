import { spawn } from 'node:child_process'
import { Redis } from 'ioredis'
import { scriptSource } from '/work/main/src/scripts.js'
const port = 7398
const srv = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
await new Promise((r) => setTimeout(r, 300))
const r = new Redis(`redis://127.0.0.1:${port}`)
const base = scriptSource('claimTask')
const head = base.split('local id = A.id')[0]
await r.hset('{x}:t:1', Object.fromEntries(Array.from({ length: 30 }, (_, i) => ['field' + i, 'value' + i])))
const variants: Record<string, string> = {
  empty: 'return 1',
  defsOnly: head + '\nreturn 1',
  hgetall30: head + '\nlocal t = loadTask("1")\nreturn 1',
  encode: head + '\nreturn cjson.encode({ id = 1, runId = "r1", kind = "claimed", payload = { claimer = "w", leaseExpiresAt = 123456789012 }, at = NOW })',
  int: head + '\nlocal x; for i=1,10 do x = int(NOW) end\nreturn 1',
}
const N = 5000
for (const [name, lua] of Object.entries(variants)) {
  const sha = await r.script('LOAD', lua) as string
  await r.config('RESETSTAT')
  for (let i = 0; i < N; i++) await r.evalsha(sha, 1, '{x}:settings', '{x}:', JSON.stringify({ id: '1', claimer: 'w' }))
  const s = (await r.info('commandstats')).split('\n').find((l) => l.startsWith('cmdstat_evalsha'))
  console.log(name.padEnd(12), s?.match(/usec_per_call=([\d.]+)/)?.[1])
}
r.disconnect(); srv.kill()
