/**
 * Channel test fixture: a Worker in the test process running a shell command per task
 * through the product's commandHandler (so the handlers, the CLI they call and Redis are
 * all real; only the worker shares the test's process, which keeps the process count low),
 * and a raw client of the channel's wire format (docs/handler-protocol.md).
 */
import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach } from 'vitest'
import { Board, Worker, commandHandler, type CommandHandler, type CommandOptions } from '../../src/index.js'
import { CLI } from '../helpers/cli.js'
import { redisUrl } from '../helpers/redis.js'

const started: { worker: Worker; handler: CommandHandler }[] = []
const dirs: string[] = []

afterEach(async () => {
  for (const { worker, handler } of started.splice(0)) {
    await worker.close()
    await handler.close()
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** A scratch directory for one test, removed afterwards. */
export function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), 'kanban-channel-test-'))
  dirs.push(d)
  return d
}

/**
 * A directory with a `kanban` executable that runs the compiled CLI, to put first on a
 * handler's PATH (the way an installed package provides it).
 */
export function kanbanOnPath(): string {
  const d = join(scratch(), 'bin')
  mkdirSync(d)
  writeFileSync(join(d, 'kanban'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`)
  chmodSync(join(d, 'kanban'), 0o755)
  return d
}

export interface ChannelWorker {
  worker: Worker
  handler: CommandHandler
}

/** Starts a Worker on `lanes` running `command` per task; closed after the test. */
export async function startChannelWorker(
  board: Board,
  command: string,
  o: { lanes?: string[]; concurrency?: number; renewEveryMs?: number } & Partial<CommandOptions> = {},
): Promise<ChannelWorker> {
  const { lanes, concurrency, renewEveryMs, ...opts } = o
  const handler = commandHandler(command, { redisUrl: redisUrl(), board: board.name, ...opts, env: { KANBAN_CLI: CLI, ...opts.env } })
  const worker = new Worker({
    board,
    lanes: lanes ?? ['alpha'],
    concurrency: concurrency ?? 4,
    handler,
    graceMs: 2000,
    ...(renewEveryMs !== undefined ? { renewEveryMs } : {}),
  })
  started.push({ worker, handler })
  await worker.start()
  return { worker, handler }
}

export async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 60_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(v)}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Waits for a file a handler writes, and returns its content. */
export const fileOf = (path: string, timeoutMs = 60_000) => waitFor(() => (existsSync(path) ? readFileSync(path, 'utf8') : ''), path, timeoutMs)

export type Reply = { ok: true; result: any } | { ok: false; error: { code: string; name: string; message: string } }

/** Sends the request lines on one connection and returns one parsed reply per line. */
export function rawCall(path: string, requests: (object | string)[]): Promise<Reply[]> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(path)
    let buf = ''
    const replies: Reply[] = []
    sock.setEncoding('utf8')
    sock.on('error', reject)
    sock.on('data', (d: string) => {
      buf += d
      let nl
      while ((nl = buf.indexOf('\n')) >= 0) {
        replies.push(JSON.parse(buf.slice(0, nl)) as Reply)
        buf = buf.slice(nl + 1)
      }
      if (replies.length === requests.length) {
        sock.end()
        resolve(replies)
      }
    })
    sock.on('connect', () => {
      // every request in one write: the worker must split the lines and answer in order
      sock.write(requests.map((r) => `${typeof r === 'string' ? r : JSON.stringify(r)}\n`).join(''))
    })
  })
}
