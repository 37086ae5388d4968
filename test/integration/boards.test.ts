/**
 * Boards as a whole (docs/api.md#boards): the registry and listBoards, and deleteBoard —
 * refused while a run is open unless forced, bounded and resumable, and leaving no key of
 * the board behind (its BullMQ queues included) nor its registry entry.
 */
import { describe, expect, it } from 'vitest'
import { Board, BOARD_REGISTRY, Dispatcher, KanbanError, ValidationError, deleteBoard, listBoards } from '../../src/index.js'
import { extraConnection, openBoard, snapshot } from '../helpers/board.js'
import { redisUrl, uniqueBoardName } from '../helpers/redis.js'

/** Every key of the board, BullMQ's included (a test may SCAN; the library never does). */
async function keysOf(name: string): Promise<string[]> {
  const r = extraConnection()
  const out: string[] = []
  let cursor = '0'
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `\\{kb:${name}\\}*`, 'COUNT', 1000)
    cursor = next
    out.push(...keys)
  } while (cursor !== '0')
  return out.sort()
}

describe('listBoards', () => {
  it('lists the boards a handle wrote to, with counts per status and the time of the newest event', async () => {
    const a = await openBoard('list-a')
    const b = await openBoard('list-b')
    const quiet = await openBoard('list-quiet')
    await quiet.stats() // reads only: not registered
    const [x] = Object.values(
      await a.createTasks([
        { ref: 'x', title: 'x' },
        { ref: 'y', title: 'y' },
      ]),
    )
    await a.completeTask(x!)
    await b.configure({ failureLimit: 3 })
    const boards = await listBoards({ redis: redisUrl() })
    const mine = boards.filter((i) => [a.name, b.name, quiet.name].includes(i.name))
    expect(mine.map((i) => i.name)).toEqual([a.name, b.name].sort())
    const lastA = (await a.events({ limit: 10_000 })).at(-1)!
    expect(mine.find((i) => i.name === a.name)).toEqual({
      name: a.name,
      total: 2,
      byStatus: { triage: 0, todo: 0, scheduled: 0, ready: 1, running: 0, blocked: 0, review: 0, done: 1, archived: 0 },
      lastActivityAt: lastA.at,
    })
    expect(mine.find((i) => i.name === b.name)).toMatchObject({ total: 0, lastActivityAt: (await b.events()).at(-1)!.at })
    // sorted by name, on the caller's own connection too
    const again = await listBoards({ redis: extraConnection() })
    expect(again.map((i) => i.name)).toEqual([...again.map((i) => i.name)].sort())
    expect(again.map((i) => i.name)).toEqual(expect.arrayContaining([a.name, b.name]))
  })

  it('refuses a redis that is neither a URL nor a connection', async () => {
    await expect(listBoards({ redis: 42 as never })).rejects.toMatchObject({ code: 'INVALID_INPUT', details: { field: 'redis' } })
  })
})

