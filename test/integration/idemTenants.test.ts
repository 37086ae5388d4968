/**
 * Idempotency keys are scoped per tenant (docs/api.md#idempotency-keys, includes/idem.lua):
 * the same key under two tenants makes two tasks, under one tenant (or none) one — in
 * createTask, in one createTasks call and in a batch written in parts. Entries written before
 * keys were scoped (the task's key in the `idem` hash whatever its tenant) keep working.
 */
import { describe, expect, it } from 'vitest'
import type { Board } from '../../src/index.js'
import { openBoard, snapshot } from '../helpers/board.js'

/** A task as the board stored it before idempotency keys were scoped: its key in `idem`, whatever its tenant. */
async function legacyTask(board: Board, tenant: string | undefined, key: string): Promise<string> {
  const id = await board.createTask({ title: `legacy ${key}`, ...(tenant ? { tenant } : {}) })
  await board.redis.hset(board.keys.task(id), 'idempotencyKey', key)
  await board.redis.hset(board.keys.idem, key, id)
  return id
}

describe('idempotency keys per tenant', () => {
  it('the same key under two tenants makes two tasks; under one tenant, one', async () => {
    const board = await openBoard('idem')
    const acme = await board.createTask({ title: 'a', tenant: 'acme', idempotencyKey: 'order-1' })
    const globex = await board.createTask({ title: 'g', tenant: 'globex', idempotencyKey: 'order-1' })
    const none = await board.createTask({ title: 'n', idempotencyKey: 'order-1' })
    expect(new Set([acme, globex, none]).size).toBe(3)
    const before = await snapshot(board)
    expect(await board.createTask({ title: 'a again', tenant: 'acme', idempotencyKey: 'order-1' })).toBe(acme)
    expect(await board.createTask({ title: 'g again', tenant: 'globex', idempotencyKey: 'order-1' })).toBe(globex)
    expect(await board.createTask({ title: 'n again', idempotencyKey: 'order-1' })).toBe(none)
    expect(await snapshot(board)).toEqual(before)
  })

  it('a tenant and key that run together differently are different scopes', async () => {
    const board = await openBoard('idem')
    const one = await board.createTask({ title: 'x', tenant: 'a:b', idempotencyKey: 'c' })
    const two = await board.createTask({ title: 'y', tenant: 'a', idempotencyKey: 'b:c' })
    const three = await board.createTask({ title: 'z', idempotencyKey: '1:a:b:c' })
    expect(new Set([one, two, three]).size).toBe(3)
  })

  it('in one createTasks call: nodes sharing a key and a tenant are one task, other tenants their own', async () => {
    const board = await openBoard('idem')
    const ids = await board.createTasks([
      { ref: 'a1', title: 'a1', tenant: 'acme', idempotencyKey: 'k' },
      { ref: 'a2', title: 'a2', tenant: 'acme', idempotencyKey: 'k' },
      { ref: 'g1', title: 'g1', tenant: 'globex', idempotencyKey: 'k' },
      { ref: 'n1', title: 'n1', idempotencyKey: 'k' },
    ])
    expect(ids.a2).toBe(ids.a1)
    expect(new Set([ids.a1, ids.g1, ids.n1]).size).toBe(3)
    expect((await board.stats()).total).toBe(3)
    // and against the board afterwards
    expect(await board.createTask({ title: 'again', tenant: 'globex', idempotencyKey: 'k' })).toBe(ids.g1)
  })

  it('in a batch written in parts: the same, across parts', async () => {
    const board = await openBoard('idem')
    const existing = await board.createTask({ title: 'acme k0', tenant: 'acme', idempotencyKey: 'k0' })
    const nodes = Array.from({ length: 240 }, (_, i) => ({
      ref: `n${i}`,
      title: `n${i}`,
      ...(i % 40 === 0 ? { idempotencyKey: `k${(i / 40) % 2}`, tenant: i % 80 === 0 ? 'acme' : 'globex' } : {}),
      ...(i > 0 ? { dependsOn: [`n${i - 1}`] } : {}),
    }))
    // keyed nodes: n0 (acme k0), n40 (globex k1), n80 (acme k0), n120 (globex k1), n160 (acme k0), n200 (globex k1)
    const ids = await board.createTasks(nodes)
    expect([ids.n0, ids.n80, ids.n160]).toEqual([existing, existing, existing])
    expect(ids.n120).toBe(ids.n40)
    expect(ids.n200).toBe(ids.n40)
    expect(ids.n40).not.toBe(existing)
    // a new globex task with k0 is not acme's
    const g0 = await board.createTask({ title: 'globex k0', tenant: 'globex', idempotencyKey: 'k0' })
    expect(g0).not.toBe(existing)
  })

  it('archive and delete free the key in its tenant only', async () => {
    const board = await openBoard('idem')
    const acme = await board.createTask({ title: 'a', tenant: 'acme', idempotencyKey: 'k' })
    const globex = await board.createTask({ title: 'g', tenant: 'globex', idempotencyKey: 'k' })
    await board.archiveTask(acme)
    const acme2 = await board.createTask({ title: 'a2', tenant: 'acme', idempotencyKey: 'k' })
    expect(acme2).not.toBe(acme)
    expect(await board.createTask({ title: 'g2', tenant: 'globex', idempotencyKey: 'k' })).toBe(globex)
    await board.deleteTask(acme2)
    expect(await board.redis.hlen(board.keys.idemTenant)).toBe(1) // globex's only
    const acme3 = await board.createTask({ title: 'a3', tenant: 'acme', idempotencyKey: 'k' })
    expect(acme3).not.toBe(acme2)
  })

  it('a changed tenant takes the key along, unless the new tenant holds it already', async () => {
    const board = await openBoard('idem')
    const t = await board.createTask({ title: 'moving', tenant: 'acme', idempotencyKey: 'k' })
    await board.updateTask(t, { tenant: 'globex' })
    expect(await board.createTask({ title: 'g', tenant: 'globex', idempotencyKey: 'k' })).toBe(t)
    const acme = await board.createTask({ title: 'a', tenant: 'acme', idempotencyKey: 'k' })
    expect(acme).not.toBe(t)
    await board.updateTask(t, { tenant: null })
    expect(await board.createTask({ title: 'n', idempotencyKey: 'k' })).toBe(t)
    // acme holds k already: t keeps its key field, acme's task keeps the key
    await board.updateTask(t, { tenant: 'acme' })
    expect(await board.createTask({ title: 'a again', tenant: 'acme', idempotencyKey: 'k' })).toBe(acme)
    const none = await board.createTask({ title: 'n again', idempotencyKey: 'k' })
    expect(none).not.toBe(t)
  })

  describe('entries from before keys were scoped (migration)', () => {
    it("a tenant's old entry in `idem` still matches for that tenant, and only for it", async () => {
      const board = await openBoard('idem')
      const old = await legacyTask(board, 'acme', 'k')
      const before = await snapshot(board)
      expect(await board.createTask({ title: 'acme again', tenant: 'acme', idempotencyKey: 'k' })).toBe(old)
      expect(await snapshot(board)).toEqual(before)
      const globex = await board.createTask({ title: 'globex', tenant: 'globex', idempotencyKey: 'k' })
      expect(globex).not.toBe(old)
      // not the no-tenant scope's either; a no-tenant task taking the key moves the old entry
      // to acme's scope first
      const none = await board.createTask({ title: 'no tenant', idempotencyKey: 'k' })
      expect(none).not.toBe(old)
      expect(await board.redis.hget(board.keys.idem, 'k')).toBe(none)
      expect(await board.redis.hget(board.keys.idemTenant, '4:acme:k')).toBe(old)
      expect(await board.createTask({ title: 'acme once more', tenant: 'acme', idempotencyKey: 'k' })).toBe(old)
      expect(await board.createTask({ title: 'none again', idempotencyKey: 'k' })).toBe(none)
    })

    it("an old entry is freed by archive or delete where it is; a no-tenant task's is unchanged", async () => {
      const board = await openBoard('idem')
      const old = await legacyTask(board, 'acme', 'k')
      await board.archiveTask(old)
      expect(await board.redis.hexists(board.keys.idem, 'k')).toBe(0)
      expect(await board.createTask({ title: 'new', tenant: 'acme', idempotencyKey: 'k' })).not.toBe(old)
      const plain = await legacyTask(board, undefined, 'p')
      expect(await board.createTask({ title: 'again', idempotencyKey: 'p' })).toBe(plain)
      await board.deleteTask(plain)
      expect(await board.redis.hexists(board.keys.idem, 'p')).toBe(0)
    })
  })
})
