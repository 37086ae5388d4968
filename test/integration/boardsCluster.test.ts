/**
 * The board registry, listBoards and deleteBoard on a Redis Cluster: the registry is a key
 * of its own slot, written beside each board's scripts (never inside one), and a deleted
 * board leaves no key on its node. Three masters on loopback, started and stopped here.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Cluster } from 'ioredis'
import { Board, BOARD_REGISTRY, deleteBoard, listBoards } from '../../src/index.js'
import { findFreePort, startRedisServer } from '../../src/testing/index.js'

const run = promisify(execFile)
const servers: Awaited<ReturnType<typeof startRedisServer>>[] = []
let cluster: Cluster

beforeAll(async () => {
  for (let i = 0; i < 3; i++) {
    servers.push(await startRedisServer({ port: await findFreePort(), extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${i}.conf`] }))
  }
  await run('redis-cli', ['--cluster', 'create', ...servers.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', '0', '--cluster-yes'])
  for (let i = 0; i < 100; i++) {
    const { stdout } = await run('redis-cli', ['-p', String(servers[0]!.port), 'cluster', 'info'])
    if (stdout.includes('cluster_state:ok')) break
    await new Promise((r) => setTimeout(r, 100))
  }
  cluster = new Cluster(
    servers.map((s) => ({ host: '127.0.0.1', port: s.port })),
    { redisOptions: { maxRetriesPerRequest: null } },
  )
  await cluster.ping()
}, 60_000)

afterAll(async () => {
  await cluster?.quit().catch(() => cluster.disconnect())
  for (const s of servers) await s.stop()
})

const slotOf = async (key: string) => (await cluster.call('CLUSTER', 'KEYSLOT', key)) as number

async function keysEverywhere(pattern: string): Promise<string[]> {
  const out: string[] = []
  for (const node of cluster.nodes('master')) out.push(...((await node.keys(pattern)) as string[]))
  return out
}

describe('boards on a Redis Cluster', () => {
  it('lists boards of several slots and deletes one, BullMQ queues included, leaving the others', async () => {
    const names = ['north', 'south', 'east', 'west']
    const boards: Board[] = []
    for (const name of names) {
      const b = await Board.open({ redis: cluster, board: name, autoEnqueue: true })
      await b.createTasks([
        { ref: 'a', title: 'a', assignee: 'coder' },
        { ref: 'b', title: 'b', dependsOn: ['a'] },
      ])
      boards.push(b)
    }
    // the boards and the registry do not all share one slot: the registry is written apart
    const slots = new Set(await Promise.all([...boards.map((b) => slotOf(b.keys.settings)), slotOf(BOARD_REGISTRY)]))
    expect(slots.size).toBeGreaterThan(2)

    const listed = await listBoards({ redis: cluster })
    expect(listed.map((i) => i.name)).toEqual([...names].sort())
    for (const i of listed) expect(i).toMatchObject({ total: 2, byStatus: { ready: 1, todo: 1 } })

    expect((await keysEverywhere('{kb:north}*')).some((k) => k.includes(':lane-coder:'))).toBe(true)
    expect(await deleteBoard({ redis: cluster, board: 'north' })).toMatchObject({ done: true, deletedTasks: 2 })
    expect(await keysEverywhere('{kb:north}*')).toEqual([])
    expect((await listBoards({ redis: cluster })).map((i) => i.name)).toEqual(['east', 'south', 'west'])
    expect((await keysEverywhere('{kb:south}*')).length).toBeGreaterThan(3)
    for (const b of boards) await b.close()
  }, 60_000)
})
