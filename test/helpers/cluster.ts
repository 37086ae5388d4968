/**
 * A Redis Cluster on loopback for tests: `masters` private redis-servers (3 by default),
 * each with `replicasPerMaster` replicas, created with `redis-cli --cluster create` and
 * stopped by `stop()`. A low node timeout makes a replica take over a killed master within
 * a few seconds.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { Cluster, Redis, type ClusterOptions } from 'ioredis'
import { findFreePort, startRedisServer, type RedisServerHandle } from '../../src/testing/index.js'

const run = promisify(execFile)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export interface TestCluster {
  servers: RedisServerHandle[]
  /** an ioredis Cluster over every node, closed by stop() */
  cluster: Cluster
  /** `host:port` of the master serving `key`'s slot now (asked of a live node) */
  ownerOf(key: string): Promise<string>
  stop(): Promise<void>
}

export interface ClusterSetup {
  masters?: number
  replicasPerMaster?: 0 | 1
  /** cluster-node-timeout (default 15000, Redis's own) */
  nodeTimeoutMs?: number
  clusterOptions?: ClusterOptions
}

export async function startCluster(setup: ClusterSetup = {}): Promise<TestCluster> {
  const masters = setup.masters ?? 3
  const replicas = setup.replicasPerMaster ?? 0
  const servers: RedisServerHandle[] = []
  const timeout = setup.nodeTimeoutMs === undefined ? [] : ['--cluster-node-timeout', String(setup.nodeTimeoutMs)]
  // a replica takes over however long it has been cut from its master, and syncs at once
  // (not after diskless sync's 5 s wait for more replicas)
  const validity = replicas > 0 ? ['--cluster-replica-validity-factor', '0', '--repl-diskless-sync-delay', '0'] : []
  for (let i = 0; i < masters * (1 + replicas); i++) {
    servers.push(
      await startRedisServer({
        port: await findFreePort(),
        extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${i}.conf`, ...timeout, ...validity],
      }),
    )
  }
  const stopAll = async () => {
    for (const s of servers) await s.stop()
  }
  try {
    await run('redis-cli', ['--cluster', 'create', ...servers.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', String(replicas), '--cluster-yes'])
    const ready = async () => {
      for (const s of servers) {
        const { stdout } = await run('redis-cli', ['-p', String(s.port), 'cluster', 'info'])
        if (!stdout.includes('cluster_state:ok')) return false
      }
      if (replicas === 0) return true
      // every replica has its master's data: a failover before that would lose the slot's keys
      let synced = 0
      for (const s of servers) {
        const { stdout } = await run('redis-cli', ['-p', String(s.port), 'info', 'replication'])
        if (stdout.includes('master_link_status:up')) synced++
      }
      return synced === masters * replicas
    }
    let ok = false
    for (let i = 0; i < 200 && !(ok = await ready()); i++) await sleep(100)
    if (!ok) throw new Error('the test cluster did not reach cluster_state:ok with its replicas attached')
  } catch (e) {
    await stopAll()
    throw e
  }
  const cluster = new Cluster(
    servers.map((s) => ({ host: '127.0.0.1', port: s.port })),
    { ...setup.clusterOptions, redisOptions: { maxRetriesPerRequest: null, ...setup.clusterOptions?.redisOptions } },
  )
  await cluster.ping()
  return {
    servers,
    cluster,
    async ownerOf(key) {
      for (const s of servers) {
        // a plain connection: it fails fast on a killed node, and the next one is asked
        const r = new Redis({ port: s.port, host: '127.0.0.1', lazyConnect: true, connectTimeout: 500, maxRetriesPerRequest: 0, retryStrategy: () => null })
        r.on('error', () => undefined)
        try {
          await r.connect()
          const slot = (await r.call('CLUSTER', 'KEYSLOT', key)) as number
          const ranges = (await r.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][]
          const own = ranges.find(([a, b]) => slot >= a && slot <= b)
          if (own) return `${own[2][0]}:${own[2][1]}`
        } catch {
          // killed, or not answering: the next node
        } finally {
          r.disconnect()
        }
      }
      throw new Error(`no live node names an owner for ${key}`)
    },
    async stop() {
      await cluster.quit().catch(() => cluster.disconnect())
      await stopAll()
    },
  }
}
