/**
 * A createTasks batch key's record (includes/batchRecord.lua): createTasks and the parts of a
 * large one (createCheck, createWrite) record the digest and the ref -> id map; a call naming
 * a recorded key replays it, or refuses another digest, writing nothing.
 */
import { describe, expect, it } from 'vitest'
import { luaBoard } from '../helpers/lua.js'
import { dumpBoardKeys } from '../helpers/redis.js'
import { createInParts, partsOf } from '../../src/create.js'
import type { CreateNodeArg } from '../../src/scriptContract.js'

const nodes = (n: number): CreateNodeArg[] =>
  Array.from({ length: n }, (_, i) => ({ ref: `r${i}`, title: `t ${i}`, ...(i > 0 ? { parentRefs: [`r${i - 1}`] } : {}) }))

describe('createTasks.lua with a batch key', () => {
  it('records the digest and the ids, with the TTL of batchKeyTtlMs', async () => {
    const b = await luaBoard('bkrec')
    const r = await b.call('createTasks', { nodes: nodes(2), batchKey: 'k', digest: 'd1' })
    expect(r.ids).toEqual({ r0: 't1', r1: 't2' })
    const rec = await b.redis.hgetall(b.keys.batchRecord('k'))
    expect(rec).toMatchObject({ digest: 'd1', chunks: '1' })
    expect(JSON.parse(rec['ids:1']!)).toEqual({ r0: 't1', r1: 't2' })
    expect(await b.redis.pttl(b.keys.batchRecord('k'))).toBeGreaterThan(86_000_000)
  })

  it('the same digest replays the ids and writes nothing; another digest is BATCH_KEY_CONFLICT', async () => {
    const b = await luaBoard('bkrec')
    await b.call('createTasks', { nodes: nodes(2), batchKey: 'k', digest: 'd1' })
    const before = await dumpBoardKeys(b.redis, b.name)
    expect(await b.raw('createTasks', { nodes: nodes(3), batchKey: 'k', digest: 'd1' })).toEqual({ ok: true, replayed: true, ids: { r0: 't1', r1: 't2' } })
    expect(await b.raw('createTasks', { nodes: nodes(2), batchKey: 'k', digest: 'd2' })).toEqual({ err: 'BATCH_KEY_CONFLICT', batchKey: 'k' })
    expect(await dumpBoardKeys(b.redis, b.name)).toEqual(before)
  })

  it('a large batch adds a chunk per write part; its first check part replays or refuses', async () => {
    const b = await luaBoard('bkrec')
    const dag = nodes(120)
    const parts = partsOf(dag)
    expect(parts.length).toBeGreaterThan(2)
    const r = await createInParts(b.scripts, parts, false, 'createTasks', { batchKey: 'big', digest: 'd1' })
    expect(Object.keys(r.ids)).toHaveLength(120)
    const rec = await b.redis.hgetall(b.keys.batchRecord('big'))
    expect(Number(rec.chunks)).toBe(parts.length)
    const before = await dumpBoardKeys(b.redis, b.name)
    const again = await createInParts(b.scripts, partsOf(nodes(120)), false, 'createTasks', { batchKey: 'big', digest: 'd1' })
    expect(again).toEqual({ ok: true, ids: r.ids, created: [], jobs: [], toEnqueue: [], replayed: true })
    await expect(createInParts(b.scripts, partsOf(nodes(120)), false, 'createTasks', { batchKey: 'big', digest: 'd2' })).rejects.toMatchObject({
      code: 'BATCH_KEY_CONFLICT',
    })
    // (the scratch keys of both went with their MULTI / EXEC)
    expect(await dumpBoardKeys(b.redis, b.name)).toEqual(before)
  })
})
