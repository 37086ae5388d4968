import { Redis } from 'ioredis'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { redisAnswers, startRedisServer } from '../../src/testing/index.js'
import { BOARD_NAME_RE, deleteBoardKeys, redisUrl, uniqueBoardName, withOwnRedis } from '../helpers/redis.js'

function majorVersion(info: string): number {
  const m = /redis_version:(\d+)\./.exec(info)
  return m ? Number(m[1]) : 0
}

describe('test harness: the shared Redis', () => {
  const clients: Redis[] = []
  const client = () => {
    const c = new Redis(redisUrl(), { maxRetriesPerRequest: 2 })
    clients.push(c)
    return c
  }
  afterAll(() => clients.forEach((c) => c.disconnect()))

  it('is provided by the globalSetup and answers PING', async () => {
    expect(inject('redisUrl')).toMatch(/^rediss?:\/\//)
    expect(['env', 'container', 'embedded']).toContain(inject('redisSource'))
    expect(await client().ping()).toBe('PONG')
  })

  it('is Redis >= 7', async () => {
    expect(majorVersion(await client().info('server'))).toBeGreaterThanOrEqual(7)
  })

  it('uniqueBoardName gives valid, distinct names', () => {
    const names = new Set(Array.from({ length: 200 }, () => uniqueBoardName('Harness Test!')))
    expect(names.size).toBe(200)
    for (const n of names) expect(n).toMatch(BOARD_NAME_RE)
    expect(uniqueBoardName('x'.repeat(100))).toMatch(BOARD_NAME_RE)
    expect(uniqueBoardName('_lead')).toMatch(BOARD_NAME_RE)
  })

  it('deleteBoardKeys removes exactly the board keys', async () => {
    const r = client()
    const board = uniqueBoardName('harness')
    const other = `${board}x` // shares a prefix but is another board
    const keys = Array.from({ length: 1200 }, (_, i) => `{kb:${board}}:task:${i}`)
    for (let i = 0; i < keys.length; i += 400) {
      await r.mset(...keys.slice(i, i + 400).flatMap((k) => [k, '1']))
    }
    await r.set(`{kb:${other}}:meta`, '1')
    try {
      expect(await deleteBoardKeys(redisUrl(), board)).toBe(1200)
      expect(await r.exists(keys[0]!, keys[1199]!)).toBe(0)
      expect(await r.get(`{kb:${other}}:meta`)).toBe('1')
    } finally {
      await deleteBoardKeys(redisUrl(), other)
    }
  })
})

describe('test harness: private redis-server', () => {
  it('startRedisServer starts and stops a server', async () => {
    const srv = await startRedisServer()
    try {
      expect(srv.url).toBe(`redis://127.0.0.1:${srv.port}`)
      expect(await redisAnswers(srv.url)).toBe(true)
      const r = new Redis(srv.url)
      try {
        expect(majorVersion(await r.info('server'))).toBeGreaterThanOrEqual(7)
        expect(await r.info('server')).toContain(`process_id:${srv.pid}`)
      } finally {
        r.disconnect()
      }
    } finally {
      await srv.stop()
    }
    expect(await redisAnswers(srv.url)).toBe(false)
    await srv.stop() // idempotent
  })

  it('withOwnRedis keeps AOF data across a crash and restart', async () => {
    let url = ''
    await withOwnRedis(
      async (srv) => {
        url = srv.url
        const r = new Redis(srv.url, { maxRetriesPerRequest: null, retryStrategy: () => 50 })
        try {
          await r.set('k', 'v')
          const firstPid = srv.pid
          await srv.restart({ crash: true })
          expect(srv.pid).not.toBe(firstPid)
          expect(await r.get('k')).toBe('v')
          await srv.stop()
          expect(srv.running).toBe(false)
          expect(await redisAnswers(srv.url)).toBe(false)
          await srv.start()
          expect(await r.get('k')).toBe('v')
        } finally {
          r.disconnect()
        }
      },
      { appendonly: true },
    )
    expect(await redisAnswers(url)).toBe(false)
  })
})
