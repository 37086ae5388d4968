/**
 * Start and stop a private `redis-server` process (from PATH) on 127.0.0.1.
 *
 * Used by the demo, the benchmark and the test harness (and published as the
 * `kanban-queue/testing` subpath) when no external Redis
 * (REDIS_URL) or Docker engine is available. No dependency beyond Node itself:
 * readiness is checked with a raw RESP PING over a socket.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { constants as fsConstants, rmSync } from 'node:fs'
import { access, mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import tls from 'node:tls'

export interface StartRedisServerOptions {
  /** TCP port on 127.0.0.1; a free one is picked when omitted. */
  port?: number
  /** Working dir (AOF / RDB files). A fresh temp dir is created (and removed on stop) when omitted. */
  dir?: string
  /** `--appendonly yes|no` (default no). */
  appendonly?: boolean
  /** A config file read first (e.g. a Sentinel's, which must be writable), before the options below. */
  configFile?: string
  /** Extra command line arguments, e.g. `['--maxmemory', '64mb']`. */
  extraArgs?: string[]
  /** Executable name or path (default `redis-server`, looked up on PATH). */
  bin?: string
  /** How long to wait for the server to answer PING (default 10 000 ms). */
  startTimeoutMs?: number
}

export interface RedisServerHandle {
  /** `redis://127.0.0.1:PORT` */
  url: string
  port: number
  pid: number
  /** The server's working directory. */
  dir: string
  /**
   * Stop the server (SHUTDOWN NOSAVE, falling back to SIGKILL) and wait until the
   * process has exited. Removes `dir` only if it was created by startRedisServer.
   * Idempotent.
   */
  stop(): Promise<void>
  /** SIGKILL the process (simulates a crash) and wait for it to exit. Keeps `dir`. */
  kill(): Promise<void>
  /** Last lines the server wrote to stdout/stderr. */
  logTail(): string
}

const DEFAULT_BIN = 'redis-server'
const LOG_TAIL_BYTES = 4000

export class RedisServerNotFoundError extends Error {
  constructor(bin: string) {
    super(
      `'${bin}' was not found on PATH. Install it (Debian/Ubuntu: \`apt-get install -y redis-server\`, ` +
        `Redis >= 7) or point REDIS_URL at a running Redis (e.g. REDIS_URL=redis://127.0.0.1:6379).`,
    )
    this.name = 'RedisServerNotFoundError'
  }
}

/** Ask the OS for a currently free TCP port on 127.0.0.1. */
export async function findFreePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      if (addr === null || typeof addr === 'string') {
        srv.close()
        reject(new Error('could not determine a free port'))
        return
      }
      const { port } = addr
      srv.close((err) => (err ? reject(err) : resolve(port)))
    })
  })
}

/** Resolve an executable name against PATH; returns null if not found. */
export async function whichBin(bin: string): Promise<string | null> {
  const isExec = async (p: string): Promise<boolean> => {
    try {
      await access(p, fsConstants.X_OK)
      return true
    } catch {
      return false
    }
  }
  if (bin.includes('/')) return (await isExec(bin)) ? path.resolve(bin) : null
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue
    const candidate = path.join(dir, bin)
    if (await isExec(candidate)) return candidate
  }
  return null
}

function encodeCommand(args: string[]): string {
  let out = `*${args.length}\r\n`
  for (const a of args) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`
  return out
}

interface ParsedRedisUrl {
  host: string
  port: number
  tls: boolean
  username?: string
  password?: string
  db?: number
}

function parseRedisUrl(url: string): ParsedRedisUrl {
  const u = new URL(url)
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new Error(`not a redis:// URL: ${url}`)
  }
  const dbPart = u.pathname.replace(/^\//, '')
  return {
    host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    tls: u.protocol === 'rediss:',
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: dbPart ? Number(dbPart) : undefined,
  }
}

