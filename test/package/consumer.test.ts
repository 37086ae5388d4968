/**
 * The package as a user gets it: `npm pack` of the dist/ the global setup built, installed
 * into a temporary project that has no tsx and no TypeScript of its own, then used from a
 * plain .mjs file, a CommonJS .cjs file, a strict TypeScript consumer and the `kanban` bin.
 * The consumer sources are test/fixtures/consumer/.
 *
 * `--ignore-scripts` keeps `prepack` from rebuilding dist/ while other test files use it;
 * the install is `--prefer-offline` (the npm cache holds the dependencies after `npm ci`).
 */
import { execFile } from 'node:child_process'
import { cpSync, existsSync, lstatSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Board } from '../../src/index.js'
import { deleteBoardKeys, redisUrl, uniqueBoardName } from '../helpers/redis.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const FIXTURES = join(ROOT, 'test', 'fixtures', 'consumer')
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string
  version: string
  bin: Record<string, string>
  exports: Record<string, unknown>
  devDependencies: Record<string, string>
  dependencies?: Record<string, string>
}

interface Result {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * The environment of a user's shell: no npm script variables (npm_config_prefix and friends
 * would point npm at this repository), no loader in NODE_OPTIONS, no repository bin dir on
 * PATH (it holds tsx), no Redis settings the CLI would read instead of its flags.
 */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig'])
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) && !keep.has(k.toLowerCase())) continue
    if (['NODE_OPTIONS', 'REDIS_URL', 'KANBAN_REDIS_URL', 'KANBAN_BOARD', 'KANBAN_TASK', 'KANBAN_RUN_ID'].includes(k)) continue
    env[k] = v
  }
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((d) => d && !d.startsWith(ROOT))
    .join(delimiter)
  return env
}

function run(file: string, args: string[], cwd: string, timeoutMs = 120_000): Promise<Result> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env: userEnv(), timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0
      resolve({ code, stdout, stderr })
    })
  })
}

const ok = (r: Result, what: string) => {
  expect(r.code, `${what} failed:\n${r.stdout}\n${r.stderr}`).toBe(0)
  return r
}

