/**
 * The compose file's "prometheus" profile (docs/operations.md#prometheus-in-compose),
 * checked against the code like the rest of docker-compose.yml (compose.test.ts): its
 * scrape targets are the services and the ports they serve metrics on, its rules the
 * shipped ones, and promtool accepts its configuration when it is installed.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import { DispatcherEnv, ServeEnv, WorkerEnv, readEnv } from '../../src/runtime/config.js'

interface Service {
  image?: string
  profiles?: string[]
  command?: string[]
  environment?: Record<string, string | number>
  volumes?: string[]
  ports?: string[]
}
const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> }
const { prometheus, dispatcher, worker, dashboard } = compose.services
interface Job {
  job_name: string
  metrics_path?: string
  static_configs?: { targets: string[] }[]
  dns_sd_configs?: { names: string[]; type: string; port: number }[]
}
const config = parse(readFileSync('deploy/prometheus/prometheus.yml', 'utf8')) as { rule_files: string[]; scrape_configs: Job[] }
const withDefaults = (env: Record<string, string | number>) =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{\w+:-([^}]*)\}/g, '$1')]))
const promtool = spawnSync('promtool', ['--version']).status === 0

describe('docker-compose.yml: the prometheus profile', () => {
  it('runs Prometheus only in its profile, with deploy/prometheus mounted as its configuration', () => {
    expect(prometheus!.profiles).toEqual(['prometheus'])
    expect(prometheus!.image).toMatch(/^prom\/prometheus:v2\./)
    expect(prometheus!.volumes).toContain('./deploy/prometheus:/etc/prometheus:ro')
    expect(prometheus!.command).toContain('--config.file=/etc/prometheus/prometheus.yml')
    expect(compose.volumes).toHaveProperty('prometheus-data')
    // the rule files it loads are the shipped ones, next to its configuration
    for (const f of config.rule_files) expect(existsSync(`deploy/prometheus/${f}`)).toBe(true)
    expect(config.rule_files).toContain('alerts.yml')
  })

  it('scrapes each service on the port its environment makes it serve /metrics on', () => {
    const d = readEnv(DispatcherEnv, withDefaults(dispatcher!.environment!))
    const w = readEnv(WorkerEnv, withDefaults(worker!.environment!))
    const s = readEnv(ServeEnv, withDefaults(dashboard!.environment!))
    expect(d.KANBAN_METRICS_PORT).toBeGreaterThan(0)
    expect(w.KANBAN_METRICS_PORT).toBeGreaterThan(0)
    // the board-wide gauges: `kanban serve` has /metrics on its own port unless KANBAN_METRICS=0
    expect(s.KANBAN_METRICS).toBe(true)
    const job = (name: string) => config.scrape_configs.find((j) => j.job_name === name)!
    expect(job('kanban-serve').static_configs).toEqual([{ targets: [`dashboard:${s.KANBAN_PORT}`] }])
    // every replica of a scaled service: compose's DNS answers the service name with each one
    expect(job('kanban-dispatcher').dns_sd_configs).toEqual([expect.objectContaining({ names: ['dispatcher'], type: 'A', port: d.KANBAN_METRICS_PORT })])
    expect(job('kanban-worker').dns_sd_configs).toEqual([expect.objectContaining({ names: ['worker'], type: 'A', port: w.KANBAN_METRICS_PORT })])
    for (const j of config.scrape_configs) expect(j.metrics_path ?? '/metrics').toBe('/metrics')
    expect(config.scrape_configs.map((j) => j.job_name).sort()).toEqual(['kanban-dispatcher', 'kanban-serve', 'kanban-worker'])
    // workers and dispatchers publish no host port: only Prometheus, inside compose's network, reads them
    expect((worker as { ports?: unknown }).ports).toBeUndefined()
    expect((dispatcher as { ports?: unknown }).ports).toBeUndefined()
  })

  it.skipIf(!promtool)('has a configuration promtool accepts', () => {
    const out = execFileSync('promtool', ['check', 'config', 'deploy/prometheus/prometheus.yml'], { encoding: 'utf8' })
    expect(out).toMatch(/is valid prometheus config file syntax/)
  })
})
