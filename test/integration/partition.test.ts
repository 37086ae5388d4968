/**
 * A worker cut off from Redis (docs/failover.md#cut-off-from-redis): its connections go
 * through a TCP proxy that stops forwarding mid-run, past the lease. The worker stops its
 * handler itself (signal aborted with a LeaseLostError) before another worker is handed the
 * task; the dispatcher reclaims the run and a worker on a direct connection completes the
 * task; once the link heals, the cut-off worker's late writes are refused by the run id.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Board, Dispatcher, LeaseLostError, Worker } from '../../src/index.js'
import { deleteBoardKeys, redisUrl, uniqueBoardName } from '../helpers/redis.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcpProxy.js'
import { until } from '../helpers/sentinel.js'

const cleanup: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f().catch(() => undefined)
})

/** A deferred: a promise and its resolve. */
function later<T = void>() {
  let resolve!: (v: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

describe('a worker cut off from Redis', () => {
  it('stops its handler before the lease expires; another worker completes the task; its late writes are refused', async () => {
    const name = uniqueBoardName('partition')
    const direct = new URL(redisUrl())
    const proxy: TcpProxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 6379) })
    cleanup.push(
      () => proxy.close(),
      () => deleteBoardKeys(redisUrl(), name),
    )
    const admin = await Board.open({ redis: redisUrl(), board: name, autoEnqueue: true })
    const cutBoard = await Board.open({ redis: proxy.url, board: name, autoEnqueue: true })
    cleanup.push(
      () => admin.close(),
      () => cutBoard.close(),
    )
    const ttlMs = 1500
    await admin.configure({ claimTtlMs: ttlMs, failureLimit: 5, retryBackoffMs: 0 })

    const started = later<string>()
    const aborted = later<{ reason: unknown; at: number }>()
    const healed = later()
    const late = later<Record<string, unknown>>()
    const settle = (p: Promise<unknown>) =>
      p.then(
        (v) => ({ value: v }),
        (e: unknown) => ({ error: e }),
      )
    const cutOff = await new Worker({
      board: cutBoard,
      name: 'cut-off',
      lanes: ['l'],
      onError: () => undefined,
      handler: async (_task, ctx) => {
        started.resolve(ctx.runId)
        await new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r(), { once: true }))
        aborted.resolve({ reason: ctx.signal.reason, at: Date.now() })
        // a handler that ignores its signal and writes anyway, once the network is back
        await healed.promise
        late.resolve({
          complete: await settle(ctx.complete({ result: 'late' })),
          heartbeat: await settle(ctx.heartbeat('still here')),
          block: await settle(ctx.block({ reason: 'late' })),
          requestReview: await settle(ctx.requestReview()),
          fail: await settle(ctx.fail({ outcome: 'crashed', error: 'late' })),
          comment: await settle(ctx.comment('a comment is not fenced')),
        })
      },
    }).start()
    cleanup.push(() => cutOff.close())

    const id = await admin.createTask({ title: 'cut', assignee: 'l' })
    const cutRun = await started.promise
    proxy.cut()
    const cutAt = Date.now()

    // the rest of the fleet, on direct connections
    let otherStartedAt = 0
    const dispatcher = await new Dispatcher({ board: admin, intervalMs: 200, onError: () => undefined }).start()
    const other = await new Worker({
      board: admin,
      name: 'other',
      lanes: ['l'],
      handler: async (_task, ctx) => {
        otherStartedAt = Date.now()
        await ctx.complete({ result: 'by other' })
      },
    }).start()
    cleanup.push(
      () => other.close(),
      () => dispatcher.close(),
    )

    const { reason, at } = await aborted.promise
    expect(reason).toBeInstanceOf(LeaseLostError)
    expect(reason).toMatchObject({ reason: 'lease_lost', runId: cutRun, taskId: id, ttlMs })
    expect((reason as LeaseLostError).message).toMatch(/^lease_lost: no lease renewal of run \S+ was acknowledged for \d+ ms \(lease 1500 ms\)/)
    expect(at).toBeGreaterThan(cutAt)

    await until('the other worker to complete the task', 20_000, async () => (await admin.getTask(id))?.status === 'done')
    // the cut-off handler had stopped before the task was handed to anyone else
    expect(at).toBeLessThan(otherStartedAt)
    const runs = await admin.runs(id)
    expect(runs.map((r) => [r.claimer, r.outcome])).toEqual([
      ['cut-off', 'reclaimed'],
      ['other', 'completed'],
    ])

    proxy.heal()
    healed.resolve()
    const writes = await late.promise
    // fenced by the run id: every transition of the reclaimed run is refused (false, as for
    // any run no longer open; fail throws INVALID_STATE: the task is done); a comment carries
    // no run id and is kept
    expect(writes).toEqual({
      complete: { value: false },
      heartbeat: { value: false },
      block: { value: false },
      requestReview: { value: false },
      fail: { error: expect.objectContaining({ code: 'INVALID_STATE', details: { id, status: 'done' } }) },
      comment: { value: expect.any(Number) },
    })
    const task = (await admin.getTask(id))!
    expect([task.status, task.result]).toEqual(['done', 'by other'])
    expect((await admin.runs(id)).map((r) => r.outcome)).toEqual(['reclaimed', 'completed'])
    console.log(`[failover] partition: handler aborted ${at - cutAt} ms after the cut (lease ${ttlMs} ms); late complete refused (false)`)
  }, 60_000)
})