let tmp: string
let app: string
let files: string[] = []
const boards: string[] = []
const board = (prefix: string) => {
  const name = uniqueBoardName(prefix)
  boards.push(name)
  return name
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'kanban-consumer-'))
  const pack = ok(await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], ROOT), 'npm pack')
  const [packed] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[]
  files = packed!.files.map((f) => f.path)

  app = join(tmp, 'app')
  cpSync(FIXTURES, app, { recursive: true })
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2)}\n`)
  // @types/node at the version this repository uses, so the install stays in the npm cache
  const typesNode = (JSON.parse(readFileSync(join(ROOT, 'node_modules', '@types', 'node', 'package.json'), 'utf8')) as { version: string }).version
  ok(
    await run('npm', ['install', join(tmp, packed!.filename), `@types/node@${typesNode}`, '--prefer-offline', '--no-audit', '--no-fund'], app, 180_000),
    'npm install of the tarball',
  )
}, 240_000)

afterAll(async () => {
  for (const name of boards) await deleteBoardKeys(redisUrl(), name)
  if (tmp) rmSync(tmp, { recursive: true, force: true })
})

describe('the packed tarball installed in a project without tsx', () => {
  it('holds the compiled library, its declarations, the Lua and the bin: no sources, tests, bench, results or maps', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'LICENSE',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/testing/index.js',
        'dist/testing/index.d.ts',
        'dist/lua/createTasks.lua',
        // the dashboard kanban serve serves, built: React and friends ship inside it, not as dependencies
        'dist/dashboard/index.html',
        'dist/dashboard/THIRD-PARTY-NOTICES.txt',
      ]),
    )
    expect(files.some((f) => /^dist\/dashboard\/assets\/index-[\w-]+\.js$/.test(f))).toBe(true)
    expect(Object.keys(pkg.dependencies ?? {}).filter((d) => /react|xyflow|elkjs|vite/.test(d))).toEqual([])
    const leaves = (v: unknown): string[] => (typeof v === 'string' ? [v] : Object.values(v as object).flatMap(leaves))
    for (const target of [...leaves(pkg.exports), ...Object.values(pkg.bin)]) expect(files).toContain(target.replace(/^\.\//, ''))
    const unwanted = files.filter(
      (f) =>
        /^(src|test|bench|examples|workers|scripts)\//.test(f) ||
        /\.test\.|\.map$|(^|\/)results?\/|(^|\/)demo\//.test(f) ||
        (f.endsWith('.ts') && !f.endsWith('.d.ts')),
    )
    expect(unwanted).toEqual([])
    expect(existsSync(join(app, 'node_modules', 'tsx'))).toBe(false)
    expect(existsSync(join(app, 'node_modules', 'typescript'))).toBe(false)
  })

  it('(a) a plain .mjs file imports it and runs create -> claim -> complete', async () => {
    const name = board('consumer-mjs')
    const r = ok(await run(process.execPath, ['consumer.mjs', redisUrl(), name], app), 'consumer.mjs')
    const out = JSON.parse(r.stdout) as Record<string, unknown>
    expect(out).toMatchObject({ created: 'ready', running: 'running', completed: true, status: 'done', result: 'made by consumer.mjs', again: false })
    expect(out.missing).toEqual({ instanceOf: true, guard: true, code: 'TASK_NOT_FOUND' })
    expect(out.port).toEqual(expect.any(Number))
    // the same task, read through this repository's own code
    const b = await Board.open({ redis: redisUrl(), board: name })
    try {
      expect((await b.getTask(out.id as string))?.status).toBe('done')
    } finally {
      await b.close()
    }
  }, 120_000)

  it('(b) a .cjs file require()s it (Node require(esm)): the API, its error classes and the testing subpath', async () => {
    const name = board('consumer-cjs')
    const r = await run(process.execPath, ['consumer.cjs', redisUrl(), name], app)
    if (!process.features.require_module) {
      // Node before 20.19 cannot require() an ES module: the documented error
      expect(r.code).not.toBe(0)
      expect(r.stderr).toMatch(/ERR_REQUIRE_ESM/)
      return
    }
    ok(r, 'consumer.cjs')
    const out = JSON.parse(r.stdout) as {
      ids: Record<string, string>
      statuses: Record<string, string>
      invalid: unknown
      answers: boolean
      statusNames: number
    }
    expect(Object.keys(out.ids).sort()).toEqual(['a', 'b'])
    expect(out.statuses).toEqual({ 'required from CommonJS': 'ready', 'after a': 'todo' })
    expect(out.invalid).toEqual({ instanceOf: true, guard: true, code: 'INVALID_INPUT' })
    expect(out.answers).toBe(true)
    expect(out.statusNames).toBeGreaterThan(0)
  }, 120_000)

  it('(c) a strict TypeScript consumer (exactOptionalPropertyTypes, skipLibCheck false) type-checks with zero errors', async () => {
    const tsconfig = JSON.parse(readFileSync(join(app, 'tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown> }
    expect(tsconfig.compilerOptions).toMatchObject({ strict: true, exactOptionalPropertyTypes: true, skipLibCheck: false })
    // this repository's own compiler; the consumer has none
    const r = await run(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json', '--listFiles'], app)
    expect(r.stdout.split('\n').filter((l) => /error TS\d+/.test(l))).toEqual([])
    ok(r, 'tsc')
    // what was checked is the installed declarations, and every dependency declaration they pull in
    const listed = r.stdout.split('\n').map((l) => l.trim())
    for (const f of ['index.d.ts', 'board.d.ts', 'testing/index.d.ts'])
      expect(
        listed.some((l) => l.endsWith(`/node_modules/kanban-queue/dist/${f}`)),
        f,
      ).toBe(true)
    expect(listed.some((l) => l.includes('/node_modules/bullmq/'))).toBe(true)
    expect(listed.some((l) => l.includes('/node_modules/zod/'))).toBe(true)
  }, 120_000)

  it('(d) the installed kanban bin runs --help and a create', async () => {
    const bin = join(app, 'node_modules', '.bin', 'kanban')
    expect(lstatSync(bin).isSymbolicLink()).toBe(true)
    expect(realpathSync(bin)).toBe(realpathSync(join(app, 'node_modules', 'kanban-queue', pkg.bin.kanban!)))
    const help = ok(await run(bin, ['--help'], app), 'kanban --help')
    expect(help.stdout).toMatch(/usage: kanban/)
    expect(help.stdout).toMatch(/^\s+create\s/m)

    const name = board('consumer-bin')
    const created = ok(
      await run(bin, ['create', '--title', 'made by the installed bin', '--redis', redisUrl(), '--board', name, '--json'], app),
      'kanban create',
    )
    const task = JSON.parse(created.stdout) as { id: string; title: string; status: string }
    expect(task).toMatchObject({ title: 'made by the installed bin', status: 'ready' })
    const b = await Board.open({ redis: redisUrl(), board: name })
    try {
      expect((await b.getTask(task.id))?.title).toBe('made by the installed bin')
    } finally {
      await b.close()
    }
  }, 120_000)
})
