/**
 * Fleet fixture: real dispatcher and worker processes (test/fixtures/fleet-*.ts, forked
 * with `node --import tsx` and an IPC channel) around a fresh board per test. After each
 * test every process started here is SIGKILLed and awaited, then the board's keys
 * (BullMQ's included: they share the board's hash tag) are removed — in that order, so no
 * process writes into a board that is being deleted and none outlives its test.
 */
import { afterEach } from 'vitest'
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { Board, type Run } from '../../src/index.js'
import { deleteBoardKeys, dumpBoardKeys, redisUrl, uniqueBoardName } from '../helpers/redis.js'
import type { WorkerMessage } from '../fixtures/fleet-worker.js'
import type { DispatcherMessage } from '../fixtures/fleet-dispatcher.js'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const fixture = (f: string) => fileURLToPath(new URL(`../fixtures/${f}`, import.meta.url))
const STDERR_KEEP = 20_000

type Exit = { code: number | null; signal: NodeJS.Signals | null }

/** One child process: its IPC messages, the tail of its stderr, its exit. */
export class Proc<M = unknown> {
  readonly messages: M[] = []
  stderr = ''
  exit: Exit | null = null
  readonly exited: Promise<Exit>
  private readonly listeners = new Set<() => void>()

  constructor(
    readonly label: string,
    readonly child: ChildProcess,
  ) {
    child.on('message', (m) => {
      this.messages.push(m as M)
      for (const fn of this.listeners) fn()
    })
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString('utf8')).slice(-STDERR_KEEP)
      for (const fn of this.listeners) fn()
    })
    child.stdout?.on('data', () => undefined)
    this.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        this.exit = { code, signal }
        for (const fn of this.listeners) fn()
        resolve(this.exit)
      }),
    )
  }

  get pid(): number {
    return this.child.pid!
  }

  signal(sig: NodeJS.Signals): void {
    if (this.exit === null) this.child.kill(sig)
  }

  /** Resolves when `test()` holds (re-checked on every message, stderr chunk and exit). */
  until<T>(test: () => T | undefined | null | false, what: string, timeoutMs = 30_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const v = test()
        if (v) return done(() => resolve(v))
        if (this.exit) done(() => reject(new Error(`${this.label} exited (${JSON.stringify(this.exit)}) before ${what}\n${this.stderr}`)))
      }
      const timer = setTimeout(() => done(() => reject(new Error(`${this.label}: timed out waiting for ${what}\n${this.stderr}`))), timeoutMs)
      const done = (fn: () => void) => {
        clearTimeout(timer)
        this.listeners.delete(check)
        fn()
      }
      this.listeners.add(check)
      check()
    })
  }

  async kill9(): Promise<void> {
    this.signal('SIGKILL')
    await this.exited
  }
}

export type WorkerProc = Proc<WorkerMessage> & { name: string; id: string }
export type DispatcherProc = Proc<DispatcherMessage> & { holder: string }

const procs: Proc<unknown>[] = []
const boards: Board[] = []
const conns: Redis[] = []

afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.kill9()))
  for (const b of boards.splice(0)) {
    await b.close()
    await deleteBoardKeys(redisUrl(), b.name)
  }
  for (const c of conns.splice(0)) await c.quit().catch(() => c.disconnect())
})

/** A fresh board for one test (the test's own handle: no autoEnqueue, like an operator). */
export async function fleetBoard(prefix = 'fleet'): Promise<Board> {
  const board = await Board.open({ redis: redisUrl(), board: uniqueBoardName(prefix) })
  boards.push(board)
  return board
}

export function rawConnection(): Redis {
  const c = new Redis(redisUrl())
  conns.push(c)
  return c
}

