/**
 * Redis memory (docs/security.md#memory-and-eviction), on private redis-servers: a process
 * refuses a Redis that may evict keys, reading the policy from INFO where CONFIG is denied,
 * unless told to run anyway; at maxmemory under noeviction a write fails with
 * OUT_OF_MEMORY and leaves the board as it was, and a running worker and dispatcher carry
 * on once memory is freed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { Board, Dispatcher, Worker, type KanbanError } from '../../src/index.js'
import { runDispatcher, type Log } from '../../src/runtime/run.js'
import { startRedisServer, type RedisServerHandle } from '../../src/testing/index.js'
import { run, startKanban } from '../helpers/cli.js'
import { createApp } from '../../src/http/app.js'

const quiet: Log & { lines: string[] } = {
  lines: [],
  info: () => undefined,
  error(msg) {
    this.lines.push(msg)
  },
}

async function refusal(p: Promise<unknown>): Promise<KanbanError> {
  try {
    await p
  } catch (e) {
    return e as KanbanError
  }
  throw new Error('expected a refusal')
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string, tries = 400): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await fn()
    if (ok(v)) return v
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe('the eviction policy at start', () => {
  let srv: RedisServerHandle
  let admin: Redis
  beforeAll(async () => {
    srv = await startRedisServer({ extraArgs: ['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru'] })
    admin = new Redis(srv.url)
    // a user who may not run CONFIG: the policy then comes from INFO memory
    await admin.call('ACL', 'SETUSER', 'noconfig', 'on', '>pw-noconfig', '~*', '&*', '+@all', '-config')
  })
  afterAll(async () => {
    admin?.disconnect()
    await srv?.stop()
  })

  it('a dispatcher refuses a Redis whose policy can evict keys, with a message that says how to fix or override it', async () => {
    const e = await refusal(runDispatcher({ redisUrl: srv.url, board: 'evict', intervalMs: 1000, leaseTtlMs: 5000, allowEviction: false, log: quiet }))
    expect(e.code).toBe('EVICTION_POLICY')
    expect(e.message).toMatch(/maxmemory-policy is allkeys-lru.*noeviction.*KANBAN_ALLOW_EVICTION=1/)
    expect(e.details).toEqual({ policy: 'allkeys-lru', source: 'config' })
  })

  it('reads the policy from INFO when CONFIG is denied, and runs anyway when allowed, with a warning', async () => {
    const url = `redis://noconfig:pw-noconfig@127.0.0.1:${srv.port}`
    const e = await refusal(runDispatcher({ redisUrl: url, board: 'evict', intervalMs: 1000, leaseTtlMs: 5000, allowEviction: false, log: quiet }))
    expect(e.code).toBe('EVICTION_POLICY')
    expect(e.details).toEqual({ policy: 'allkeys-lru', source: 'info' })
    const d = await runDispatcher({ redisUrl: url, board: 'evict', intervalMs: 1000, leaseTtlMs: 5000, allowEviction: true, log: quiet })
    await d.stop()
    expect(quiet.lines.some((l) => /allkeys-lru.*running anyway/.test(l))).toBe(true)
  })

  it('kanban worker refuses it too (exit 1), and starts with --allow-eviction, logging the warning', async () => {
    const args = ['worker', '--lane', 'x', '--command', 'true', '--redis', srv.url, '--board', 'evict']
    const r = await run(args)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^kanban worker: Redis maxmemory-policy is allkeys-lru: .*KANBAN_ALLOW_EVICTION=1/)
    const w = startKanban([...args, '--allow-eviction'])
    await w.waitFor(/"msg":"worker started"/, 'stderr', 20_000)
    expect(w.stderr()).toMatch(/"level":"error","msg":"Redis maxmemory-policy is allkeys-lru: .*running anyway/)
    w.child.kill('SIGTERM')
    expect(await w.exited, w.stderr()).toEqual({ code: 0, signal: null })
  }, 60_000)
})

describe('at maxmemory with noeviction', () => {
  let srv: RedisServerHandle
  let admin: Redis
  beforeAll(async () => {
    srv = await startRedisServer({ extraArgs: ['--maxmemory-policy', 'noeviction'] })
    admin = new Redis(srv.url)
  })
  afterAll(async () => {
    admin?.disconnect()
    await srv?.stop()
  })

  const used = async () => Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1])
  /**
   * Every key of a board and its content — tasks, indexes, events, the lane's BullMQ jobs —
   * but the dispatcher's own timer queue and the liveness keys, which are about processes.
   * (BullMQ's timer scripts are EVAL scripts whose first write is a delete, which Redis lets
   * run to the end at maxmemory: the timer moves on, no task does.)
   */
  async function snapshot(board: string): Promise<Record<string, unknown>> {
    const keys = (await admin.keys(`{kb:${board}}:*`)).filter((k) => !/^\{kb:[^}]+\}:(dispatch:|hb$|w:|workers$|tick$|leader$|lanecap:)/.test(k)).sort()
    const out: Record<string, unknown> = {}
    for (const k of keys) out[k] = await admin.dump(k)
    return out
  }

  it('a write fails with OUT_OF_MEMORY and writes nothing; once memory is freed the worker and the dispatcher carry on', async () => {
    const board = await Board.open({ redis: srv.url, board: 'oom', autoEnqueue: true })
    const done: string[] = []
    const worker = await new Worker({
      board,
      lanes: ['oom'],
      handler: async (t, ctx) => {
        done.push(t.id)
        await ctx.complete({ result: 'ok' })
      },
    }).start()
    const dispatcher = await new Dispatcher({ board, intervalMs: 100 }).start()
    const app = await createApp({ redis: srv.url, boards: ['oom'], auth: { tokens: 'none' }, dashboardDir: null })
    const post = (title: string) =>
      app.fetch(
        new Request('http://kanban.test/api/boards/oom/tasks', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ title }),
        }),
      )
    try {
      const first = await board.createTask({ title: 'before', assignee: 'oom' })
      await until(
        async () => (await board.getTask(first))?.status,
        (s) => s === 'done',
        'the first task done',
      )

      // an 8 MB filler, then maxmemory 2 MB under what Redis uses: every write is refused
      // 8 MB in 256 kB appends (a query buffer of 8 MB would be freed later and open the gate)
      for (let i = 0; i < 32; i++) await admin.append('filler', Buffer.alloc(256 << 10, 1))
      await admin.config('SET', 'maxmemory', String((await used()) - (2 << 20)))
      const before = await snapshot('oom')
      const one = await refusal(board.createTask({ title: 'refused', assignee: 'oom' }))
      expect(one.code).toBe('OUT_OF_MEMORY')
      expect(one.message).toMatch(/^createTask: Redis is out of memory .*nothing was written/)
      // a large batch goes as one MULTI of several scripts: refused whole
      const nodes = Array.from({ length: 300 }, (_, i) => ({ ref: `n${i}`, title: `node ${i}`, assignee: 'oom', ...(i ? { dependsOn: [`n${i - 1}`] } : {}) }))
      const many = await refusal(board.createTasks(nodes))
      expect(many.code).toBe('OUT_OF_MEMORY')
      expect((await refusal(board.blockTask(first, { reason: 'x' }))).code).toBe('OUT_OF_MEMORY')
      // over HTTP: 503, to retry later
      const res = await post('over http')
      expect(res.status).toBe(503)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('OUT_OF_MEMORY')
      // a dispatcher tick in between writes nothing either
      await new Promise((r) => setTimeout(r, 300))
      expect(await snapshot('oom')).toEqual(before)

      await admin.del('filler')
      const after = await board.createTask({ title: 'after', assignee: 'oom' })
      await until(
        async () => (await board.getTask(after))?.status,
        (s) => s === 'done',
        'the task made after memory was freed done',
      )
      expect(done).toEqual([first, after])
      const ids = await board.createTasks(nodes.slice(0, 3))
      expect(Object.keys(ids)).toEqual(['n0', 'n1', 'n2'])
      expect((await post('over http, later')).status).toBe(201)
      const freed = Date.now()
      const tick = await until(
        () => board.stats(),
        (s) => (s.dispatcher.lastTickAt ?? 0) > freed,
        'a tick after memory was freed',
      )
      expect(tick.dispatcher.lastTickBy).toBe(dispatcher.holder)
    } finally {
      await app.close()
      await worker.close()
      await dispatcher.close()
      await board.close()
    }
  })
})
