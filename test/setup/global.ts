/**
 * Vitest globalSetup: choose ONE Redis for the whole test run and hand its URL
 * to the test files via `provide('redisUrl', url)` (read it with
 * `redisUrl()` from test/helpers/redis.ts).
 *
 * Order:
 *   1. REDIS_URL from the environment (used as is, never flushed);
 *   2. a `redis:7-alpine` container via testcontainers, only if a Docker engine
 *      answers a ~1 s ping (no engine -> no delay worth mentioning);
 *   3. a private `redis-server` from PATH (src/testing/redisServer.ts, the kanban-queue/testing subpath).
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import os from 'node:os'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { redisAnswers, startRedisServer } from '../../src/testing/index.js'
// The ProvidedContext type augmentation lives in ./provided.d.ts.

const log = (msg: string) => console.log(`[redis] ${msg}`)
/** Hide a password in a redis URL before printing it. */
const redact = (url: string) => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')

type DockerEndpoint = { kind: 'socket'; socketPath: string } | { kind: 'tcp'; host: string; port: number; tls: boolean }

function dockerEndpoints(): DockerEndpoint[] {
  const host = process.env.DOCKER_HOST
  if (host) {
    if (host.startsWith('unix://')) return [{ kind: 'socket', socketPath: host.slice('unix://'.length) }]
    if (host.startsWith('tcp://') || host.startsWith('http://') || host.startsWith('https://')) {
      const u = new URL(host.replace(/^tcp:/, 'http:'))
      const tls = host.startsWith('https://') || !!process.env.DOCKER_TLS_VERIFY
      return [{ kind: 'tcp', host: u.hostname, port: Number(u.port || (tls ? 2376 : 2375)), tls }]
    }
    return [] // ssh:// and friends: not probed, testcontainers is not tried
  }
  const candidates = ['/var/run/docker.sock']
  if (process.env.XDG_RUNTIME_DIR) candidates.push(path.join(process.env.XDG_RUNTIME_DIR, 'docker.sock'))
  candidates.push(path.join(os.homedir(), '.docker', 'run', 'docker.sock'))
  candidates.push(path.join(os.homedir(), '.docker', 'desktop', 'docker.sock'))
  return candidates.filter((p) => fs.existsSync(p)).map((socketPath) => ({ kind: 'socket', socketPath }))
}

function pingDocker(ep: DockerEndpoint, timeoutMs: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let done = false
    const finish = (ok: boolean) => {
      if (done) return
      done = true
      clearTimeout(timer)
      req.destroy()
      resolve(ok)
    }
    const timer = setTimeout(() => finish(false), timeoutMs)
    const req =
      ep.kind === 'socket'
        ? http.request({ socketPath: ep.socketPath, path: '/_ping', method: 'GET' })
        : (ep.tls ? https : http).request({
            host: ep.host,
            port: ep.port,
            path: '/_ping',
            method: 'GET',
            rejectUnauthorized: false,
          })
    req.on('response', (res) => {
      // A real engine answers /_ping with 200 "OK" and an Api-Version header. With TLS
      // client-cert auth a 401/403 carrying Api-Version still proves an engine is there
      // (testcontainers will use the certs from the environment). Anything else (e.g. a
      // proxy's 404) is not Docker.
      const isDocker = res.headers['api-version'] !== undefined || res.headers['docker-experimental'] !== undefined
      if (isDocker) {
        res.resume()
        finish((res.statusCode ?? 500) < 500)
        return
      }
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => finish(res.statusCode === 200 && body.trim() === 'OK'))
    })
    req.on('error', () => finish(false))
    req.end()
  })
}

async function dockerAnswers(): Promise<boolean> {
  const eps = dockerEndpoints()
  if (eps.length === 0) return false
  const results = await Promise.all(eps.map((ep) => pingDocker(ep, 1000)))
  return results.some(Boolean)
}

async function startContainer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const { GenericContainer, Wait } = await import('testcontainers')
  const container = await new GenericContainer('redis:7-alpine')
    .withExposedPorts(6379)
    .withCommand(['redis-server', '--save', '', '--appendonly', 'no'])
    .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
    .withStartupTimeout(60_000)
    .start()
  const url = `redis://${container.getHost()}:${container.getMappedPort(6379)}`
  return {
    url,
    stop: async () => {
      await container.stop()
    },
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The CLI and the packaged library are tested as users run them: compiled, from dist/.
  // Building here (a few seconds) keeps a run of a single test file from testing stale code.
  execFileSync(process.execPath, [path.join(import.meta.dirname, '..', '..', 'scripts', 'build.mjs')], { stdio: 'inherit' })
  let url: string
  let source: 'env' | 'container' | 'embedded'
  let stop: () => Promise<void> = async () => {}

  const envUrl = process.env.REDIS_URL?.trim()
  if (envUrl) {
    url = envUrl
    source = 'env'
    if (!(await redisAnswers(url, 2000))) {
      throw new Error(`REDIS_URL=${redact(url)} does not answer PING; start that Redis or unset REDIS_URL.`)
    }
    log(`using REDIS_URL ${redact(url)}`)
  } else {
    let container: { url: string; stop: () => Promise<void> } | undefined
    if (await dockerAnswers()) {
      try {
        container = await startContainer()
      } catch (err) {
        log(`Docker engine answers but the redis:7-alpine container failed (${(err as Error).message.split('\n')[0]}); falling back to redis-server`)
      }
    }
    if (container) {
      url = container.url
      source = 'container'
      stop = container.stop
      log(`using testcontainers redis:7-alpine at ${url}`)
    } else {
      const srv = await startRedisServer()
      url = srv.url
      source = 'embedded'
      stop = srv.stop
      log(`using private redis-server (pid ${srv.pid}) at ${url}`)
    }
  }

  project.provide('redisUrl', url)
  project.provide('redisSource', source)
  // Test code that does not go through inject() (e.g. spawned workers) can read it too.
  process.env.KANBAN_TEST_REDIS_URL = url

  return async () => {
    await stop()
  }
}
