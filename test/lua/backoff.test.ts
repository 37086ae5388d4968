/**
 * The retry backoff (includes/backoff.lua, docs/blocks-and-breaker.md#retry-backoff): after a
 * counted failure below the limit the task waits in `cooldowns` for d/2 .. d, d = min(cap,
 * base × 2^(n-1)); neutral outcomes and trips wait for nothing of it.
 */
import { describe, expect, it } from 'vitest'
import { luaBoard, type LuaBoard } from '../helpers/lua.js'

/** Fails a claimed run of `id` with `outcome`; returns the wait the failure's event carries (0: none) and the clock around the call. */
async function fail(b: LuaBoard, id: string, outcome: 'crashed' | 'protocol_violation' | 'timed_out' | 'reclaimed' | 'stale' | 'rate_limited' = 'crashed') {
  const runId = await b.claim(id)
  const before = await b.now()
  const r = await b.call('recordFailure', { id, runId, outcome, error: 'boom' })
  const after = await b.now()
  const ev = await b.lastEvent(id)
  const payload = ev.kind === outcome ? ev.payload! : (await b.events(id)).filter((e) => e.kind === outcome).pop()!.payload!
  return { r, before, after, at: ev.at, payload, wait: (payload.backoffMs as number | undefined) ?? 0 }
}

/** The equal-jitter window of the n-th failure: [floor(d/2), d]. */
const window = (base: number, cap: number, n: number) => {
  const d = Math.min(Math.max(cap, base), base * 2 ** (n - 1))
  return [Math.floor(d / 2), d] as const
}

