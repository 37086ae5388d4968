/**
 * Many boards, few processes (docs/fleet.md#many-boards): dispatcher processes serving every
 * board matching a pattern (the product's entrypoint, dist/runtime/dispatcherMain.js with
 * KANBAN_BOARDS) and worker processes serving a lane across those boards
 * (test/fixtures/fleet-multiworker.ts, or the product's worker entrypoint running a command).
 * Every task is done exactly once, the dispatchers share the boards, and a board created
 * after they started is found and served.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { fork, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { Board } from '../../src/index.js'
import { BOARD_REGISTRY, DISPATCHER_REGISTRY } from '../../src/keys.js'
import { deleteBoardKeys, redisUrl } from '../helpers/redis.js'
import { Proc, ROOT, waitFor } from './fleet.js'
import type { MultiWorkerMessage } from '../fixtures/fleet-multiworker.js'

const procs: Proc<unknown>[] = []
const boards: Board[] = []
let conn: Redis | null = null

afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.kill9()))
  const names = boards.splice(0).map((b) => b.name)
  for (const name of names) await deleteBoardKeys(redisUrl(), name)
  if (conn) {
    if (names.length) await conn.srem(BOARD_REGISTRY, ...names)
    await conn.quit()
    conn = null
  }
})

/** `count` boards named `<prefix>-<i>`, on one shared connection (the test's own handles: no autoEnqueue) */
async function openBoards(prefix: string, suffixes: string[]): Promise<Board[]> {
  conn ??= new Redis(redisUrl())
  const opened = await Promise.all(suffixes.map((s) => Board.open({ redis: conn!, board: `${prefix}-${s}` })))
  boards.push(...opened)
  return opened
}

