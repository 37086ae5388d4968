/**
 * A board handle opened with an `actor` records it on every event its writes make
 * (docs/events.md): the HTTP API opens one per token, so every action names who did it.
 */
import { describe, expect, it } from 'vitest'
import { Board } from '../../src/index.js'
import { openBoard } from '../helpers/board.js'

describe('actor', () => {
  it('is recorded on every event of a handle opened with one, and on no other', async () => {
    const board = await openBoard('actor')
    const alice = await Board.open({ redis: board.redis as never, board: board.name, actor: 'alice' })
    try {
      const parent = await alice.createTask({ title: 'p' })
      const child = await board.createTask({ title: 'c', parents: [parent] })
      expect(await alice.blockTask(parent, { reason: 'needs a key' })).toBe(true)
      expect(await alice.unblockTask(parent)).toBe(true)
      expect(await alice.completeTask(parent, { result: 'ok' })).toBe(true)
      const evs = await board.events()
      const of = (id: string) => evs.filter((e) => e.taskId === id)
      expect(of(parent).map((e) => [e.kind, e.actor])).toEqual([
        ['created', 'alice'],
        ['blocked', 'alice'],
        ['unblocked', 'alice'],
        ['completed', 'alice'],
      ])
      // the child's creation was nobody's action; its promotion came from alice's completion
      expect(of(child).map((e) => [e.kind, e.actor])).toEqual([
        ['created', undefined],
        ['promoted', 'alice'],
      ])
      expect('actor' in of(child)[0]!).toBe(false)
      // the per-task list says the same as the stream
      expect((await board.events({ taskId: parent })).map((e) => e.actor)).toEqual(of(parent).map((e) => e.actor))
    } finally {
      await alice.close()
    }
  })

  it('an explicit actor of the call wins over the handle', async () => {
    const board = await openBoard('actor')
    const bob = await Board.open({ redis: board.redis as never, board: board.name, actor: 'bob' })
    try {
      const id = await board.createTask({ title: 't', initialStatus: 'blocked' })
      await bob.unblockTask(id, { actor: 'carol' })
      const [ev] = (await board.events({ taskId: id })).filter((e) => e.kind === 'unblocked')
      expect(ev!.actor).toBe('carol')
      expect(ev!.payload).toMatchObject({ actor: 'carol' })
    } finally {
      await bob.close()
    }
  })

  it('refuses a bad actor at open', async () => {
    const board = await openBoard('actor')
    await expect(Board.open({ redis: board.redis as never, board: board.name, actor: '' })).rejects.toMatchObject({ code: 'INVALID_INPUT' })
  })
})
