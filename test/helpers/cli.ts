/**
 * Runs the real `kanban` CLI (dist/cli/kanban.js, built by `npm run build`, which `npm test` runs first) as a child process against the test run's
 * Redis. `kanban(board, ...args)` waits for it and returns its exit code and output;
 * `startKanban` leaves it running (events --follow, dispatcher, worker) and is stopped and
 * reaped after each test.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach } from 'vitest'
import { redisUrl } from './redis.js'

export const CLI = fileURLToPath(new URL('../../dist/cli/kanban.js', import.meta.url))

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** The environment without the variables the CLI reads, so only explicit flags count. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env }
  for (const k of ['KANBAN_BOARD', 'KANBAN_REDIS_URL', 'REDIS_URL', 'KANBAN_TASK', 'KANBAN_RUN_ID', 'KANBAN_CHANNEL', 'KANBAN_CHANNEL_SECRET']) delete env[k]
  return { ...env, ...extra }
}

/** The global flags for a board on the test Redis. */
export const on = (board: string) => ['--redis', redisUrl(), '--board', board]

export function run(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: cleanEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`kanban ${args.join(' ')} did not exit within ${opts.timeoutMs ?? 15_000} ms; stderr: ${stderr}`))
    }, opts.timeoutMs ?? 15_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** `kanban <args> --redis <test redis> --board <board>` */
export const kanban = (board: string, ...args: string[]) => run([...args, ...on(board)])

/** Runs it with --json, expects exit 0 and returns the parsed stdout. */
export async function kanbanJson<T = any>(board: string, ...args: string[]): Promise<T> {
  const r = await run([...args, '--json', ...on(board)])
  if (r.code !== 0) throw new Error(`kanban ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
  return JSON.parse(r.stdout) as T
}

export interface Running {
  child: ChildProcess
  stdout(): string
  stderr(): string
  /** Resolves once stdout (or stderr) matches. */
  waitFor(re: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<void>
  /** Resolves with the exit code / signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

const running: Running[] = []

afterEach(async () => {
  for (const r of running.splice(0)) {
    if (r.child.exitCode === null && r.child.signalCode === null) {
      r.child.kill('SIGKILL')
      await r.exited
    }
  }
})

export function startKanban(args: string[], opts: { env?: Record<string, string> } = {}): Running {
  const child = spawn(process.execPath, [CLI, ...args], { env: cleanEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] })
  const buf = { stdout: '', stderr: '' }
  const waiters = new Set<() => void>()
  const onData = (s: 'stdout' | 'stderr') => (d: string) => {
    buf[s] += d
    for (const w of waiters) w()
  }
  child.stdout!.setEncoding('utf8').on('data', onData('stdout'))
  child.stderr!.setEncoding('utf8').on('data', onData('stderr'))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  )
  const r: Running = {
    child,
    stdout: () => buf.stdout,
    stderr: () => buf.stderr,
    exited,
    waitFor: (re, stream = 'stdout', timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (re.test(buf[stream])) {
            waiters.delete(check)
            clearTimeout(timer)
            resolve()
          }
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`timed out waiting for ${re} on ${stream}; stdout: ${buf.stdout}\nstderr: ${buf.stderr}`))
        }, timeoutMs)
        waiters.add(check)
        void exited.then(() => {
          if (waiters.has(check)) {
            waiters.delete(check)
            clearTimeout(timer)
            if (re.test(buf[stream])) resolve()
            else reject(new Error(`process exited before ${re} on ${stream}; stdout: ${buf.stdout}\nstderr: ${buf.stderr}`))
          }
        })
        check()
      }),
  }
  running.push(r)
  return r
}
