/**
 * board.rerunTask (docs/lifecycle.md#re-run) through the library: the result, the hand-off to
 * BullMQ of what it made ready, its refusals, and bad input (a coded error naming the field,
 * nothing written).
 */
import { describe, expect, it } from 'vitest'
import { Board, KanbanError, NotFoundError, ValidationError } from '../../src/index.js'
import { openBoard, snapshot } from '../helpers/board.js'
import { redisUrl } from '../helpers/redis.js'

describe('board.rerunTask', () => {
  it('reopens a done task and, with autoEnqueue, hands it to BullMQ at once; its ready child waits again', async () => {
    const board = await openBoard('rerun', { autoEnqueue: true })
    const x = await board.createTask({ title: 'x', assignee: 'coder' })
    const child = await board.createTask({ title: 'child', assignee: 'coder', parents: [x] })
    await board.completeTask(x, { result: 'v1' })
    expect((await board.getTask(child))!.status).toBe('ready')

    const r = await board.rerunTask(x, { actor: 'alice', reason: 'wrong data' })
    expect(r).toEqual({ status: 'ready', reopened: [x], demoted: [child], reclaimed: [] })
    await board.close() // waits for the enqueue it started
    const same = await Board.open({ redis: redisUrl(), board: board.name })
    try {
      expect((await same.explain(x)).reasons.map((e) => e.code)).toEqual(['queued', 'no_live_worker']) // no worker on this board
      const t = (await same.getTask(x))!
      expect(t).toMatchObject({ status: 'ready', completedAt: null, result: 'v1' })
      expect((await same.getTask(child))!.status).toBe('todo')
      const evs = await same.events({ taskId: x })
      expect(evs.at(-1)).toMatchObject({ kind: 'reopened', payload: { actor: 'alice', reason: 'wrong data', root: x, to: 'ready' } })
      expect((await same.events({ taskId: child })).at(-1)).toMatchObject({ kind: 'demoted', payload: { actor: 'alice', root: x, from: 'ready', to: 'todo' } })
    } finally {
      await same.close()
    }
  })

  it('with subtree: the done chain below reopens in the same step', async () => {
    const board = await openBoard('rerun')
    const ids = [await board.createTask({ title: 'a' })]
    for (const t of ['b', 'c']) ids.push(await board.createTask({ title: t, parents: [ids.at(-1)!] }))
    for (const id of ids) await board.completeTask(id)
    const r = await board.rerunTask(ids[0]!, { actor: 'alice', subtree: true })
    expect(r).toEqual({ status: 'ready', reopened: ids, demoted: [], reclaimed: [] })
    expect((await board.getTask(ids[1]!))!.status).toBe('todo')
    expect((await board.getTask(ids[2]!))!.status).toBe('todo')
  })

  it('null for a task that is not done; NotFoundError for an unknown id', async () => {
    const board = await openBoard('rerun')
    const id = await board.createTask({ title: 'still ready' })
    const before = await snapshot(board)
    expect(await board.rerunTask(id, { actor: 'alice' })).toBeNull()
    expect(await snapshot(board)).toEqual(before)
    await expect(board.rerunTask('t999', { actor: 'alice' })).rejects.toBeInstanceOf(NotFoundError)
  })

  it('a subtree larger than rerunSubtreeLimit: SUBTREE_TOO_LARGE, nothing written', async () => {
    const board = await openBoard('rerun')
    const root = await board.createTask({ title: 'root' })
    for (let i = 0; i < 3; i++) await board.createTask({ title: `child ${i}`, parents: [root] })
    await board.completeTask(root)
    const small = await Board.open({ redis: redisUrl(), board: board.name, rerunSubtreeLimit: 2 })
    try {
      const before = await snapshot(board)
      const e = await small.rerunTask(root, { actor: 'alice', subtree: true }).catch((err: unknown) => err)
      expect(e).toBeInstanceOf(KanbanError)
      expect(e).not.toBeInstanceOf(ValidationError)
      expect(e).toMatchObject({ code: 'SUBTREE_TOO_LARGE', details: { id: root, limit: 2 } })
      expect((e as Error).message).toBe(`rerunTask: the subtree of "${root}" has more than 2 tasks; re-run refused, nothing changed`)
      expect(await snapshot(board)).toEqual(before)
    } finally {
      await small.close()
    }
  })

  it.each<[string, unknown, string, RegExp]>([
    ['no options', undefined, 'input', /^rerunTask: input: expected object, got undefined$/],
    ['no actor', {}, 'actor', /^rerunTask: actor: expected string, got undefined$/],
    ['an empty actor', { actor: '  ' }, 'actor', /^rerunTask: actor: expected a non-empty string, got " {2}"$/],
    ['subtree as text', { actor: 'a', subtree: 'yes' }, 'subtree', /^rerunTask: subtree: expected boolean, got "yes"$/],
    ['an empty reason', { actor: 'a', reason: '' }, 'reason', /^rerunTask: reason: expected a non-empty string, got ""$/],
    ['an unknown option', { actor: 'a', recursive: true }, 'input', /^rerunTask: input: expected no field named recursive, got true$/],
  ])('bad input (%s): INVALID_INPUT naming the field, nothing written', async (_, opts, field, message) => {
    const board = await openBoard('rerun')
    const id = await board.createTask({ title: 'x' })
    await board.completeTask(id)
    const before = await snapshot(board)
    const e = await board.rerunTask(id, opts as never).catch((err: unknown) => err)
    expect(e).toBeInstanceOf(ValidationError)
    expect(e).toMatchObject({ code: 'INVALID_INPUT', details: { field } })
    expect((e as Error).message).toMatch(message)
    expect(await snapshot(board)).toEqual(before)
  })

  it('a bad id: INVALID_INPUT naming it', async () => {
    const board = await openBoard('rerun')
    await expect(board.rerunTask('no spaces allowed', { actor: 'a' })).rejects.toMatchObject({ code: 'INVALID_INPUT', details: { field: 'id' } })
  })
})
