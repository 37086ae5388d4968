/**
 * The Lua cost of a task's hot path, alone: createTasks (calls of 100, straight to lane
 * jobs) -> claimBatch -> completeBatch (calls of --batch tasks) on a Redis at --url, with
 * nothing else running — no BullMQ, no workers, no dispatcher. Prints, per phase, Redis
 * CPU and script µs per task (INFO cpu / commandstats) and the commands each runs.
 *
 * Timings on a shared 2-core VM move ±20% from run to run; for comparing two versions of a
 * script use exact instruction counts instead: `bash bench/lua-cost.sh` runs this against
 * a redis-server under valgrind's callgrind and prints instructions per task.
 *
 *   npx tsx bench/lua-cost.ts --url redis://127.0.0.1:6390 [--tasks 10000] [--batch 10] [--reps 2] [--until create|claim]
 *
 * --until stops after that phase (with lua-cost.sh: the instructions of the phases up to it,
 * so one phase's share is the difference of two runs).
 */
import { Redis } from 'ioredis'
import { parseArgs } from 'node:util'
import { boardKeys } from '../src/keys.js'
import { Scripts } from '../src/scripts.js'

const { values: o } = parseArgs({
  options: {
    url: { type: 'string' },
    tasks: { type: 'string', default: '10000' },
    batch: { type: 'string', default: '10' },
    reps: { type: 'string', default: '2' },
    until: { type: 'string' },
  },
})
if (!o.url) throw new Error('--url is required: a Redis this run may write to (it uses the board "luacost")')
const N = Number(o.tasks)
const BATCH = Number(o.batch)
const redis = new Redis(o.url)
const keys = boardKeys('luacost')
const scripts = new Scripts(redis, keys)

type Stat = { calls: number; usec: number }
async function serverStats(): Promise<{ cmds: Record<string, Stat>; cpuUs: number }> {
  const cmds: Record<string, Stat> = {}
  for (const line of (await redis.info('commandstats')).split('\n')) {
    const m = /^cmdstat_(\w+):calls=(\d+),usec=(\d+)/.exec(line)
    if (m) cmds[m[1]!] = { calls: Number(m[2]), usec: Number(m[3]) }
  }
  const cpu = await redis.info('cpu')
  const num = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(cpu)?.[1] ?? 0)
  return { cmds, cpuUs: (num('used_cpu_user') + num('used_cpu_sys')) * 1e6 }
}

async function phase(name: string, run: () => Promise<void>): Promise<void> {
  await redis.config('RESETSTAT')
  const before = await serverStats()
  await run()
  const after = await serverStats()
  const own = new Set(['evalsha', 'eval', 'fcall', 'function', 'config', 'info'])
  // the scripts run as FCALL (src/scripts.ts), or EVALSHA where FUNCTION is missing
  const ev = after.cmds.fcall ?? after.cmds.evalsha ?? { calls: 0, usec: 0 }
  const inner = Object.entries(after.cmds)
    .filter(([k]) => !own.has(k))
    .sort((a, b) => b[1].calls - a[1].calls)
  console.log(
    `${name.padEnd(9)} Redis CPU ${((after.cpuUs - before.cpuUs) / N).toFixed(1).padStart(6)} µs/task, ` +
      `scripts ${(ev.usec / N).toFixed(1).padStart(6)} µs/task, ${(ev.calls / N).toFixed(2)} calls/task | ` +
      inner.map(([k, v]) => `${k} ${(v.calls / N).toFixed(1)}`).join(' '),
  )
}

for (let rep = 0; rep < Number(o.reps); rep++) {
  const tokens = new Map<string, string>()
  const ids: string[] = []
  const runs = new Map<string, string>()
  await phase('create', async () => {
    for (let i = 0; i < N; i += 100) {
      const nodes = Array.from({ length: Math.min(100, N - i) }, (_, k) => ({ ref: `n${i + k}`, title: `task ${i + k}`, assignee: 'lane' }))
      const r = await scripts.call('createTasks', { nodes, enqueue: true })
      for (const j of r.jobs) {
        tokens.set(j.id, j.jobId.slice(1))
        ids.push(j.id)
      }
    }
  })
  if (o.until === 'create') continue
  await phase('claim', async () => {
    for (let i = 0; i < ids.length; i += BATCH) {
      const part = ids.slice(i, i + BATCH)
      const r = await scripts.call('claimBatch', { ids: part, tokens: part.map((id) => tokens.get(id)!), claimer: 'w' })
      r.results.forEach((c, k) => {
        if ('ok' in c && c.ok) runs.set(part[k]!, c.runId)
      })
    }
  })
  if (o.until === 'claim') continue
  await phase('complete', async () => {
    for (let i = 0; i < ids.length; i += BATCH) {
      const part = ids.slice(i, i + BATCH)
      await scripts.call('completeBatch', { items: part.map((id) => ({ id, runId: runs.get(id) })), enqueue: true })
    }
  })
}
redis.disconnect()
