/**
 * The Redis users of docs/security.md#redis-users-per-role, read from that page (so the
 * page and the test cannot drift), made for two boards on a private redis-server, and
 * held to what the page says each role may and may not do.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { Board, Worker, type KanbanError } from '../../src/index.js'
import { runDispatcher, type Log } from '../../src/runtime/run.js'
import { startRedisServer, type RedisServerHandle } from '../../src/testing/index.js'
import { pollUntil } from '../helpers/poll.js'

const DOC = new URL('../../docs/security.md', import.meta.url)
const ROLES = ['worker', 'dispatcher', 'operator', 'viewer'] as const
type Role = (typeof ROLES)[number]

/** The ACL SETUSER lines of the page, for a board: its name and each role's password put in. */
function aclLines(board: string): string[][] {
  const m = /<!-- acl:begin board=(\w+) -->\n```\n([\s\S]*?)```\n<!-- acl:end -->/.exec(readFileSync(DOC, 'utf8'))
  if (!m) throw new Error('docs/security.md: no acl block')
  const [, example, block] = m
  const lines = block!.trim().split('\n')
  expect(lines.map((l) => /^ACL SETUSER kanban-\w+-(\w+) /.exec(l)?.[1])).toEqual([...ROLES])
  return lines.map((l) =>
    l
      .replaceAll(example!, board)
      .replace(/>([A-Z]+)-PASSWORD/, (_, r: string) => `>${password(board, r.toLowerCase() as Role)}`)
      .split(/\s+/),
  )
}
const password = (board: string, role: Role) => `pw-${board}-${role}`
const user = (board: string, role: Role) => `kanban-${board}-${role}`

let srv: RedisServerHandle
let admin: Redis
const conns: Redis[] = []
const url = (board: string, role: Role) => `redis://${user(board, role)}:${password(board, role)}@127.0.0.1:${srv.port}`
function connect(board: string, role: Role): Redis {
  const c = new Redis(url(board, role), { maxRetriesPerRequest: 1 })
  conns.push(c)
  return c
}
const quiet: Log = { info: () => undefined, error: () => undefined }

async function refusal(p: Promise<unknown>): Promise<Error> {
  try {
    await p
  } catch (e) {
    return e as Error
  }
  throw new Error('expected a refusal')
}
const until = pollUntil
const libraries = async () => ((await admin.call('FUNCTION', 'LIST')) as unknown[][]).map((l) => String(l[1]))

beforeAll(async () => {
  srv = await startRedisServer()
  admin = new Redis(srv.url)
  for (const board of ['aa', 'bb']) for (const args of aclLines(board)) await admin.call(args[0]!, ...args.slice(1))
})
afterAll(async () => {
  for (const c of conns) c.disconnect()
  admin?.disconnect()
  await srv?.stop()
})

