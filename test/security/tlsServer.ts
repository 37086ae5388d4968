/**
 * A private redis-server that speaks TLS, with a CA and a server certificate made by
 * `openssl` for the test (docs/security.md#credentials-and-tls). The plain port stays for
 * the readiness check and the test's own admin connection; clients under test use the TLS
 * port only, and a password set once the server is up.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Redis } from 'ioredis'
import { findFreePort, startRedisServer, type RedisServerHandle } from '../../src/testing/index.js'

export interface TlsRedis {
  srv: RedisServerHandle
  /** rediss://127.0.0.1:<tls port> (no credentials) */
  url: string
  tlsPort: number
  caFile: string
  password: string
  /** a connection on the plain port, authenticated */
  admin: Redis
  dir: string
  stop(): Promise<void>
}

function certificates(dir: string): { ca: string; cert: string; key: string } {
  const f = (n: string) => path.join(dir, n)
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] })
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=kanban test CA', '-keyout', f('ca.key'), '-out', f('ca.crt'))
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', f('server.key'), '-out', f('server.csr'))
  writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n')
  ssl(
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    f('san.ext'),
    '-out',
    f('server.crt'),
  )
  return { ca: f('ca.crt'), cert: f('server.crt'), key: f('server.key') }
}

export async function startTlsRedis(password: string): Promise<TlsRedis> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kanban-tls-'))
  const c = certificates(dir)
  const tlsPort = await findFreePort()
  const srv = await startRedisServer({
    extraArgs: ['--tls-port', String(tlsPort), '--tls-cert-file', c.cert, '--tls-key-file', c.key, '--tls-ca-cert-file', c.ca, '--tls-auth-clients', 'no'],
  })
  const admin = new Redis(srv.url)
  await admin.config('SET', 'requirepass', password)
  await admin.auth(password)
  return {
    srv,
    url: `rediss://127.0.0.1:${tlsPort}`,
    tlsPort,
    caFile: c.ca,
    password,
    admin,
    dir,
    async stop() {
      admin.disconnect()
      await srv.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
