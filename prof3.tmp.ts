import { spawn } from 'node:child_process'
import { Redis } from 'ioredis'
import { scriptSource } from '/work/main/src/scripts.js'
const port = 7398
const srv = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
await new Promise((r) => setTimeout(r, 300))
const r = new Redis(`redis://127.0.0.1:${port}`)
const base = scriptSource('claimTask')
const head = base.split('local id = A.id')[0]
const headNoDecode = head.replace('local A = cjson.decode(ARGV[2])', 'local A = {}')
await r.hset('{x}:t:1', Object.fromEntries(Array.from({ length: 30 }, (_, i) => ['field' + i, 'value' + i])))
const variants: Record<string, string> = {
  empty: 'return 1',
  decodeTime: 'local A = cjson.decode(ARGV[2]); local t = redis.call("TIME"); return 1',
  time: 'local t = redis.call("TIME"); return 1',
  defsNoDecode: headNoDecode + '\nreturn 1',
  defsOnly: head + '\nreturn 1',
  hgetallRaw: 'local x = redis.call("HGETALL", "{x}:t:1") return 1',
  hgetallTbl: 'local flat = redis.call("HGETALL", "{x}:t:1") local t = {} for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end return 1',
  hmget10: 'local v = redis.call("HMGET", "{x}:t:1", "field1","field2","field3","field4","field5","field6","field7","field8","field9","field10") return 1',
  fmt10: 'local x; for i=1,10 do x = string.format("%.0f", 1764081000000 + i) end return 1',
  tostr10: 'local x; for i=1,10 do x = tostring(1764081000000 + i) end return 1',
  hget10: 'for i=1,10 do redis.call("HGET", "{x}:t:1", "field1") end return 1',
  closures40: 'local fs = {} for i=1,40 do fs[i] = function() return i end end return 1',
}
const N = 5000
for (const [name, lua] of Object.entries(variants)) {
  const sha = await r.script('LOAD', lua) as string
  for (let i = 0; i < 500; i++) await r.evalsha(sha, 1, '{x}:settings', '{x}:', JSON.stringify({ id: '1', claimer: 'w' }))
  await r.config('RESETSTAT')
  for (let i = 0; i < N; i++) await r.evalsha(sha, 1, '{x}:settings', '{x}:', JSON.stringify({ id: '1', claimer: 'w' }))
  const s = (await r.info('commandstats')).split('\n').find((l) => l.startsWith('cmdstat_evalsha'))
  console.log(name.padEnd(14), s?.match(/usec_per_call=([\d.]+)/)?.[1])
}
r.disconnect(); srv.kill()