function entrypoint(label: string, file: string, env: Record<string, string>, readyMsg: string): Promise<Proc<never>> {
  const child = spawn(process.execPath, [file], { cwd: ROOT, env: { ...process.env, REDIS_URL: redisUrl(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const p = new Proc<never>(label, child)
  procs.push(p as Proc<unknown>)
  return p.until(() => p.stderr.includes(`"msg":"${readyMsg}"`), readyMsg, 90_000).then(() => p)
}

const startDispatcher = (selector: string, i: number) =>
  entrypoint(
    `dispatcher ${i}`,
    'dist/runtime/dispatcherMain.js',
    { KANBAN_BOARDS: selector, KANBAN_DISPATCH_INTERVAL_MS: '250', KANBAN_LEASE_TTL_MS: '5000', KANBAN_DISCOVER_EVERY_MS: '500' },
    'dispatcher started',
  )

async function startWorker(selector: string, name: string): Promise<Proc<MultiWorkerMessage>> {
  const child = fork(fileURLToPath(new URL('../fixtures/fleet-multiworker.ts', import.meta.url)), [], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, REDIS_URL: redisUrl(), FLEET_BOARDS: selector, FLEET_NAME: name, FLEET_DISCOVER_MS: '500' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  const p = new Proc<MultiWorkerMessage>(`worker ${name}`, child)
  procs.push(p as Proc<unknown>)
  await p.until(() => p.messages.find((m) => m.type === 'ready'), 'ready', 90_000)
  return p
}

/** every task done, each with exactly one run, completed */
async function expectDoneOnce(board: Board, ids: string[]): Promise<void> {
  for (const id of ids) {
    expect((await board.getTask(id))!.status, `${board.name} ${id}`).toBe('done')
    expect(
      (await board.runs(id)).map((r) => r.outcome),
      `${board.name} ${id}`,
    ).toEqual(['completed'])
  }
}

describe('fleet: many boards, few processes', () => {
  it('50 boards, 2 dispatcher processes, 3 worker processes: every task done once; a new board is found', { timeout: 240_000 }, async () => {
    const prefix = `mb${randomBytes(4).toString('hex')}`
    const selector = `${prefix}-*`
    const all = await openBoards(
      prefix,
      Array.from({ length: 50 }, (_, i) => String(i)),
    )
    // two tasks a board, the second a child of the first: a tick dispatches the parent, the
    // completion promotes the child
    const tasks = new Map<Board, string[]>()
    await Promise.all(
      all.map(async (b) => {
        const a = await b.createTask({ title: 'first', assignee: 'alpha' })
        const c = await b.createTask({ title: 'second', assignee: 'alpha', parents: [a] })
        tasks.set(b, [a, c])
      }),
    )

    const [d1, d2, ...workers] = await Promise.all([
      startDispatcher(selector, 1),
      startDispatcher(selector, 2),
      startWorker(selector, `mw1-${prefix}`),
      startWorker(selector, `mw2-${prefix}`),
      startWorker(selector, `mw3-${prefix}`),
    ])
    const starts = () => workers.flatMap((w) => w.messages.filter((m) => m.type === 'start'))

    const allDone = async (list: Board[]) => {
      for (const b of list) for (const id of tasks.get(b)!) if ((await b.getTask(id))!.status !== 'done') return false
      return true
    }
    await waitFor(() => allDone(all), 'every task of the 50 boards done', { timeoutMs: 120_000, intervalMs: 250 })

    // a board made after start: its tasks wait in its dispatch queue (no autoEnqueue here)
    // until a dispatcher finds the board, and a worker must find it to run them
    const [late] = await openBoards(prefix, ['late'])
    const l1 = await late!.createTask({ title: 'late first', assignee: 'alpha' })
    const l2 = await late!.createTask({ title: 'late second', assignee: 'alpha' })
    tasks.set(late!, [l1, l2])
    await waitFor(() => allDone([late!]), 'the late board served', { timeoutMs: 60_000, intervalMs: 250 })

    for (const [b, ids] of tasks) await expectDoneOnce(b, ids)
    // each task started once, over all worker processes
    const started = starts().map((m) => (m.type === 'start' ? `${m.board}/${m.taskId}` : ''))
    expect(started.length).toBe(102)
    expect(new Set(started).size).toBe(102)
    // (which worker runs what is BullMQ's delivery: whichever consumer fetches first — a
    // worker that started last may find the work taken, so no share per worker is asserted)

    // The two dispatchers share the boards: each owns some (rendezvous hashing), which the
    // boards' last ticks show once both have seen each other
    const holders = await conn!.zrange(DISPATCHER_REGISTRY, 0, -1)
    const lastTickers = async () => new Set(await Promise.all(all.map(async (b) => (await conn!.hget(b.keys.lastTick, 'holder')) ?? '')))
    await waitFor(async () => {
      const seen = await lastTickers()
      return seen.size === 2 && [...seen].every((h) => holders.includes(h))
    }, 'both dispatchers ticking boards')
    for (const d of [d1!, d2!]) expect(d.stderr).not.toMatch(/"level":"error"/)
    for (const w of workers) expect(w.stderr).toBe('')
  })

  it('a dispatcher killed with kill -9: the other takes its boards over, nothing is lost', { timeout: 180_000 }, async () => {
    const prefix = `mk${randomBytes(4).toString('hex')}`
    const selector = `${prefix}-*`
    const all = await openBoards(
      prefix,
      Array.from({ length: 10 }, (_, i) => String(i)),
    )
    // each board in the registry before the dispatchers start (a board joins at its first write)
    await Promise.all(all.map((b) => b.createTask({ title: 'before', assignee: 'alpha' })))
    const [d1, d2] = await Promise.all([startDispatcher(selector, 1), startDispatcher(selector, 2), startWorker(selector, `mk-w-${prefix}`)])
    const holderOf = (d: Proc<never>) => (JSON.parse(d.stderr.split('\n').find((l) => l.includes('"msg":"dispatcher started"'))!) as { holder: string }).holder
    const [h1, h2] = [holderOf(d1!), holderOf(d2!)]
    const lastTickers = async () => Promise.all(all.map(async (b) => (await conn!.hget(b.keys.lastTick, 'holder')) ?? ''))
    // shared: each ticks some boards
    await waitFor(async () => {
      const seen = new Set(await lastTickers())
      return seen.has(h1) && seen.has(h2)
    }, 'both dispatchers ticking boards')

    await d1!.kill9()
    // new work on every board, none of it handed to BullMQ by its producer: only a tick
    // dispatches it, so the boards the dead dispatcher owned need the survivor
    const ids = await Promise.all(all.map((b) => b.createTask({ title: 'after', assignee: 'alpha' })))
    await waitFor(
      async () => (await Promise.all(all.map(async (b, i) => (await b.getTask(ids[i]!))!.status === 'done'))).every(Boolean),
      'every task created after the kill done',
      { timeoutMs: 90_000, intervalMs: 250 },
    )
    for (const [i, b] of all.entries()) await expectDoneOnce(b, [ids[i]!])
    // from then on the survivor ticks every board
    await waitFor(async () => (await lastTickers()).every((h) => h === h2), 'the survivor ticking every board', { timeoutMs: 60_000 })
  })

  it("the product's worker entrypoint runs a command for tasks across boards, with each task's board", { timeout: 120_000 }, async () => {
    const prefix = `mc${randomBytes(4).toString('hex')}`
    const [a, b] = await openBoards(prefix, ['a', 'b'])
    const ids = await Promise.all([a!, b!].map((x) => x.createTask({ title: 'ok', assignee: 'alpha', maxRetries: 1, metadata: { behavior: 'ok' } })))
    await Promise.all([
      startDispatcher(`${prefix}-a,${prefix}-*`, 1),
      entrypoint(
        'command worker',
        'dist/runtime/workerMain.js',
        {
          KANBAN_BOARDS: `${prefix}-*`,
          KANBAN_LANES: 'alpha',
          KANBAN_COMMAND: 'sh test/fixtures/fleet-command.sh',
          KANBAN_GRACE_MS: '5000',
          KANBAN_DISCOVER_EVERY_MS: '500',
        },
        'worker started',
      ),
    ])
    // fleet-command.sh reads its task with `kanban show` on KANBAN_BOARD: a wrong board would crash it
    await waitFor(async () => (await a!.getTask(ids[0]!))!.status === 'done' && (await b!.getTask(ids[1]!))!.status === 'done', 'both commands done', {
      timeoutMs: 60_000,
      intervalMs: 250,
    })
    await expectDoneOnce(a!, [ids[0]!])
    await expectDoneOnce(b!, [ids[1]!])
  })
})