/**
 * Send a handful of commands over a fresh connection and collect the raw reply
 * bytes until `done(reply)` says so. Resolves null on connect error / timeout.
 */
async function rawExchange(url: string, commands: string[][], done: (reply: string) => boolean, timeoutMs: number): Promise<string | null> {
  let target: ParsedRedisUrl
  try {
    target = parseRedisUrl(url)
  } catch {
    return null
  }
  return new Promise<string | null>((resolve) => {
    let reply = ''
    let settled = false
    const sock: net.Socket = target.tls
      ? tls.connect({ host: target.host, port: target.port, servername: target.host, rejectUnauthorized: false })
      : net.connect({ host: target.host, port: target.port })
    const finish = (value: string | null) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      sock.destroy()
      resolve(value)
    }
    const timer = setTimeout(() => finish(null), timeoutMs)
    timer.unref()
    sock.once(target.tls ? 'secureConnect' : 'connect', () => {
      const pre: string[][] = []
      if (target.password !== undefined) {
        pre.push(target.username ? ['AUTH', target.username, target.password] : ['AUTH', target.password])
      }
      sock.write([...pre, ...commands].map(encodeCommand).join(''))
    })
    sock.on('data', (chunk) => {
      reply += chunk.toString('utf8')
      if (done(reply)) finish(reply)
    })
    sock.once('error', () => finish(settled ? reply : null))
    sock.once('close', () => finish(reply.length > 0 ? reply : null))
  })
}

/** True iff a Redis at `url` answers PING with PONG within `timeoutMs`. */
export async function redisAnswers(url: string, timeoutMs = 500): Promise<boolean> {
  const reply = await rawExchange(url, [['PING']], (r) => r.includes('+PONG\r\n') || /(^|\n)-[^\r]*\r\n$/.test(r), timeoutMs)
  return reply !== null && reply.includes('+PONG\r\n')
}

/** `process_id` from INFO server, or null if it cannot be read. */
async function serverPid(url: string, timeoutMs: number): Promise<number | null> {
  const reply = await rawExchange(
    url,
    [['INFO', 'server']],
    (r) => {
      const m = /(?:^|\n)\$(\d+)\r\n/.exec(r)
      if (m) return Buffer.byteLength(r.slice(m.index + m[0].length)) >= Number(m[1]) + 2
      return /(^|\n)-[^\r]*\r\n$/.test(r)
    },
    timeoutMs,
  )
  const m = reply ? /\bprocess_id:(\d+)/.exec(reply) : null
  return m ? Number(m[1]) : null
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true)
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit)
      resolve(false)
    }, timeoutMs)
    const onExit = () => {
      clearTimeout(timer)
      resolve(true)
    }
    child.once('exit', onExit)
  })
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/**
 * Processes still alive when this Node process exits get SIGKILLed, and the
 * temp dirs we created for them are removed.
 */
const liveChildren = new Map<ChildProcess, string | undefined>()
let exitHookInstalled = false
function trackChild(child: ChildProcess, ownDir: string | undefined): void {
  liveChildren.set(child, ownDir)
  child.once('exit', () => liveChildren.delete(child))
  if (!exitHookInstalled) {
    exitHookInstalled = true
    process.once('exit', () => {
      for (const [c, dir] of liveChildren) {
        try {
          c.kill('SIGKILL')
        } catch {
          /* already gone */
        }
        if (dir) {
          try {
            rmSync(dir, { recursive: true, force: true })
          } catch {
            /* best effort */
          }
        }
      }
    })
  }
}

/**
 * Spawn `redis-server` on 127.0.0.1 and wait until it answers PING.
 *
 * Persistence: `--save ""` always (no RDB snapshots), `--appendonly` per option.
 * When no port is given, a free one is picked (and the start retried on a
 * port clash with a concurrently started server).
 */