function forkFixture<M>(label: string, file: string, env: Record<string, string>): Proc<M> {
  const child = fork(fixture(file), [], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, REDIS_URL: redisUrl(), ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  const p = new Proc<M>(label, child)
  procs.push(p as Proc<unknown>)
  return p
}

export interface WorkerOpts {
  lanes?: string[]
  concurrency?: number
  name?: string
  graceMs?: number
  announceEveryMs?: number
}

let workerSeq = 0

/** Starts a fleet-worker process and resolves once its BullMQ workers are ready. */
export async function startWorker(board: Board, o: WorkerOpts = {}): Promise<WorkerProc> {
  const name = o.name ?? `w${++workerSeq}-${process.pid}`
  const p = forkFixture<WorkerMessage>(`worker ${name}`, 'fleet-worker.ts', {
    KANBAN_BOARD: board.name,
    FLEET_LANES: (o.lanes ?? ['alpha']).join(','),
    FLEET_CONCURRENCY: String(o.concurrency ?? 1),
    FLEET_NAME: name,
    FLEET_GRACE_MS: String(o.graceMs ?? 10_000),
    ...(o.announceEveryMs !== undefined ? { FLEET_ANNOUNCE_MS: String(o.announceEveryMs) } : {}),
  })
  const ready = await p.until(() => p.messages.find((m) => m.type === 'ready'), 'ready')
  return Object.assign(p, { name, id: ready.type === 'ready' ? ready.id : '' })
}

export interface DispatcherOpts {
  intervalMs?: number
  leaseTtlMs?: number
  lostJobAfterMs?: number
}

/** Starts a fleet-dispatcher process and resolves once it is consuming ticks. */
export async function startDispatcher(board: Board, o: DispatcherOpts = {}): Promise<DispatcherProc> {
  const p = forkFixture<DispatcherMessage>('dispatcher', 'fleet-dispatcher.ts', {
    KANBAN_BOARD: board.name,
    FLEET_INTERVAL_MS: String(o.intervalMs ?? 150),
    FLEET_LEASE_TTL_MS: String(o.leaseTtlMs ?? 2000),
    FLEET_LOST_JOB_AFTER_MS: String(o.lostJobAfterMs ?? 5000),
  })
  const ready = await p.until(() => p.messages.find((m) => m.type === 'ready'), 'ready')
  return Object.assign(p, { holder: ready.type === 'ready' ? ready.holder : '' })
}

/** A container entrypoint of the product, compiled (dist/runtime/*Main.js), resolved once it logged `readyMsg`; `env` may name another REDIS_URL. */
export async function startEntrypoint(label: string, file: string, env: Record<string, string>, readyMsg: string): Promise<Proc<never>> {
  const child = spawn(process.execPath, [file], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: redisUrl(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const p = new Proc<never>(label, child)
  procs.push(p as Proc<unknown>)
  await p.until(() => p.stderr.includes(`"msg":"${readyMsg}"`), readyMsg)
  return p
}

/** The product's worker entrypoint (dist/runtime/workerMain.js) running `command` per task. */
export function startCommandWorker(board: Board, o: { command: string; lanes?: string[]; concurrency?: number; graceMs?: number }): Promise<Proc<never>> {
  return startEntrypoint(
    'command worker',
    'dist/runtime/workerMain.js',
    {
      KANBAN_BOARD: board.name,
      KANBAN_LANES: (o.lanes ?? ['alpha']).join(','),
      KANBAN_COMMAND: o.command,
      KANBAN_CONCURRENCY: String(o.concurrency ?? 1),
      KANBAN_GRACE_MS: String(o.graceMs ?? 5000),
    },
    'worker started',
  )
}

/** The product's dispatcher entrypoint (dist/runtime/dispatcherMain.js). */
export function startEntrypointDispatcher(board: Board, o: { intervalMs?: number; leaseTtlMs?: number } = {}): Promise<Proc<never>> {
  return startEntrypoint(
    'entrypoint dispatcher',
    'dist/runtime/dispatcherMain.js',
    {
      KANBAN_BOARD: board.name,
      KANBAN_DISPATCH_INTERVAL_MS: String(o.intervalMs ?? 150),
      KANBAN_LEASE_TTL_MS: String(o.leaseTtlMs ?? 2000),
    },
    'dispatcher started',
  )
}

/** Ticks a dispatcher has reported so far. */
export const ticks = (d: DispatcherProc) => d.messages.flatMap((m) => (m.type === 'tick' ? [m.result] : []))

/** Waits until the dispatchers together ran `n` more ticks than they had when called. */
export async function moreTicks(ds: DispatcherProc[], n: number, timeoutMs = 30_000): Promise<void> {
  const count = () => ds.reduce((a, d) => a + ticks(d).length, 0)
  const target = count() + n
  await waitFor(() => count() >= target, `${n} more dispatcher ticks`, { timeoutMs })
}

/** Handler starts a worker reported for a task (or for every task). */
export const starts = (ws: WorkerProc[], taskId?: string) =>
  ws.flatMap((w) => w.messages.filter((m) => m.type === 'start' && (taskId === undefined || m.taskId === taskId)))

type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>

/**
 * Polls `fn` until it returns a truthy value (which is returned). On timeout the error
 * carries the last value seen, so a failure says how far things got.
 */
export async function waitFor<T>(fn: () => T | Promise<T>, what: string, o: { timeoutMs?: number; intervalMs?: number } = {}): Promise<Truthy<T>> {
  const deadline = Date.now() + (o.timeoutMs ?? 30_000)
  let last: T | undefined
  for (;;) {
    last = await fn()
    if (last) return last as Truthy<T>
    if (Date.now() > deadline) {
      const tails = procs.map((p) => `--- ${p.label} (pid ${p.pid}, exit ${JSON.stringify(p.exit)}) stderr:\n${p.stderr.slice(-2000)}`).join('\n')
      throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}\n${tails}`)
    }
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 50))
  }
}

/** Outcomes of a task's runs, in order. */
export const outcomes = async (board: Board, id: string) => (await board.runs(id)).map((r: Run) => r.outcome)

export const eventsOf = async (board: Board, id: string, kind: string) => (await board.events({ taskId: id })).filter((e) => e.kind === kind)

/**
 * Every key of the board and its content, except BullMQ's (`{kb:<board>}:lane-*` and
 * `{kb:<board>}:dispatch:*`), which live processes touch all the time: equal dumps before
 * and after = the board's own state did not change.
 */
export async function boardState(board: Board): Promise<Record<string, unknown>> {
  const p = `{kb:${board.name}}:`
  // BullMQ's keys, and the workers' liveness registry (docs/fleet.md#liveness): a worker that
  // stops says goodbye there, which is no write to the board's tasks
  const skip = [`${p}lane-`, `${p}dispatch:`, `${p}w:`]
  return dumpBoardKeys(rawConnection(), board.name, (k) => k === `${p}workers` || skip.some((b) => k.startsWith(b)))
}