describe('deleteBoard', () => {
  it('removes every key of the board — tasks, runs, events, indexes, its BullMQ queues — and its registry entry', async () => {
    const board = await openBoard('del-all', { autoEnqueue: true })
    const ids = await board.createTasks([
      { ref: 'a', title: 'a', assignee: 'coder', idempotencyKey: 'k' },
      { ref: 'b', title: 'b', assignee: 'reviewer', dependsOn: ['a'] },
      { ref: 'c', title: 'c', tenant: 'acme' },
    ])
    await board.addComment(ids.c!, { author: 'me', body: 'hi' })
    // what the other day-two features keep: a batch key's record, a durable subscriber
    await board.createTasks([{ ref: 'd', title: 'd' }], { batchKey: 'nightly-1' })
    const sub = await board.subscriber('notifier')
    await sub.read({ limit: 1 })
    await sub.close()
    const run = (await board.claimTask(ids.a!, { claimer: 'w' }))!.runId
    await board.completeTask(ids.a!, { runId: run, result: 'ok' })
    await board.archiveTask(ids.c!)
    // the dispatcher's own queue and job scheduler, as a running dispatcher leaves them
    const d = await new Dispatcher({ board, intervalMs: 60_000 }).start()
    await d.close()
    await board.dispatchOnce()
    const keys = await keysOf(board.name)
    expect(keys).toEqual(expect.arrayContaining([expect.stringContaining(':lane-reviewer:'), expect.stringContaining(':dispatch:')]))
    expect(await extraConnection().sismember(BOARD_REGISTRY, board.name)).toBe(1)

    expect(await deleteBoard({ redis: redisUrl(), board: board.name })).toEqual({ done: true, deletedTasks: 4, queuesRemoved: 3 })
    expect(await keysOf(board.name)).toEqual([])
    expect(await extraConnection().sismember(BOARD_REGISTRY, board.name)).toBe(0)
    expect((await listBoards({ redis: redisUrl() })).map((i) => i.name)).not.toContain(board.name)
    await expect(deleteBoard({ redis: redisUrl(), board: board.name })).rejects.toMatchObject({ code: 'BOARD_NOT_FOUND' })
  })

  it('is refused while a run is open, writing nothing; force deletes it, and the worker’s later writes are refused', async () => {
    const board = await openBoard('del-open')
    const [busy, idle] = Object.values(
      await board.createTasks([
        { ref: 'a', title: 'a' },
        { ref: 'b', title: 'b' },
      ]),
    )
    const claim = (await board.claimTask(busy!, { claimer: 'w' }))!
    const before = await snapshot(board)
    const e = await deleteBoard({ redis: redisUrl(), board: board.name }).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(KanbanError)
    expect(e).toMatchObject({ code: 'RUNS_OPEN', details: { count: 1, ids: [busy] } })
    expect((e as Error).message).toBe(`deleteBoard ${board.name}: expected no open run (or force), got 1 running task (${busy}); nothing was deleted`)
    expect(await snapshot(board)).toEqual(before)
    expect(await board.getTask(idle!)).not.toBeNull()

    expect(await deleteBoard({ redis: redisUrl(), board: board.name, force: true })).toMatchObject({ done: true, deletedTasks: 2 })
    expect(await keysOf(board.name)).toEqual([])
    await expect(board.completeTask(busy!, { runId: claim.runId })).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' })
    await expect(board.heartbeat(busy!, { runId: claim.runId })).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' })
    expect(await keysOf(board.name)).toEqual([])
  })

  it('is bounded and resumable: maxTasks stops it part way, with dispatch paused; the next call finishes', async () => {
    const board = await openBoard('del-resume')
    await board.createTasks(
      Array.from({ length: 250 }, (_, i) => ({ ref: `r${i}`, title: `t${i}`, assignee: 'lane', ...(i > 0 ? { dependsOn: [`r${i - 1}`] } : {}) })),
    )
    const first = await deleteBoard({ redis: redisUrl(), board: board.name, maxTasks: 120 })
    expect(first).toEqual({ done: false, deletedTasks: 120, queuesRemoved: 0 })
    expect((await board.stats()).total).toBe(130)
    expect((await board.stats()).paused).toEqual([expect.objectContaining({ lane: null, by: 'deleteBoard' })])
    expect(await board.dispatchOnce()).toMatchObject({ enqueued: 0 })
    expect((await listBoards({ redis: redisUrl() })).map((i) => i.name)).toContain(board.name)

    expect(await deleteBoard({ redis: redisUrl(), board: board.name })).toMatchObject({ done: true, deletedTasks: 130 })
    expect(await keysOf(board.name)).toEqual([])
  })

  it.each<[Record<string, unknown>, string]>([
    [{ board: 'Not A Name' }, 'board'],
    [{ board: 'ok', force: 'yes' }, 'force'],
    [{ board: 'ok', maxTasks: 0 }, 'maxTasks'],
    [{ board: 'ok', dryRun: true }, 'input'],
  ])('refuses %j, naming %s', async (input, field) => {
    const e = await deleteBoard({ redis: redisUrl(), ...input } as never).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(ValidationError)
    expect(e).toMatchObject({ code: 'INVALID_INPUT', details: { field } })
    expect((e as Error).message).toMatch(/^deleteBoard: /)
  })

  it('an unknown board is BOARD_NOT_FOUND', async () => {
    const name = uniqueBoardName('never')
    await expect(deleteBoard({ redis: redisUrl(), board: name })).rejects.toMatchObject({ code: 'BOARD_NOT_FOUND', details: { board: name } })
    // a handle that never wrote registers nothing
    const b = await Board.open({ redis: redisUrl(), board: name })
    await b.getTask('t1')
    await b.close()
    expect(await extraConnection().sismember(BOARD_REGISTRY, name)).toBe(0)
  })
})
