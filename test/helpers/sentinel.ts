/**
 * A Sentinel-watched pair on loopback for failover tests: one master, one replica and three
 * Sentinels (quorum 2), every process a private `redis-server` on a free port, with
 * timeouts low enough that a killed master is replaced within a few seconds.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { findFreePort, startRedisServer, type RedisServerHandle } from '../../src/testing/index.js'

const run = promisify(execFile)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export interface SentinelSet {
  /** the master name the Sentinels watch */
  name: string
  /** `redis+sentinel://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3/<name>` */
  url: string
  master: RedisServerHandle
  replica: RedisServerHandle
  sentinels: RedisServerHandle[]
  /** the port of the server the Sentinels now name as master */
  masterPort(): Promise<number>
  stop(): Promise<void>
}

/** `redis-cli -p port ...args`, its reply trimmed. */
export async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(port), ...args])
  return stdout.trim()
}

/**
 * Polls `check` every 100 ms until it holds or `ms` pass (then throws, naming `what`); a
 * check that does not answer in time (a connection waiting on a dead node) counts as false.
 */
export async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    const answer = Promise.race([check().catch(() => false), sleep(Math.max(100, end - Date.now())).then(() => false)])
    if (await answer) return
    await sleep(100)
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`)
}

export async function startSentinelSet(name = 'kq'): Promise<SentinelSet> {
  const master = await startRedisServer()
  const replica = await startRedisServer({ extraArgs: ['--replicaof', '127.0.0.1', String(master.port)] })
  await until('the replica to sync', 15_000, async () => (await cli(replica.port, 'INFO', 'replication')).includes('master_link_status:up'))
  const dirs: string[] = []
  const sentinels: RedisServerHandle[] = []
  try {
    for (let i = 0; i < 3; i++) {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'kanban-sentinel-'))
      dirs.push(dir)
      const conf = path.join(dir, 'sentinel.conf')
      // down after 1 s; a failover that stalls is retried after 4 s
      await writeFile(
        conf,
        [
          `sentinel monitor ${name} 127.0.0.1 ${master.port} 2`,
          `sentinel down-after-milliseconds ${name} 1000`,
          `sentinel failover-timeout ${name} 4000`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'),
      )
      sentinels.push(await startRedisServer({ port: await findFreePort(), dir, configFile: conf, extraArgs: ['--sentinel'] }))
    }
    // each Sentinel must know the replica and the other two before a failover can be agreed
    for (const s of sentinels) {
      await until('the sentinels to find each other', 20_000, async () => {
        const info = await cli(s.port, 'SENTINEL', 'MASTER', name)
        const field = (f: string) => Number(new RegExp(`(?:^|\\n)${f}\\n(\\d+)`).exec(info)?.[1] ?? 0)
        return field('num-slaves') >= 1 && field('num-other-sentinels') >= 2
      })
    }
  } catch (e) {
    for (const s of [...sentinels, replica, master]) await s.stop()
    for (const d of dirs) await rm(d, { recursive: true, force: true })
    throw e
  }
  return {
    name,
    url: `redis+sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/${name}`,
    master,
    replica,
    sentinels,
    async masterPort() {
      const reply = await cli(sentinels[0]!.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)
      return Number(reply.split('\n')[1])
    },
    async stop() {
      // Sentinels first: they would otherwise start a failover as the servers go
      for (const s of sentinels) await s.kill()
      await replica.stop()
      await master.stop()
      for (const d of dirs) await rm(d, { recursive: true, force: true })
    },
  }
}
