/**
 * docker-compose.yml cannot run here (no Docker engine), so check it against the code:
 * services, commands and entrypoints that exist, and environment that the processes'
 * zod schemas accept — with the compose file's own defaults substituted.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import { DispatcherEnv, ENV_NAMES, WorkerEnv, readEnv } from '../../src/runtime/config.js'

interface Service {
  image?: string
  build?: { context: string; dockerfile: string }
  command?: string[]
  environment?: Record<string, string | number>
  healthcheck?: { test: string[] }
  deploy?: { replicas?: number }
  depends_on?: Record<string, { condition: string }>
  container_name?: string
  ports?: unknown[]
  volumes?: string[]
  stop_grace_period?: string
}
const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
  services: Record<string, Service>
  volumes: Record<string, unknown>
}
const { redis, dispatcher, worker } = compose.services

/** `${NAME:-default}` -> default, as compose does when NAME is unset. */
const withDefaults = (env: Record<string, string | number>) =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{\w+:-([^}]*)\}/g, '$1')]))

describe('docker-compose.yml', () => {
  it('has exactly redis, dispatcher and worker services', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['dispatcher', 'redis', 'worker'])
  })

  it('runs Redis with AOF persistence on a volume and a healthcheck', () => {
    expect(redis!.image).toMatch(/^redis:7/)
    expect(redis!.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']))
    expect(redis!.volumes?.[0]).toMatch(/^redis-data:\/data$/)
    expect(compose.volumes).toHaveProperty('redis-data')
    expect(redis!.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping'])
  })

  it('starts two dispatcher replicas from the dispatcher entrypoint once Redis is healthy', () => {
    expect(dispatcher!.deploy?.replicas).toBe(2)
    expect(dispatcher!.command).toEqual(['node', '--import', 'tsx', 'workers/dispatcher.ts'])
    expect(existsSync(dispatcher!.command![3]!)).toBe(true)
    expect(dispatcher!.depends_on?.redis?.condition).toBe('service_healthy')
  })

  it('has a worker service that scales: no fixed name, replicas or host ports', () => {
    expect(worker!.command).toEqual(['node', '--import', 'tsx', 'workers/worker.ts'])
    expect(existsSync(worker!.command![3]!)).toBe(true)
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

  it('builds from a Dockerfile that ships src and workers, and the default command exists', () => {
    for (const s of [dispatcher!, worker!]) expect(s.build).toEqual({ context: '.', dockerfile: 'workers/Dockerfile' })
    const dockerfile = readFileSync('workers/Dockerfile', 'utf8')
    expect(dockerfile).toMatch(/^FROM node:20/m)
    expect(dockerfile).toMatch(/^COPY src \.\/src$/m)
    expect(dockerfile).toMatch(/^COPY workers \.\/workers$/m)
    expect(dockerfile).toMatch(/npm ci --omit=dev/)
    const cmd = withDefaults(worker!.environment!).KANBAN_COMMAND!
    expect(existsSync(cmd)).toBe(true)
    expect(statSync(cmd).mode & 0o111).not.toBe(0)
    // the example reports through the CLI with the variables the worker sets
    expect(readFileSync(cmd, 'utf8')).toMatch(/kanban complete --task "\$KANBAN_TASK" --run "\$KANBAN_RUN_ID"/)
  })

  it('rejects a bad variable at start-up with a message naming it', () => {
    expect(() => readEnv(WorkerEnv, { REDIS_URL: 'redis://x:6379', KANBAN_LANES: 'a', KANBAN_COMMAND: 'x', KANBAN_CONCURRENCY: 'many' })).toThrow(
      /KANBAN_CONCURRENCY: expected .*got "many"/,
    )
    expect(() => readEnv(DispatcherEnv, { REDIS_URL: 'http://x' })).toThrow(/REDIS_URL: expected a redis:\/\/ or rediss:\/\/ URL, got "http:\/\/x"/)
  })
})
