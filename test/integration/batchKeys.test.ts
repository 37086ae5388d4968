/**
 * Idempotent batches (docs/api.md#batch-keys): a createTasks with a batch key returns the
 * same ref -> id map when retried and writes nothing; the same key with other content is
 * refused (BATCH_KEY_CONFLICT), nothing written. Both paths: one createTasks call, and a DAG
 * large enough to go in parts (one MULTI / EXEC, src/create.ts#createInParts).
 */
import { describe, expect, it } from 'vitest'
import { KanbanError, ValidationError, type CreateNodeInput } from '../../src/index.js'
import { partsOf, toNodeArg } from '../../src/create.js'
import { openBoard, snapshot } from '../helpers/board.js'

/** A chain a -> b -> c with a lane and a tenant. */
const small = (): CreateNodeInput[] => [
  { ref: 'a', title: 'Build', assignee: 'coder', tenant: 'acme' },
  { ref: 'b', title: 'Test', dependsOn: ['a'] },
  { ref: 'c', title: 'Ship', dependsOn: ['b'], idempotencyKey: 'ship-1' },
]

/** 300 nodes, each depending on the one before, with a fan-in node: many parts. */
const large = (): CreateNodeInput[] =>
  Array.from({ length: 300 }, (_, i) => ({
    ref: `n${i}`,
    title: `step ${i}`,
    ...(i > 0 ? { dependsOn: i === 299 ? Array.from({ length: 120 }, (_, k) => `n${k}`) : [`n${i - 1}`] } : {}),
    ...(i % 50 === 0 ? { idempotencyKey: `k${i}`, tenant: 'acme' } : {}),
  }))

async function refusal(p: Promise<unknown>): Promise<KanbanError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(KanbanError)
  return e as KanbanError
}

