/**
 * docker-compose.yml cannot run here (no Docker engine), so check it against the code:
 * services, commands and entrypoints that exist, and environment that the processes'
 * zod schemas accept — with the compose file's own defaults substituted.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import { DispatcherEnv, ENV_NAMES, ServeEnv, WorkerEnv, readEnv } from '../../src/runtime/config.js'

interface Service {
  image?: string
  build?: { context: string; dockerfile: string }
  command?: string[]
  environment?: Record<string, string | number>
  healthcheck?: { test: string[] }
  deploy?: { replicas?: number }
  depends_on?: Record<string, { condition: string }>
  secrets?: string[]
  container_name?: string
  ports?: unknown[]
  volumes?: string[]
  stop_grace_period?: string
}
const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
  services: Record<string, Service>
  volumes: Record<string, unknown>
  secrets: Record<string, { file: string }>
}
const { redis, dispatcher, worker, dashboard } = compose.services

/**
 * A compose command runs a file of dist/ (built by the test run's global setup) compiled
 * from a TypeScript source of src/ — not a stray file, and not a .ts file tsx would need.
 */
function expectCompiledEntrypoint(file: string): void {
  expect(file).toMatch(/^dist\/.+\.js$/)
  expect(existsSync(file)).toBe(true)
  expect(existsSync(file.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts'))).toBe(true)
}

interface Stage {
  from: string
  text: string
  workdir?: string
  user?: string
  runs: string[]
  copies: { stage: string | undefined; from: string[]; to: string }[]
}
/** The stages of a Dockerfile: FROM, WORKDIR, USER, RUN (split at &&) and COPY lines. */
function dockerStages(dockerfile: string): Stage[] {
  const lines = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
  const stages: Stage[] = []
  for (const line of lines) {
    const [, op, rest] = /^(\w+)\s+(.*)$/.exec(line) ?? []
    if (op === 'FROM') {
      stages.push({ from: rest!, text: '', runs: [], copies: [] })
      continue
    }
    const st = stages.at(-1)!
    st.text += `${line}\n`
    if (op === 'WORKDIR') st.workdir = rest
    if (op === 'USER') st.user = rest
    if (op === 'RUN') st.runs.push(...rest!.split('&&').map((r) => r.trim()))
    if (op === 'COPY') {
      const words = rest!.split(/\s+/)
      const stage = words[0]!.startsWith('--from=') ? words.shift()!.slice('--from='.length) : undefined
      st.copies.push({ stage, from: words.slice(0, -1), to: words.at(-1)! })
    }
  }
  return stages
}

/** `${NAME:-default}` -> default, as compose does when NAME is unset. */
const withDefaults = (env: Record<string, string | number>) =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{\w+:-([^}]*)\}/g, '$1')]))

