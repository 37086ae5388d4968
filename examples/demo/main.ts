/**
 * `npm run demo`: a dispatcher process and two worker processes run a release pipeline of
 * a few hundred tasks (fan-out, fan-in, diamonds, a flaky task the breaker parks, a review
 * hand-off, a task that needs a human) with a live progress line, then print what a human
 * must still unblock and how.
 *
 * Redis: REDIS_URL; else 127.0.0.1:6379 if it answers; else a redis-server from PATH
 * started for the demo (AOF on, in a data directory it prints) and stopped at the end.
 * `--embedded` always starts that private redis-server.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tmpdir } from 'node:os'
import { Board, STATUSES, type Status } from '../../src/index.js'
import { redisAnswers, startRedisServer } from '../../src/testing/index.js'
import { demoDag } from './dag.js'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')

async function resolveRedis(): Promise<{ url: string; stop?: () => Promise<void>; how: string }> {
  const embedded = process.argv.includes('--embedded') // always start a private redis-server
  if (process.env.REDIS_URL && !embedded) return { url: process.env.REDIS_URL, how: 'REDIS_URL' }
  const local = 'redis://127.0.0.1:6379'
  if (!embedded && (await redisAnswers(local))) return { url: local, how: 'the Redis answering on 127.0.0.1:6379' }
  const dir = join(tmpdir(), `kanban-demo-redis-${Date.now()}`)
  mkdirSync(dir, { recursive: true })
  try {
    const srv = await startRedisServer({ dir, appendonly: true })
    return { url: srv.url, stop: () => srv.stop(), how: `a redis-server started for the demo (data in ${dir})` }
  } catch (e) {
    process.stderr.write(
      `No Redis: REDIS_URL is not set, nothing answers on 127.0.0.1:6379, and redis-server could not be started:\n  ${
        e instanceof Error ? e.message : String(e)
      }\nInstall it (apt-get install -y redis-server) or set REDIS_URL=redis://host:port.\n`,
    )
    process.exit(1)
  }
}

function spawnTs(file: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(root, file), ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
}

const line = (by: Record<Status, number>, secs: number) =>
  `${STATUSES.filter((s) => s !== 'archived')
    .map((s) => `${s} ${String(by[s]).padStart(3)}`)
    .join(' | ')}  (${secs.toFixed(1)} s)`

async function main(): Promise<void> {
  const redis = await resolveRedis()
  const boardName = `demo-${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}`
  console.log(`kanban-queue demo — board "${boardName}" on ${redis.how} (${redis.url})`)
  const board = await Board.open({ redis: redis.url, board: boardName })
  await board.configure({ failureLimit: 3, defaultAssignee: 'coder', claimTtlMs: 10_000 })
  const dag = demoDag()
  await board.createTasks(dag)
  console.log(`created ${dag.length} tasks; starting 1 dispatcher and 2 worker processes\n`)

  const procs = [
    spawnTs('src/runtime/dispatcherMain.ts', [], {
      REDIS_URL: redis.url,
      KANBAN_BOARD: boardName,
      KANBAN_DISPATCH_INTERVAL_MS: '250',
      KANBAN_LOG_LEVEL: 'error',
    }),
    spawnTs('examples/demo/worker-process.ts', [redis.url, boardName, 'worker-a']),
    spawnTs('examples/demo/worker-process.ts', [redis.url, boardName, 'worker-b']),
  ]
  const t0 = Date.now()
  const tty = process.stdout.isTTY
  let last = ''
  let quiet = 0
  for (;;) {
    const s = await board.stats()
    const text = line(s.byStatus, (Date.now() - t0) / 1000)
    if (tty) process.stdout.write(`\r${text}`)
    else if (Math.floor((Date.now() - t0) / 1000) !== Math.floor((Date.now() - t0 - 250) / 1000) || text !== last) {
      if (text.replace(/\(.*\)/, '') !== last.replace(/\(.*\)/, '')) console.log(text)
    }
    last = text
    // finished when nothing can move any more: no work in flight, and what is left waits
    // on a human (blocked / triage, and the todo tasks behind them) for a few polls running
    const b = s.byStatus
    const active = b.ready + b.running + b.review + b.scheduled
    quiet = active === 0 && b.done > 0 ? quiet + 1 : 0
    if (quiet >= 6) break
    if (Date.now() - t0 > 180_000) {
      console.log('\nthe demo took longer than 3 minutes; stopping')
      break
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  if (tty) process.stdout.write('\n')

  await Promise.all(procs.map((p) => new Promise((r) => (p.once('exit', r), p.kill('SIGTERM')))))
  const s = await board.stats()
  console.log(
    `\nfinished in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${s.byStatus.done} done, ${s.byStatus.blocked} blocked, ${s.byStatus.triage} in triage, ${s.byStatus.todo} waiting on them`,
  )
  const stuck = await board.listTasks({ status: ['blocked', 'triage'] })
  if (stuck.length) {
    console.log('\nWhat a human must still do:')
    for (const t of stuck) {
      const why = await board.explain(t.id)
      console.log(`\n  ${t.id}  ${t.title}  [${t.status}]`)
      for (const l of why.text.split('\n')) console.log(`    ${l}`)
    }
    const flags = `--board ${boardName} --redis ${redis.url}`
    console.log('\nHow:')
    console.log(`  npx kanban explain <id> ${flags}     # why a task is not running`)
    console.log(`  npx kanban unblock <id> ${flags}     # release a sticky block or a parked breaker`)
    console.log(`  npx kanban config set failureLimit=5 ${flags}   # or raise the board's failure limit`)
    if (redis.stop) console.log("  (this demo's own Redis stops now; point REDIS_URL at a Redis you keep to try these)")
  }
  await board.close()
  await redis.stop?.()
}

main().catch((e) => {
  process.stderr.write(`demo failed: ${e instanceof Error ? e.stack : String(e)}\n`)
  process.exit(1)
})
