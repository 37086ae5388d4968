/**
 * TLS and credentials (docs/security.md#credentials-and-tls), against a TLS redis-server
 * the test starts with a CA and certificate it makes: the library and the worker process
 * connect with `rediss://` and the CA file, with the password from the URL, the environment
 * or a file; every connection BullMQ duplicates carries both; the password never shows in
 * a child process's argv nor in what the processes print.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Board, Worker } from '../../src/index.js'
import { openRedis } from '../../src/connection.js'
import { CLI, run, startKanban } from '../helpers/cli.js'
import { startTlsRedis, type TlsRedis } from './tlsServer.js'
import { pollUntil } from '../helpers/poll.js'

const PASSWORD = 'pw-Zq81-never-printed'
let tls: TlsRedis
let tmp: string
beforeAll(async () => {
  tls = await startTlsRedis(PASSWORD)
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kanban-tls-test-'))
})
afterAll(async () => {
  await tls?.stop()
  if (tmp) rmSync(tmp, { recursive: true, force: true })
})

/** Runs fn with these variables in process.env (Board.open reads the connection ones there). */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]))
  Object.assign(process.env, vars)
  try {
    return await fn()
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

const until = pollUntil

describe('rediss:// with a CA file', () => {
  it('the library connects with the password from the environment, and a worker (BullMQ connections) runs a task', async () => {
    await withEnv({ KANBAN_REDIS_CA_FILE: tls.caFile, KANBAN_REDIS_PASSWORD: PASSWORD }, async () => {
      const board = await Board.open({ redis: tls.url, board: 'tls', autoEnqueue: true })
      const worker = await new Worker({ board, lanes: ['tls'], handler: async (_t, ctx) => void (await ctx.complete({ result: 'over tls' })) }).start()
      try {
        const id = await board.createTask({ title: 'secure', assignee: 'tls' })
        const t = await until(
          () => board.getTask(id),
          (x) => x?.status === 'done',
          'the task done over TLS',
        )
        expect(t!.result).toBe('over tls')
        // every connection of this process is a TLS client of the TLS port
        const clients = (await tls.admin.client('LIST')) as string
        expect(clients.split('\n').filter((l) => l.includes(`laddr=127.0.0.1:${tls.tlsPort}`)).length).toBeGreaterThanOrEqual(3)
      } finally {
        await worker.close()
        await board.close()
      }
    })
  })

  it('the password from the URL or a file works too; no CA file or the wrong password is refused', async () => {
    const file = path.join(tmp, 'password')
    writeFileSync(file, `${PASSWORD}\n`)
    const ping = async (url: string, env: Record<string, string>) => {
      const c = openRedis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 }, env)
      let last: Error | undefined
      c.on('error', (e: Error) => (last = e))
      try {
        await c.connect()
        return await c.ping()
      } catch (e) {
        return (last ?? (e as Error)).message
      } finally {
        c.disconnect()
      }
    }
    const withPw = tls.url.replace('rediss://', `rediss://:${encodeURIComponent(PASSWORD)}@`)
    expect(await ping(withPw, { KANBAN_REDIS_CA_FILE: tls.caFile })).toBe('PONG')
    expect(await ping(tls.url, { KANBAN_REDIS_CA_FILE: tls.caFile, KANBAN_REDIS_PASSWORD_FILE: file })).toBe('PONG')
    expect(await ping(withPw, {})).toMatch(/self[- ]signed certificate/i)
    expect(await ping(tls.url, { KANBAN_REDIS_CA_FILE: tls.caFile, KANBAN_REDIS_PASSWORD: 'wrong' })).toMatch(/WRONGPASS|invalid password/i)
  })
})

describe('the password in processes', () => {
  it("a worker process started with a password file: not in its argv, nor its children's, nor in anything it prints", async () => {
    const pwFile = path.join(tmp, 'worker-password')
    writeFileSync(pwFile, PASSWORD)
    const env = { REDIS_URL: tls.url, KANBAN_REDIS_CA_FILE: tls.caFile, KANBAN_REDIS_PASSWORD_FILE: pwFile, KANBAN_BOARD: 'tlsproc', KANBAN_CLI: CLI, OUT: tmp }
    // the handler records its own argv and its parent's (the worker), then completes through the channel
    const cmd =
      'tr "\\0" " " </proc/$$/cmdline >"$OUT/$KANBAN_TASK.self"; tr "\\0" " " </proc/$PPID/cmdline >"$OUT/$KANBAN_TASK.parent"; node "$KANBAN_CLI" complete --result ok'
    const worker = startKanban(['worker', '--lane', 'sec', '--command', cmd], { env })
    await worker.waitFor(/"msg":"worker started"/, 'stderr', 20_000)
    await withEnv({ KANBAN_REDIS_CA_FILE: tls.caFile, KANBAN_REDIS_PASSWORD: PASSWORD }, async () => {
      const board = await Board.open({ redis: tls.url, board: 'tlsproc', autoEnqueue: true })
      try {
        const id = await board.createTask({ title: 'argv', assignee: 'sec' })
        await until(
          () => board.getTask(id),
          (t) => t?.status === 'done',
          'the task done by the worker process',
        )
        const self = readFileSync(path.join(tmp, `${id}.self`), 'utf8')
        const parent = readFileSync(path.join(tmp, `${id}.parent`), 'utf8')
        expect(self).toMatch(/^\/bin\/sh -c /)
        expect(parent).toContain('worker --lane sec')
        for (const argv of [self, parent]) expect(argv).not.toContain(PASSWORD)
      } finally {
        await board.close()
      }
    })
    worker.child.kill('SIGTERM')
    await worker.exited
    expect(worker.stderr()).toContain(`"redis":"${tls.url}"`)
    expect(worker.stderr() + worker.stdout()).not.toContain(PASSWORD)
  }, 60_000)

  it('kanban serve over TLS with the password in the URL (from the environment): serves, and logs the URL redacted', async () => {
    const withPw = tls.url.replace('rediss://', `rediss://:${encodeURIComponent(PASSWORD)}@`)
    const p = startKanban(['serve', '--port', '0', '--board', 'tlsweb'], {
      env: { KANBAN_REDIS_URL: withPw, KANBAN_REDIS_CA_FILE: tls.caFile, KANBAN_AUTH: 'none' },
    })
    await p.waitFor(/"msg":"serving"/, 'stderr', 20_000)
    const url = /"url":"([^"]+)"/.exec(p.stderr())![1]!
    const created = await fetch(`${url}/api/boards/tlsweb/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'via serve' }),
    })
    expect(created.status).toBe(201)
    expect(await tls.admin.exists(`{kb:tlsweb}:t:${((await created.json()) as { id: string }).id}`)).toBe(1)
    p.child.kill('SIGTERM')
    await p.exited
    expect(p.stderr()).toContain(`"redis":"rediss://:***@127.0.0.1:${tls.tlsPort}"`)
    expect(p.stderr() + p.stdout()).not.toContain(PASSWORD)
  }, 60_000)

  it('a URL with a password is printed redacted, also when the connection fails', async () => {
    const bad = tls.url.replace('rediss://', 'rediss://someone:hunter2-secret@')
    const r = await run(['list', '--board', 'tlsproc'], { env: { KANBAN_REDIS_URL: bad, KANBAN_REDIS_CA_FILE: tls.caFile } })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`rediss://someone:***@127.0.0.1:${tls.tlsPort}`)
    expect(r.stderr + r.stdout).not.toContain('hunter2-secret')
  })
})
