/**
 * A worker process of the boards scenario (bench/scenarios/boards.ts): a MultiWorker serving
 * lane `alpha` on every board matching BENCH_BOARDS, with a handler that only completes.
 * Env: BENCH_REDIS (a URL) or BENCH_CLUSTER (comma-separated ports of a loopback cluster),
 * BENCH_BOARDS, BENCH_EXPECT (boards to serve before `ready`), BENCH_CONCURRENCY. IPC: sends
 * `{ ready: boards }`, and `{ cpuUs }` when asked `cpu`; exits on SIGTERM or when the parent goes away.
 */
import { Cluster } from 'ioredis'
import { MultiWorker } from '../../src/index.js'

const env = process.env
process.on('disconnect', () => process.exit(0))
const redis = env.BENCH_CLUSTER
  ? new Cluster(
      env.BENCH_CLUSTER.split(',').map((port) => ({ host: '127.0.0.1', port: Number(port) })),
      { redisOptions: { maxRetriesPerRequest: null } },
    )
  : env.BENCH_REDIS!
const worker = await new MultiWorker({
  redis,
  boards: env.BENCH_BOARDS!,
  lanes: ['alpha'],
  concurrency: Number(env.BENCH_CONCURRENCY ?? 8),
  discoverEveryMs: 500,
  handler: async (_task, ctx) => {
    await ctx.complete({})
  },
  onError: (e) => process.stderr.write(`multiworker ${process.pid}: ${e instanceof Error ? e.message : String(e)}\n`),
}).start()
const expect = Number(env.BENCH_EXPECT ?? 0)
while (worker.boards.length < expect) await new Promise((r) => setTimeout(r, 100))
process.on(
  'SIGTERM',
  () =>
    void worker.close().then(
      () => process.exit(0),
      () => process.exit(1),
    ),
)
// `cpu`: the process's CPU (user + sys, µs) so far, for the scenario's client-side cost
process.on('message', (m) => {
  if (m === 'cpu') {
    const c = process.cpuUsage()
    process.send!({ cpuUs: c.user + c.system })
  }
})
process.send!({ ready: worker.boards.length })