export async function startRedisServer(opts: StartRedisServerOptions = {}): Promise<RedisServerHandle> {
  const binName = opts.bin ?? DEFAULT_BIN
  const bin = await whichBin(binName)
  if (bin === null) throw new RedisServerNotFoundError(binName)

  const ownDir = opts.dir === undefined
  const dir = opts.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'kanban-redis-')))
  const attempts = opts.port === undefined ? 3 : 1
  let lastError: unknown
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = opts.port ?? (await findFreePort())
    try {
      return await startOnce(bin, port, dir, ownDir, opts)
    } catch (err) {
      lastError = err
      const clash = err instanceof Error && /address already in use/i.test(err.message)
      if (!clash) break
    }
  }
  if (ownDir) await rm(dir, { recursive: true, force: true }).catch(() => {})
  throw lastError
}

async function startOnce(bin: string, port: number, dir: string, ownDir: boolean, opts: StartRedisServerOptions): Promise<RedisServerHandle> {
  const args = [
    ...(opts.configFile === undefined ? [] : [opts.configFile]),
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    opts.appendonly ? 'yes' : 'no',
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--logfile',
    '',
    ...(opts.extraArgs ?? []),
  ]
  const url = `redis://127.0.0.1:${port}`

  let log = ''
  const appendLog = (chunk: Buffer) => {
    log += chunk.toString('utf8')
    if (log.length > LOG_TAIL_BYTES * 2) log = log.slice(-LOG_TAIL_BYTES)
  }
  const logTail = () => log.slice(-LOG_TAIL_BYTES).trimEnd()

  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir })
  child.stdout?.on('data', appendLog)
  child.stderr?.on('data', appendLog)
  let spawnError: Error | undefined
  child.once('error', (err) => {
    spawnError = err
  })
  trackChild(child, ownDir ? dir : undefined)
  // A forgotten server must not keep the Node process alive; the exit hook kills it.
  child.unref()
  ;(child.stdout as unknown as { unref?: () => void } | null)?.unref?.()
  ;(child.stderr as unknown as { unref?: () => void } | null)?.unref?.()

  const exited = () => child.exitCode !== null || child.signalCode !== null
  const timeoutMs = opts.startTimeoutMs ?? 10_000
  const deadline = Date.now() + timeoutMs
  let ready = false
  while (Date.now() < deadline) {
    if (spawnError || exited()) break
    if ((await redisAnswers(url, 300)) && !exited()) {
      // Make sure it is *our* process answering, not some other server on the port.
      const pid = await serverPid(url, 1000)
      if (pid === child.pid) {
        ready = true
        break
      }
      if (pid !== null) {
        // Someone else owns the port; our process will exit with EADDRINUSE.
        await waitForExit(child, 2000)
        break
      }
    }
    await sleep(25)
  }
  if (!ready) {
    if (!exited()) {
      child.kill('SIGKILL')
      await waitForExit(child, 2000)
    }
    const why = spawnError
      ? `failed to spawn: ${spawnError.message}`
      : exited()
        ? `exited early (code ${child.exitCode}, signal ${child.signalCode})`
        : `did not answer PING within ${timeoutMs} ms`
    throw new Error(`redis-server on port ${port} ${why}.\n--- redis-server output (tail) ---\n${logTail() || '(none)'}`)
  }

  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (!exited()) {
        // SHUTDOWN closes the connection without a reply on success.
        await rawExchange(url, [['SHUTDOWN', 'NOSAVE']], () => false, 1000)
        if (!(await waitForExit(child, 5000))) {
          child.kill('SIGKILL')
          await waitForExit(child, 5000)
        }
      }
      if (ownDir) await rm(dir, { recursive: true, force: true }).catch(() => {})
    })()
    return stopping
  }
  const kill = async (): Promise<void> => {
    if (!exited()) {
      child.kill('SIGKILL')
      await waitForExit(child, 5000)
    }
  }

  return { url, port, pid: child.pid ?? -1, dir, stop, kill, logTail }
}