describe('retry backoff after a counted failure', () => {
  it('by default (1 s base): the task waits in cooldowns, out of the dispatch queues, with the end on the task and in the event', async () => {
    const b = await luaBoard('backoff')
    const id = await b.create({ assignee: 'lane' })
    const { r, payload, wait, at } = await fail(b, id)
    expect(r).toMatchObject({ tripped: false, failures: 1, status: 'ready' })
    expect(wait).toBeGreaterThanOrEqual(500)
    expect(wait).toBeLessThanOrEqual(1000)
    // the event's time is the script's clock: retryAt = that clock + the wait
    expect(payload).toMatchObject({ failures: 1, neutral: false, backoffMs: wait, retryAt: at + wait })
    const t = await b.task(id)
    expect(t).toMatchObject({ status: 'ready', cooldownUntil: String(at + wait), cooldownReason: 'backoff' })
    expect(await b.zscore(b.keys.cooldowns, id)).toBe(at + wait)
    expect(await b.zscore(b.keys.dispatchQueue, id)).toBeNull()
    expect(await b.zscore(b.keys.queued, id)).toBeNull()
    // a reservation leaves it where it is, and counts it
    expect(await b.call('reserveDispatch', { count: 10, scan: 100 })).toMatchObject({ jobs: [], skippedCooldown: 1 })
  })

  it('grows exponentially from the board base up to the cap, each wait within [d/2, d]', async () => {
    const b = await luaBoard('backoff')
    await b.call('configure', { set: { retryBackoffMs: 1000, retryBackoffMaxMs: 6000, failureLimit: 10 }, clear: [] })
    const id = await b.create()
    for (let n = 1; n <= 6; n++) {
      const { wait, payload } = await fail(b, id)
      const [lo, hi] = window(1000, 6000, n)
      expect(payload.failures).toBe(n)
      expect(wait, `failure ${n}`).toBeGreaterThanOrEqual(lo)
      expect(wait, `failure ${n}`).toBeLessThanOrEqual(hi)
    }
    // 1000, 2000, 4000, then the cap: 6000
    expect(window(1000, 6000, 4)).toEqual([3000, 6000])
  })

  it('jitter: waits spread over [d/2, d] and stay inside it', async () => {
    const b = await luaBoard('backoff')
    await b.call('configure', { set: { retryBackoffMs: 100_000 }, clear: [] })
    const waits: number[] = []
    for (let i = 0; i < 40; i++) waits.push((await fail(b, await b.create())).wait)
    for (const w of waits) {
      expect(w).toBeGreaterThanOrEqual(50_000)
      expect(w).toBeLessThanOrEqual(100_000)
    }
    // 40 draws from 50,001 values: equal jitter, not a fixed delay
    expect(new Set(waits).size).toBeGreaterThan(30)
  })

  it.each(['crashed', 'protocol_violation', 'timed_out', 'reclaimed'] as const)('%s backs off', async (outcome) => {
    const b = await luaBoard('backoff')
    const id = await b.create({ maxRetries: 3 })
    const { wait } = await fail(b, id, outcome)
    expect(wait).toBeGreaterThan(0)
    expect((await b.task(id)).cooldownReason).toBe('backoff')
  })

  it('neutral outcomes are not delayed by it: stale waits for nothing, rate_limited waits its own cooldown', async () => {
    const b = await luaBoard('backoff')
    const stale = await b.create({ assignee: 'lane' })
    const s = await fail(b, stale, 'stale')
    expect(s.payload).toEqual({ error: 'boom', failures: 0, neutral: true })
    expect((await b.task(stale)).cooldownUntil).toBeUndefined()
    expect(await b.zscore(b.keys.cooldowns, stale)).toBeNull()
    expect(await b.zscore(b.keys.dispatchQueue, stale)).not.toBeNull()

    await b.call('configure', { set: { rateLimitCooldownMs: 60_000 }, clear: [] })
    const limited = await b.create()
    const r = await fail(b, limited, 'rate_limited')
    expect(r.payload).toEqual({ error: 'boom', failures: 0, neutral: true, retryAt: r.at + 60_000 })
    const t = await b.task(limited)
    expect(t.cooldownUntil).toBe(String(r.at + 60_000))
    expect(t.cooldownReason).toBeUndefined()
  })

  it('a rate limit after a backoff is a rate limit again (the reason goes)', async () => {
    const b = await luaBoard('backoff')
    const id = await b.create({ maxRetries: 5 })
    await fail(b, id)
    expect((await b.task(id)).cooldownReason).toBe('backoff')
    await fail(b, id, 'rate_limited')
    expect((await b.task(id)).cooldownReason).toBeUndefined()
  })

  it('a trip does not back off: the task is blocked, not cooling', async () => {
    const b = await luaBoard('backoff')
    const id = await b.create({ maxRetries: 1 })
    const { r, payload } = await fail(b, id)
    expect(r).toMatchObject({ tripped: true, status: 'blocked' })
    expect(payload).toEqual({ error: 'boom', failures: 1, neutral: false })
    expect((await b.task(id)).cooldownUntil).toBeUndefined()
    expect(await b.zscore(b.keys.cooldowns, id)).toBeNull()
  })

  it('base 0 on the board turns it off: straight back to the dispatch queue', async () => {
    const b = await luaBoard('backoff')
    await b.call('configure', { set: { retryBackoffMs: 0 }, clear: [] })
    const id = await b.create({ assignee: 'lane' })
    const { payload } = await fail(b, id)
    expect(payload).toEqual({ error: 'boom', failures: 1, neutral: false })
    expect((await b.task(id)).cooldownUntil).toBeUndefined()
    expect(await b.zscore(b.keys.dispatchQueue, id)).not.toBeNull()
  })

  it("a task's own retryBackoffMs overrides the board's: 0 turns it off for the task, a larger base is not cut by the board's cap", async () => {
    const b = await luaBoard('backoff')
    await b.call('configure', { set: { retryBackoffMs: 1000, retryBackoffMaxMs: 10_000, failureLimit: 5 }, clear: [] })
    const none = await b.create({ retryBackoffMs: 0 })
    expect((await b.hash(none)).retryBackoffMs).toBe('0')
    expect((await fail(b, none)).wait).toBe(0)
    expect((await b.task(none)).cooldownUntil).toBeUndefined()

    const slow = await b.create({ retryBackoffMs: 60_000 })
    const first = await fail(b, slow)
    expect(first.wait).toBeGreaterThanOrEqual(30_000)
    expect(first.wait).toBeLessThanOrEqual(60_000)
    // the cap in effect is max(board cap, the task's base): the 2nd failure waits 30..60 s, not 120 s
    const second = await fail(b, slow)
    expect(second.wait).toBeGreaterThanOrEqual(30_000)
    expect(second.wait).toBeLessThanOrEqual(60_000)

    // updateTask sets and clears it; cleared, the board's base applies again
    expect(await b.call('updateTask', { id: slow, patch: { retryBackoffMs: 200 } })).toEqual({ ok: true, changed: ['retryBackoffMs'] })
    const third = await fail(b, slow)
    expect(third.wait).toBeGreaterThanOrEqual(400) // 200 × 2^2, jittered down to half at most
    expect(third.wait).toBeLessThanOrEqual(800)
    expect(await b.call('updateTask', { id: slow, patch: { retryBackoffMs: null } })).toEqual({ ok: true, changed: ['retryBackoffMs'] })
    expect((await b.hash(slow)).retryBackoffMs).toBeUndefined()
    const fourth = await fail(b, slow)
    expect(fourth.wait).toBeGreaterThanOrEqual(4000) // the board's 1000 × 2^3
    expect(fourth.wait).toBeLessThanOrEqual(8000)
  })

  it('a run claimed from review backs off in review', async () => {
    const b = await luaBoard('backoff')
    const id = await b.create()
    await b.call('requestReview', { id, runId: await b.claim(id) })
    const { r, wait } = await fail(b, id)
    expect(r.status).toBe('review')
    expect(wait).toBeGreaterThan(0)
    expect(await b.zscore(b.keys.dispatchQueue, id)).toBeNull()
  })

  it('a ready task failed without a run leaves the dispatch queue while it waits', async () => {
    const b = await luaBoard('backoff')
    const id = await b.create({ assignee: 'lane' })
    expect(await b.zscore(b.keys.dispatchQueue, id)).not.toBeNull()
    await b.call('recordFailure', { id, outcome: 'crashed', error: 'spawn failed' })
    expect(await b.zscore(b.keys.dispatchQueue, id)).toBeNull()
    expect(await b.zscore(b.keys.cooldowns, id)).not.toBeNull()
  })

  it("the dispatcher's lease expiry backs off like a worker's failure; a stale run does not", async () => {
    const b = await luaBoard('backoff')
    await b.call('configure', { set: { staleTimeoutMs: 1 }, clear: [] })
    const lost = await b.create({ maxRetries: 3 })
    await b.claim(lost, 'w1', 1)
    const stale = await b.create()
    await b.claim(stale, 'w2', 60_000)
    // both are past due on the server's clock by the time the sweeps run
    await b.redis.zadd(b.keys.leases, 0, lost)
    await b.redis.zadd(b.keys.heartbeats, 0, stale)
    expect(await b.call('expireRuns', { mode: 'lease', count: 10 })).toMatchObject({ ids: [lost] })
    expect(await b.call('expireRuns', { mode: 'stale', count: 10 })).toMatchObject({ ids: [stale] })
    expect(await b.task(lost)).toMatchObject({ status: 'ready', cooldownReason: 'backoff' })
    expect((await b.lastEvent(lost)).payload).toMatchObject({ failures: 1, backoffMs: expect.any(Number) })
    expect((await b.task(stale)).cooldownUntil).toBeUndefined()
  })

  it('when the wait is over, releaseDue files it for dispatch again and clears the reason; a claim clears it too', async () => {
    const b = await luaBoard('backoff')
    const id = await b.create({ assignee: 'lane', maxRetries: 5 })
    await fail(b, id)
    // the wait's end moved into the past (the index is what releaseDue reads)
    await b.redis.zadd(b.keys.cooldowns, 0, id)
    expect(await b.call('releaseDue', { count: 10 })).toEqual({ released: [], cooled: [id] })
    const t = await b.task(id)
    expect(t.cooldownUntil).toBeUndefined()
    expect(t.cooldownReason).toBeUndefined()
    expect(await b.zscore(b.keys.dispatchQueue, id)).toBe(Number(t.ord))

    // an explicit claim by id does not wait for the backoff, and ends it
    await fail(b, id)
    await b.claim(id)
    const claimed = await b.task(id)
    expect(claimed.cooldownUntil).toBeUndefined()
    expect(claimed.cooldownReason).toBeUndefined()
    expect(await b.zscore(b.keys.cooldowns, id)).toBeNull()
  })

  it('completion clears a backoff', async () => {
    const b = await luaBoard('backoff')
    const id = await b.create()
    await fail(b, id)
    await b.call('completeTask', { id })
    const t = await b.hash(id)
    expect(t.cooldownUntil).toBeUndefined()
    expect(t.cooldownReason).toBeUndefined()
    expect(await b.zscore(b.keys.cooldowns, id)).toBeNull()
  })
})