describe('docker-compose.yml', () => {
  it('has exactly redis, dispatcher, worker and dashboard services', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['dashboard', 'dispatcher', 'redis', 'worker'])
  })

  it('serves the API and dashboard from the compiled serve entrypoint, tokens from a secret file', () => {
    expect(dashboard!.command).toEqual(['node', 'dist/runtime/serveMain.js'])
    expectCompiledEntrypoint(dashboard!.command![1]!)
    expect(dashboard!.depends_on?.redis?.condition).toBe('service_healthy')
    expect(dashboard!.build).toEqual({ context: '.', dockerfile: 'workers/Dockerfile' })
    const env = withDefaults(dashboard!.environment!)
    for (const k of Object.keys(env)) expect(ENV_NAMES.serve).toContain(k)
    expect(readEnv(ServeEnv, env)).toMatchObject({ REDIS_URL: 'redis://redis:6379', KANBAN_HOST: '0.0.0.0', KANBAN_PORT: 8080, KANBAN_AUTH: 'tokens' })
    // the token hashes come from a file mounted as a secret, never from the environment itself
    expect(env.KANBAN_TOKENS).toBeUndefined()
    expect(dashboard!.secrets).toEqual(['kanban_tokens'])
    expect(env.KANBAN_TOKENS_FILE).toBe('/run/secrets/kanban_tokens')
    expect(compose.secrets.kanban_tokens!.file).toMatch(/kanban-tokens\.json/)
    expect(dashboard!.ports).toEqual(['${KANBAN_DASHBOARD_PORT:-8080}:8080'])
    expect(dashboard!.healthcheck?.test.join(' ')).toMatch(/\/api\/health/)
    expect(readFileSync('.gitignore', 'utf8')).toMatch(/^kanban-tokens\.json$/m)
  })

  it('runs Redis with AOF persistence on a volume and a healthcheck', () => {
    expect(redis!.image).toMatch(/^redis:7/)
    expect(redis!.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']))
    expect(redis!.volumes?.[0]).toMatch(/^redis-data:\/data$/)
    expect(compose.volumes).toHaveProperty('redis-data')
    expect(redis!.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping'])
  })

  it('starts two dispatcher replicas from the compiled dispatcher entrypoint once Redis is healthy', () => {
    expect(dispatcher!.deploy?.replicas).toBe(2)
    expect(dispatcher!.command).toEqual(['node', 'dist/runtime/dispatcherMain.js'])
    expectCompiledEntrypoint(dispatcher!.command![1]!)
    expect(dispatcher!.depends_on?.redis?.condition).toBe('service_healthy')
  })

  it('has a worker service that scales: no fixed name, replicas or host ports', () => {
    expect(worker!.command).toEqual(['node', 'dist/runtime/workerMain.js'])
    expectCompiledEntrypoint(worker!.command![1]!)
    expect(worker!.container_name).toBeUndefined()
    expect(worker!.deploy?.replicas).toBeUndefined()
    expect(worker!.ports).toBeUndefined()
    // compose must wait longer than the worker's own grace period before SIGKILL
    const graceMs = Number(withDefaults(worker!.environment!).KANBAN_GRACE_MS)
    expect(Number.parseInt(worker!.stop_grace_period!, 10) * 1000).toBeGreaterThan(graceMs)
  })

  it('sets only environment variables the code reads, and values it accepts', () => {
    const d = withDefaults(dispatcher!.environment!)
    const w = withDefaults(worker!.environment!)
    for (const k of Object.keys(d)) expect(ENV_NAMES.dispatcher).toContain(k)
    for (const k of Object.keys(w)) expect(ENV_NAMES.worker).toContain(k)
    expect(readEnv(DispatcherEnv, d)).toMatchObject({ REDIS_URL: 'redis://redis:6379', KANBAN_BOARD: 'default' })
    expect(readEnv(WorkerEnv, w)).toMatchObject({ KANBAN_LANES: ['default'], KANBAN_CONCURRENCY: 4 })
    // both point at the compose Redis service by name
    expect(new URL(d.REDIS_URL!).hostname).toBe('redis')
    expect(new URL(w.REDIS_URL!).hostname).toBe('redis')
  })

  it('builds in two stages: dist/ compiled with the dev dependencies, run with production ones only', () => {
    for (const s of [dispatcher!, worker!, dashboard!]) expect(s.build).toEqual({ context: '.', dockerfile: 'workers/Dockerfile' })
    const stages = dockerStages(readFileSync('workers/Dockerfile', 'utf8'))
    expect(stages).toHaveLength(2)
    const [build, runtime] = stages as [Stage, Stage]
    expect(build.from).toMatch(/^node:20\S* AS build$/)
    expect(runtime.from).toMatch(/^node:20\S*$/)

    // the build stage holds every input of `npm run build`: the manifest and lockfile, the
    // build script, tsconfig.build.json, the config it extends and the sources it includes
    const tsBuild = JSON.parse(readFileSync('tsconfig.build.json', 'utf8')) as { extends: string; include: string[] }
    const inputs = ['package.json', 'package-lock.json', 'scripts', 'tsconfig.build.json', tsBuild.extends.replace(/^\.\//, ''), ...tsBuild.include]
    expect(JSON.parse(readFileSync('package.json', 'utf8')).scripts.build).toBe('node scripts/build.mjs')
    const built = build.copies.flatMap((c) => c.from)
    for (const input of inputs) expect(built).toContain(input)
    expect(build.runs).toContain('npm ci --no-audit --no-fund')
    expect(build.runs).toContain('npm run build')

    // the runtime stage: production dependencies, the compiled dist/ and nothing to compile
    expect(runtime.workdir).toBe('/app')
    expect(runtime.runs.some((r) => /^npm ci --omit=dev\b/.test(r))).toBe(true)
    expect(runtime.copies).toContainEqual({ stage: 'build', from: ['/app/dist'], to: './dist' })
    expect(runtime.copies.some((c) => c.stage === undefined && c.from.some((f) => f === 'src' || f.startsWith('src/')))).toBe(false)
    expect(runtime.text).not.toMatch(/tsx|typescript/)
    expect(runtime.user).toBe('node')
    // what the compose commands run lives in that dist/
    for (const s of [dispatcher!, worker!, dashboard!]) expect(s.command![1]!.startsWith('dist/')).toBe(true)
    // tsx is not a production dependency, so nothing in the image may need it
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
      dependencies: Record<string, string>
      devDependencies: Record<string, string>
      bin: Record<string, string>
    }
    expect(pkg.dependencies).not.toHaveProperty('tsx')
    expect(pkg.devDependencies).toHaveProperty('tsx')

    // the default KANBAN_COMMAND is in the image, executable, and finds `kanban` on PATH
    const cmd = withDefaults(worker!.environment!).KANBAN_COMMAND!
    expect(existsSync(cmd)).toBe(true)
    expect(statSync(cmd).mode & 0o111).not.toBe(0)
    expect(runtime.copies).toContainEqual({ stage: undefined, from: [cmd], to: `./${cmd}` })
    // the example reports through the CLI with the variables the worker sets
    // (inside a handler the task and run default to the worker's KANBAN_TASK / KANBAN_RUN_ID)
    expect(readFileSync(cmd, 'utf8')).toMatch(/^kanban complete\b/m)
    const bin = pkg.bin.kanban!.replace(/^\.\//, '')
    expect(bin.startsWith('dist/')).toBe(true)
    expect(existsSync(bin)).toBe(true)
    expect(runtime.runs.some((r) => r.includes(`ln -s /app/${bin} /usr/local/bin/kanban`))).toBe(true)
  })

  it("the runtime stage's production dependencies cover every import of the compiled dist/", () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> }
    // dist/dashboard is the browser's: files kanban serve sends, never modules Node imports
    const js = readdirSync('dist', { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js') && !f.startsWith('dashboard/'))
    expect(js).toContain('runtime/workerMain.js')
    const bare = new Set<string>()
    for (const f of js) {
      // import / export statements and dynamic imports only: the bundled CLI carries BullMQ's
      // Lua sources, whose comments say things like `code from "moveToFinished"`
      for (const m of readFileSync(`dist/${f}`, 'utf8').matchAll(
        /(?:\bimport\s*(?:[\w$*\s{},]*?\bfrom\s*)?|\bexport\s*[\w$*\s{},]*?\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g,
      )) {
        const spec = m[1]!
        if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec)) continue
        bare.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!)
      }
    }
    expect(bare.size).toBeGreaterThan(0)
    for (const dep of bare) expect(Object.keys(pkg.dependencies), `dist/ imports ${dep}`).toContain(dep)
  })

  it('rejects a bad variable at start-up with a message naming it', () => {
    expect(() => readEnv(WorkerEnv, { REDIS_URL: 'redis://x:6379', KANBAN_LANES: 'a', KANBAN_COMMAND: 'x', KANBAN_CONCURRENCY: 'many' })).toThrow(
      /KANBAN_CONCURRENCY: expected .*got "many"/,
    )
    expect(() => readEnv(WorkerEnv, { REDIS_URL: 'redis://x:6379', KANBAN_LANES: 'a', KANBAN_COMMAND: 'x', KANBAN_GRACE_MS: '-1' })).toThrow(
      /KANBAN_GRACE_MS: expected an integer of at least 0, got "-1"/,
    )
    expect(() => readEnv(WorkerEnv, { REDIS_URL: 'redis://x:6379', KANBAN_LANES: 'a' })).toThrow(/environment variable KANBAN_COMMAND is required/)
    expect(() => readEnv(DispatcherEnv, { REDIS_URL: 'http://x' })).toThrow(
      /REDIS_URL: expected a redis:\/\/, rediss:\/\/ or redis\+sentinel:\/\/ URL, got "http:\/\/x"/,
    )
    expect(() => readEnv(ServeEnv, { REDIS_URL: 'redis://x:6379', KANBAN_BOARDS: 'a,B!' })).toThrow(/KANBAN_BOARDS: expected comma-separated board names/)
    expect(() => readEnv(ServeEnv, { REDIS_URL: 'redis://x:6379', KANBAN_PUBLIC_ORIGIN: 'https://x.example/app' })).toThrow(
      /KANBAN_PUBLIC_ORIGIN: expected an origin/,
    )
  })
})