describe('the ACL users of docs/security.md', () => {
  it('a worker of board aa works on aa through the EVALSHA fallback while no library is loaded, and cannot touch bb or the server', async () => {
    const board = await Board.open({ redis: url('aa', 'worker'), board: 'aa', autoEnqueue: true })
    const worker = await new Worker({ board, lanes: ['w'], handler: async (_t, ctx) => void (await ctx.complete({ result: 'ok' })) }).start()
    try {
      const id = await board.createTask({ title: 'by the worker user', assignee: 'w' })
      await until(
        () => board.getTask(id),
        (t) => t?.status === 'done',
        'the task done',
      )
      expect(await libraries()).toEqual([]) // the worker could not load it
    } finally {
      await worker.close()
      await board.close()
    }
    // the other board's keys, through the library and directly
    await admin.hset('{kb:bb}:t:bb-1', 'title', 'secret')
    const other = await Board.open({ redis: url('aa', 'worker'), board: 'bb' })
    try {
      const e = (await refusal(other.createTask({ title: 'into bb' }))) as KanbanError
      expect(e.code).toBe('NO_PERMISSION')
      expect(e.message).toMatch(/^createTask: the Redis user may not do this \(NOPERM/)
      // a read is plain commands in a MULTI: Redis discards it whole
      const read = (await refusal(other.getTask('bb-1'))) as Error & { previousErrors?: Error[] }
      expect([read.message, ...(read.previousErrors ?? []).map((x) => x.message)].join('\n')).toMatch(/NOPERM/)
    } finally {
      await other.close()
    }
    const w = connect('aa', 'worker')
    const denied: [string, ...string[]][] = [
      ['HGETALL', '{kb:bb}:t:bb-1'],
      ['SET', '{kb:bb}:x', '1'],
      ['DEL', 'kb:boards'],
      ['FLUSHALL'],
      ['FLUSHDB'],
      ['KEYS', '*'],
      ['SCAN', '0'],
      ['CONFIG', 'GET', 'maxmemory-policy'],
      ['FUNCTION', 'LOAD', "#!lua name=evil\nredis.register_function('evil', function() return redis.call('FLUSHALL') end)"],
      ['FUNCTION', 'FLUSH'],
      ['SCRIPT', 'FLUSH'],
      ['EVAL', "return redis.call('GET', KEYS[1])", '1', '{kb:bb}:t:bb-1'],
      // a script may not reach outside the board even by a key it builds itself
      ['EVAL', "return redis.call('HGETALL', '{kb:bb}:t:bb-1')", '1', '{kb:aa}:settings'],
      ['PUBLISH', 'chan', 'x'],
    ]
    for (const [cmd, ...args] of denied) {
      const e = await refusal(w.call(cmd, ...args))
      expect(e.message, `${cmd} ${args.join(' ')}`).toMatch(/NOPERM|The user executing the script can't/)
    }
    expect(await admin.hget('{kb:bb}:t:bb-1', 'title')).toBe('secret')
    expect(await admin.dbsize()).toBeGreaterThan(0)
  })

  it('the operator loads the library; a worker then calls its functions; a dispatcher ticks; the viewer reads and cannot write', async () => {
    const op = await Board.open({ redis: url('aa', 'operator'), board: 'aa', autoEnqueue: true })
    try {
      await op.configure({ failureLimit: 3 })
      expect((await libraries()).some((n) => n.startsWith('kanban_'))).toBe(true)
      expect(await admin.sismember('kb:boards', 'aa')).toBe(1)
    } finally {
      await op.close()
    }

    await admin.config('RESETSTAT')
    const board = await Board.open({ redis: url('aa', 'worker'), board: 'aa', autoEnqueue: true })
    const worker = await new Worker({ board, lanes: ['w'], handler: async (_t, ctx) => void (await ctx.complete({ result: 'fcall' })) }).start()
    let id: string
    try {
      id = await board.createTask({ title: 'through the library', assignee: 'w' })
      await until(
        () => board.getTask(id),
        (t) => t?.status === 'done',
        'the task done',
      )
    } finally {
      await worker.close()
      await board.close()
    }
    expect(Number(/cmdstat_fcall:calls=(\d+)/.exec(await admin.info('commandstats'))?.[1] ?? 0)).toBeGreaterThan(0)

    // the dispatcher's start reads the eviction policy from INFO (CONFIG is refused) and ticks
    const d = await runDispatcher({ redisUrl: url('aa', 'dispatcher'), board: 'aa', intervalMs: 100, leaseTtlMs: 5000, log: quiet })
    let stopped: Promise<void> | undefined
    const stopDispatcher = () => (stopped ??= d.stop())
    const reader = await Board.open({ redis: url('aa', 'viewer'), board: 'aa' })
    try {
      const started = Date.now()
      await until(
        () => reader.stats(),
        (s) => (s.dispatcher.lastTickAt ?? 0) >= started - 1000,
        'a tick by the dispatcher user',
      )
      expect((await reader.getTask(id))?.result).toBe('fcall')
      expect((await reader.listTasks()).length).toBe(2)
      // the dispatcher has ticked: stopped now, so its own queue keys (BullMQ's marker comes
      // and goes with each tick) cannot move between the two key lists below
      await stopDispatcher()
      const keys = await admin.keys('{kb:aa}:*')
      const e = (await refusal(reader.createTask({ title: 'by the viewer' }))) as KanbanError
      expect(e.code).toBe('NO_PERMISSION')
      expect((await admin.keys('{kb:aa}:*')).sort()).toEqual(keys.sort())
      expect(((await refusal(reader.addComment(id, { author: 'v', body: 'x' }))) as KanbanError).code).toBe('NO_PERMISSION')
      // a refusal by state writes nothing either way: the script only read
      expect(await reader.completeTask(id, { result: 'x' })).toBe(false)
      const v = connect('aa', 'viewer')
      for (const [cmd, ...args] of [
        ['SET', '{kb:aa}:x', '1'],
        ['DEL', `{kb:aa}:t:${id}`],
        // a script of the viewer may read, never write
        ['EVAL', "return redis.call('DEL', KEYS[1])", '1', `{kb:aa}:t:${id}`],
        ['FUNCTION', 'LOAD', "#!lua name=v\nredis.register_function('v', function() return 1 end)"],
        ['HGETALL', '{kb:bb}:t:bb-1'],
      ] as [string, ...string[]][]) {
        expect((await refusal(v.call(cmd, ...args))).message).toMatch(/NOPERM|The user executing the script can't/)
      }
    } finally {
      await reader.close()
      await stopDispatcher()
    }
    expect((await admin.hget(`{kb:aa}:t:${id}`, 'result')) ?? '').not.toBe('x')
  })
})