describe('createTasks with a batch key', () => {
  it('a retry returns the same ids and writes nothing', async () => {
    const board = await openBoard('bk')
    const ids = await board.createTasks(small(), { batchKey: 'deploy-42' })
    expect(Object.keys(ids).sort()).toEqual(['a', 'b', 'c'])
    const before = await snapshot(board)
    expect(await board.createTasks(small(), { batchKey: 'deploy-42' })).toEqual(ids)
    // the nodes' order is not content; trimming and lower-casing apply before the digest
    const reordered = small().reverse()
    reordered[0]!.title = '  Ship '
    expect(await board.createTasks(reordered, { batchKey: 'deploy-42' })).toEqual(ids)
    expect(await snapshot(board)).toEqual(before)
    expect((await board.stats()).total).toBe(3)
  })

  it('the same key with other content is BATCH_KEY_CONFLICT naming batchKey, nothing written', async () => {
    const board = await openBoard('bk')
    await board.createTasks(small(), { batchKey: 'deploy-42' })
    const before = await snapshot(board)
    const other = small()
    other[1]!.title = 'Test more'
    const e = await refusal(board.createTasks(other, { batchKey: 'deploy-42' }))
    expect(e).toBeInstanceOf(ValidationError)
    expect(e.code).toBe('BATCH_KEY_CONFLICT')
    expect(e.message).toMatch(/^createTasks: batchKey: expected the same nodes as the batch first created with "deploy-42", got different content/)
    expect(e.details).toMatchObject({ field: 'batchKey', batchKey: 'deploy-42' })
    // one node more is other content too
    const more = [...small(), { ref: 'd', title: 'Announce' }]
    expect((await refusal(board.createTasks(more, { batchKey: 'deploy-42' }))).code).toBe('BATCH_KEY_CONFLICT')
    expect(await snapshot(board)).toEqual(before)
  })

  it('without a key, or under another key, the same nodes are a new batch', async () => {
    const board = await openBoard('bk')
    const first = await board.createTasks(small(), { batchKey: 'k1' })
    const second = await board.createTasks(small(), { batchKey: 'k2' })
    const third = await board.createTasks(small())
    expect(new Set([first.a, second.a, third.a]).size).toBe(3)
  })

  it('a large batch, written in parts: a retry returns the same ids and writes nothing; other content is refused', async () => {
    const board = await openBoard('bk')
    const nodes = large()
    // the batch is really written in parts (more than one part, a wide node)
    expect(partsOf(nodes.map((n) => toNodeArg(n.ref, n, [], n.dependsOn ?? []))).length).toBeGreaterThan(3)
    const ids = await board.createTasks(nodes, { batchKey: 'big-1' })
    expect(Object.keys(ids)).toHaveLength(300)
    expect(new Set(Object.values(ids)).size).toBe(300)
    const before = await snapshot(board)
    expect(await board.createTasks(large(), { batchKey: 'big-1' })).toEqual(ids)
    expect(await snapshot(board)).toEqual(before)

    const other = large()
    other[200]!.title = 'changed'
    const e = await refusal(board.createTasks(other, { batchKey: 'big-1' }))
    expect(e.code).toBe('BATCH_KEY_CONFLICT')
    expect(await snapshot(board)).toEqual(before)
  })

  it('a batch key recorded by one call replays for the same content however it goes', async () => {
    const board = await openBoard('bk')
    const ids = await board.createTasks(small(), { batchKey: 'mixed' })
    // the record is read by a large batch's first check part too: other content, refused there
    expect((await refusal(board.createTasks(large(), { batchKey: 'mixed' }))).code).toBe('BATCH_KEY_CONFLICT')
    expect(await board.createTasks(small(), { batchKey: 'mixed' })).toEqual(ids)
  })

  it('a batch that failed records nothing: the key stays free', async () => {
    const board = await openBoard('bk')
    const bad = [...small(), { ref: 'x', title: 'orphan', parents: ['t999'] }]
    expect((await refusal(board.createTasks(bad, { batchKey: 'retry-me' }))).code).toBe('UNKNOWN_PARENT')
    expect(await board.redis.exists(board.keys.batchRecord('retry-me'))).toBe(0)
    const ids = await board.createTasks(small(), { batchKey: 'retry-me' })
    expect(Object.keys(ids)).toHaveLength(3)
  })

  it('the record expires after batchKeyTtlMs (default 24 h)', async () => {
    const board = await openBoard('bk')
    await board.createTasks(small(), { batchKey: 'ttl' })
    const ttl = await board.redis.pttl(board.keys.batchRecord('ttl'))
    expect(ttl).toBeGreaterThan(86_400_000 - 60_000)
    expect(ttl).toBeLessThanOrEqual(86_400_000)
    await board.configure({ batchKeyTtlMs: 120_000 })
    expect((await board.settings()).batchKeyTtlMs).toBe(120_000)
    await board.createTasks(large(), { batchKey: 'ttl-big' })
    expect(await board.redis.pttl(board.keys.batchRecord('ttl-big'))).toBeLessThanOrEqual(120_000)
  })

  it.each<[string, unknown, RegExp]>([
    ['an empty key', { batchKey: '' }, /^createTasks: batchKey: expected a batch key of 1-200 characters/],
    ['a key with a space', { batchKey: 'a b' }, /^createTasks: batchKey: expected a batch key .* got "a b"$/],
    ['a key of 201 characters', { batchKey: 'k'.repeat(201) }, /^createTasks: batchKey: expected a batch key/],
    ['a number', { batchKey: 42 }, /^createTasks: batchKey: expected .*string.*, got 42$/],
    ['an unknown option', { batch: 'x' }, /options: expected no field named batch, got "x"$/],
  ])('bad options (%s): INVALID_INPUT naming the field, nothing written', async (_, opts, message) => {
    const board = await openBoard('bk')
    const before = await snapshot(board)
    const e = await refusal(board.createTasks(small(), opts as never))
    expect(e).toBeInstanceOf(ValidationError)
    expect(e.code).toBe('INVALID_INPUT')
    expect(e.message).toMatch(message)
    expect(await snapshot(board)).toEqual(before)
  })

  it('batchKeyTtlMs is validated like every setting', async () => {
    const board = await openBoard('bk')
    const e = await refusal(board.configure({ batchKeyTtlMs: 10 }))
    expect(e.message).toMatch(/^configure: batchKeyTtlMs: expected/)
  })
})
