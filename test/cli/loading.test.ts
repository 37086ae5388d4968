/**
 * What a `kanban` call loads (docs/cli.md): help and usage errors load no Redis client, no
 * zod and no BullMQ; a command that reads the board loads ioredis and zod but not BullMQ;
 * only what adds a lane job loads BullMQ, and not the parts of it a lane job does not use. Observed with a module loader hook that records
 * every file the bin loads; each library is recognised by a string its code carries
 * (the last case shows that each marker is found when its library is loaded; the
 * OpenTelemetry api's marker is checked against its file, since no command loads it).
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { openBoard } from '../helpers/board.js'
import { CLI, cleanEnv, on } from '../helpers/cli.js'

const dir = mkdtempSync(join(tmpdir(), 'kanban-loading-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
writeFileSync(
  join(dir, 'hooks.mjs'),
  "import { appendFileSync } from 'node:fs'\n" +
    'export async function load(url, context, next) {\n' +
    "  if (url.startsWith('file:')) appendFileSync(process.env.KANBAN_TEST_LOADED, url + '\\n')\n" +
    '  return next(url, context)\n' +
    '}\n',
)
writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module'\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)})\n`)

// luxon (cron-parser's, for BullMQ's cron schedulers) and msgpackr's search for its native
// decoder are left out of the bundle (scripts/bundle-cli.mjs): a lane job needs neither
const MARKERS = {
  ioredis: 'ioredis:connect',
  zod: '$ZodType',
  bullmq: 'addStandardJob',
  luxon: 'Invalid DateTime',
  nativeMsgpack: 'prebuilds',
  // the HTTP server (hono, @hono/zod-openapi): only `kanban serve` loads it
  hono: 'getOpenAPI31Document',
  // @opentelemetry/api: loaded only once an SDK registered a tracer provider, which no CLI command does (src/tracing.ts)
  otel: 'ProxyTracerProvider',
  // prom-client: only a process with metrics loads it (docs/operations.md#metrics)
  promClient: 'exponentialBuckets',
} as const
type Lib = keyof typeof MARKERS

let seq = 0
/** Runs the bin; returns its exit code and the libraries found in the files it loaded. */
function loads(args: string[]): Promise<{ code: number | null; stderr: string; libs: Lib[] }> {
  const log = join(dir, `loaded-${++seq}.txt`)
  writeFileSync(log, '')
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', pathToFileURL(join(dir, 'register.mjs')).href, CLI, ...args], {
      env: cleanEnv({ KANBAN_TEST_LOADED: log }),
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => {
      const files = readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((u) => fileURLToPath(u))
      const text = files.map((f) => readFileSync(f, 'utf8')).join('\n')
      const libs = (Object.keys(MARKERS) as Lib[]).filter((l) => text.includes(MARKERS[l]))
      resolve({ code, stderr, libs })
    })
  })
}

describe('what a kanban call loads', () => {
  it('the OpenTelemetry marker is in the api’s own code', () => {
    const file = fileURLToPath(new URL('../../node_modules/@opentelemetry/api/build/src/trace/ProxyTracerProvider.js', import.meta.url))
    expect(readFileSync(file, 'utf8')).toContain(MARKERS.otel)
  })

  it('help and usage errors load no Redis client, no zod, no BullMQ', { timeout: 60_000 }, async () => {
    const runs = await Promise.all([
      loads(['--help']),
      loads(['help', 'create']),
      loads(['complete', '--help']),
      loads(['create', '--nope']),
      loads(['nope']),
      loads(['stats', '--redis', 'http://localhost:6379']),
    ])
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 2, 2, 2])
    for (const r of runs) expect(r.libs, r.stderr).toEqual([])
  })

  it('reading the board loads ioredis and zod, not BullMQ; adding a lane job loads BullMQ', { timeout: 60_000 }, async () => {
    const board = await openBoard('cli-loading')
    const id = await board.createTask({ title: 'shown' })
    const [show, plain, laned, doctor] = await Promise.all([
      loads(['show', id, ...on(board.name)]),
      loads(['create', '--title', 'no lane', ...on(board.name)]),
      loads(['create', '--title', 'in a lane', '--assignee', 'coder', ...on(board.name)]),
      // no task queued for long: the doctor asks BullMQ nothing
      loads(['doctor', ...on(board.name)]),
    ])
    expect([show.code, plain.code, laned.code, doctor.code]).toEqual([0, 0, 0, 0])
    expect(doctor.libs).toEqual(['ioredis', 'zod'])
    expect(show.libs).toEqual(['ioredis', 'zod'])
    expect(plain.libs).toEqual(['ioredis', 'zod'])
    expect(laned.libs).toEqual(['ioredis', 'zod', 'bullmq'])
  })
  it('only `kanban serve` loads the HTTP server', { timeout: 60_000 }, async () => {
    const [serve, token] = await Promise.all([
      // no tokens configured: it stops at its configuration check, after loading the server
      loads(['serve', '--port', '0', '--board', 'b1']),
      loads(['token', '--name', 'ci', '--role', 'viewer']),
    ])
    expect(serve.code, serve.stderr).toBe(2)
    expect(serve.stderr).toMatch(/kanban serve: no tokens configured/)
    expect(serve.libs).toContain('hono')
    expect(token.code, token.stderr).toBe(0)
    expect(token.libs).not.toContain('hono')
    expect(token.libs).not.toContain('bullmq')
  })
  it("prom-client's marker is in its chunk, so the cases above would see it loaded", () => {
    const cliDir = join(CLI, '..')
    const chunks = readdirSync(cliDir).filter((f) => f.endsWith('.js') && readFileSync(join(cliDir, f), 'utf8').includes(MARKERS.promClient))
    expect(chunks.length).toBeGreaterThan(0)
    expect(chunks.every((f) => f.startsWith('prom-client'))).toBe(true)
  })
})
