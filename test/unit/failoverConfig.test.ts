/**
 * The Sentinel URL form (docs/failover.md#connecting-through-sentinel) and the worker's
 * local lease clock (docs/failover.md#cut-off-from-redis), as pure code.
 */
import { describe, expect, it } from 'vitest'
import { parseSentinelUrl } from '../../src/redisTarget.js'
import { DispatcherEnv, readEnv } from '../../src/runtime/config.js'
import { LeaseGuard, leaseMarginMs } from '../../src/leaseGuard.js'
import { REDIS_URL_FORM } from '../../src/redisUrlForm.js'

describe('redis+sentinel:// URLs', () => {
  it('name the Sentinels, the master name, credentials and a database', () => {
    expect(parseSentinelUrl('redis+sentinel://10.0.0.1:26379,10.0.0.2,[::1]:26380/mymaster')).toEqual({
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      name: 'mymaster',
    })
    expect(parseSentinelUrl('redis+sentinel://app:s%3Acret@h:1/m/2?sentinelPassword=sp')).toEqual({
      sentinels: [{ host: 'h', port: 1 }],
      name: 'm',
      username: 'app',
      password: 's:cret',
      db: 2,
      sentinelPassword: 'sp',
    })
    expect(parseSentinelUrl('redis://127.0.0.1:6379')).toBeNull()
  })

  it('a malformed one is a coded error naming what is wrong, with the password hidden', () => {
    expect(() => parseSentinelUrl('redis+sentinel://u:secret@h:1')).toThrow(
      'redis: expected the master name after the sentinel list (redis+sentinel://host:port/<master>), got "redis+sentinel://u:***@h:1"',
    )
    expect(() => parseSentinelUrl('redis+sentinel://h:1,:2/m')).toThrow(/^redis: expected comma-separated sentinel host:port pairs/)
    expect(() => parseSentinelUrl('redis+sentinel://h:99999/m')).toThrow(/^redis: expected sentinel ports from 1 to 65535/)
    expect(() => parseSentinelUrl('redis+sentinel://h/m/x')).toThrow(/^redis: expected a database number after the master name/)
    try {
      parseSentinelUrl('redis+sentinel://h:1')
    } catch (e) {
      expect(e).toMatchObject({ code: 'INVALID_INPUT', details: { field: 'redis' } })
    }
  })

  it('are accepted by the process environment and the CLI form', () => {
    expect(readEnv(DispatcherEnv, { REDIS_URL: 'redis+sentinel://s1:26379,s2:26379/kq' })).toMatchObject({ REDIS_URL: 'redis+sentinel://s1:26379,s2:26379/kq' })
    expect(REDIS_URL_FORM.test('redis+sentinel://s1/kq')).toBe(true)
    expect(REDIS_URL_FORM.test('sentinel://s1/kq')).toBe(false)
  })
})

describe('the lease guard', () => {
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms))

  it('fires once when no renewal is acknowledged within the lease minus its margin', async () => {
    const lost: number[] = []
    new LeaseGuard(300, performance.now(), (ms) => lost.push(ms))
    await wait(500)
    expect(lost).toHaveLength(1)
    expect(lost[0]).toBeGreaterThanOrEqual(300 - leaseMarginMs(300))
  })

  it('acknowledged renewals move the deadline; stop() ends it', async () => {
    const lost: number[] = []
    const g = new LeaseGuard(300, performance.now(), (ms) => lost.push(ms))
    for (let i = 0; i < 4; i++) {
      await wait(100)
      g.renewed(performance.now())
    }
    expect(lost).toEqual([])
    g.stop()
    await wait(400)
    expect(lost).toEqual([])
  })

  it('the margin is a fifth of the lease, from 100 ms to 5 s', () => {
    expect([leaseMarginMs(300), leaseMarginMs(1500), leaseMarginMs(30_000), leaseMarginMs(600_000)]).toEqual([100, 300, 5000, 5000])
  })
})
