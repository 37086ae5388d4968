/**
 * Durable subscriptions (docs/events.md#subscriptions): named subscribers with a cursor in
 * Redis and an optional kind filter. Read, process, acknowledge; a new handle (a restarted
 * process) resumes after the last acknowledgement; subscribers are independent; a trimmed
 * stream is reported, not skipped silently; bad input is a coded error naming the field.
 */
import { describe, expect, it } from 'vitest'
import { KanbanError, ValidationError, type Board, type KanbanEvent } from '../../src/index.js'
import { openBoard, reopen, snapshot } from '../helpers/board.js'

const kinds = (evs: KanbanEvent[]) => evs.map((e) => e.kind)

async function refusal(p: Promise<unknown>): Promise<KanbanError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(KanbanError)
  return e as KanbanError
}

/** A task created, commented and completed: events created, commented, completed. */
async function work(board: Board, title: string): Promise<string> {
  const id = await board.createTask({ title })
  await board.addComment(id, { author: 'ann', body: 'on it' })
  await board.completeTask(id)
  return id
}

describe('durable subscribers', () => {
  it('reads what was written after it was created; ack, then a fresh Board resumes after the acknowledgement', async () => {
    const board = await openBoard('subs')
    await work(board, 'before') // not for a subscriber created after it
    const sub = await board.subscriber('notifier')
    const a = await work(board, 'a')
    const b = await work(board, 'b')

    const first = await sub.read({ limit: 4 })
    expect(first.map((e) => [e.taskId, e.kind])).toEqual([
      [a, 'created'],
      [a, 'commented'],
      [a, 'completed'],
      [b, 'created'],
    ])
    expect(await sub.ack(first[2]!.id)).toBe(true) // a's three processed; b's created not yet
    // the handle reads on from where it stopped
    expect(kinds(await sub.read())).toEqual(['commented', 'completed'])

    // a restart: a new Board over its own connection, the same name
    const again = await (await reopen(board)).subscriber('notifier')
    const resumed = await again.read()
    expect(resumed.map((e) => [e.taskId, e.kind])).toEqual([
      [b, 'created'],
      [b, 'commented'],
      [b, 'completed'],
    ])
    expect(await again.ack()).toBe(true) // everything read
    expect(await again.read()).toEqual([])
    expect((await again.info()).cursor).toBe(resumed[2]!.id)
    expect(await again.ack(first[0]!.id)).toBe(false) // never backwards
  })

  it('a kind filter reads only those kinds; ack() covers the events it passed over', async () => {
    const board = await openBoard('subs')
    const sub = await board.subscriber('done-only', { kinds: ['completed', 'gave_up'] })
    const a = await work(board, 'a')
    const b = await work(board, 'b')
    const evs = await sub.read()
    expect(evs.map((e) => [e.taskId, e.kind])).toEqual([
      [a, 'completed'],
      [b, 'completed'],
    ])
    await sub.ack()
    expect((await sub.info()).lag).toBe(0)
    // the filter is the subscriber's: a new handle without kinds keeps it
    await work(board, 'c')
    const later = await (await reopen(board)).subscriber('done-only')
    expect(later.kinds).toEqual(['completed', 'gave_up'])
    expect(kinds(await later.read())).toEqual(['completed'])
    // and giving kinds changes it
    const every = await board.subscriber('done-only', { kinds: null })
    expect(every.kinds).toBeNull()
    expect(kinds(await every.read())).toEqual(['created', 'commented', 'completed'])
  })

  it('two subscribers are independent: each its own cursor and lag', async () => {
    const board = await openBoard('subs')
    const fast = await board.subscriber('fast')
    const slow = await board.subscriber('slow', { kinds: ['created'] })
    await work(board, 'a')
    await work(board, 'b')
    expect(await fast.read()).toHaveLength(6)
    await fast.ack()
    expect(await slow.read({ limit: 1 })).toHaveLength(1)
    const list = await board.subscribers()
    expect(list.map((s) => [s.name, s.lag, s.kinds])).toEqual([
      ['fast', 0, null],
      ['slow', 6, ['created']],
    ])
    expect(list[0]!.ackedAt).toEqual(expect.any(Number))
    expect(list[1]!.ackedAt).toBeNull()
    // slow's reads did not move fast, nor the other way round
    expect(kinds(await slow.read())).toEqual(['created'])
    await slow.ack()
    expect((await board.subscribers()).map((s) => s.lag)).toEqual([0, 0])
  })

  it('from: earliest reads what the stream holds; an event id starts after it', async () => {
    const board = await openBoard('subs')
    await work(board, 'a')
    const all = await board.subscriber('replay', { from: 'earliest' })
    expect(kinds(await all.read())).toEqual(['created', 'commented', 'completed'])
    const after = await board.subscriber('after-1', { from: 1 })
    expect(kinds(await after.read())).toEqual(['commented', 'completed'])
  })

  it('rewind reads again what was not acknowledged', async () => {
    const board = await openBoard('subs')
    const sub = await board.subscriber('retry')
    await work(board, 'a')
    const evs = await sub.read()
    await sub.ack(evs[0]!.id)
    expect(await sub.read()).toEqual([])
    await sub.rewind()
    expect(await sub.read()).toEqual(evs.slice(1))
  })

  it('a blocking read returns once a matching event is written', async () => {
    const board = await openBoard('subs')
    const sub = await board.subscriber('waiter', { kinds: ['completed'] })
    const pending = sub.read({ blockMs: 30_000 })
    const id = await work(board, 'a')
    const evs = await pending
    expect(evs.map((e) => [e.taskId, e.kind])).toEqual([[id, 'completed']])
    // and a blocked read ends empty when its board closes
    const waiting = sub.read({ blockMs: 30_000 })
    await board.close()
    expect(await waiting).toEqual([])
  })

  it('a subscriber behind a trim gets EVENTS_TRIMMED, then reads on after acknowledging the gap', async () => {
    const board = await openBoard('subs')
    const sub = await board.subscriber('behind', { from: 'earliest' })
    await work(board, 'a')
    await work(board, 'b')
    // retention (or eventStreamMax) drops the oldest events from the stream
    await board.redis.xtrim(board.keys.events, 'MINID', '5-0')
    const e = await refusal(sub.read())
    expect(e.code).toBe('EVENTS_TRIMMED')
    expect(e.details).toMatchObject({ name: 'behind', after: 0, firstAvailable: 5, missed: 4 })
    expect(e.message).toMatch(/events #1 to #4 \(4\) are no longer in the board's stream/)
    // again on a fresh handle: the cursor is still before the gap
    expect((await refusal((await reopen(board)).subscriber('behind').then((s) => s.read()))).code).toBe('EVENTS_TRIMMED')
    await sub.ack(4)
    expect(kinds(await sub.read())).toEqual(['commented', 'completed'])
  })

  it('a deleted subscriber is gone for its handles; deleting twice is false', async () => {
    const board = await openBoard('subs')
    const sub = await board.subscriber('gone')
    expect(await board.deleteSubscriber('gone')).toBe(true)
    expect(await board.deleteSubscriber('gone')).toBe(false)
    expect((await refusal(sub.read())).code).toBe('SUBSCRIBER_NOT_FOUND')
    expect((await refusal(sub.ack(0))).code).toBe('SUBSCRIBER_NOT_FOUND')
    expect(await board.subscribers()).toEqual([])
  })

  describe('bad input: a coded error naming the field, nothing written', () => {
    it.each<[string, (b: Board) => Promise<unknown>, RegExp]>([
      ['a name with capitals', (b) => b.subscriber('Notifier'), /^subscriber: name: expected a subscriber name like "notifier"/],
      ['an empty name', (b) => b.subscriber(''), /^subscriber: name: expected a subscriber name/],
      [
        'an unknown kind',
        (b) => b.subscriber('n', { kinds: ['complete' as never] }),
        /^subscriber: kinds\[0\]: expected an event kind \(created, .*\), got "complete"$/,
      ],
      ['no kinds', (b) => b.subscriber('n', { kinds: [] }), /^subscriber: kinds: expected at least 1 items, got \[\]$/],
      ['from a word', (b) => b.subscriber('n', { from: 'start' as never }), /^subscriber: from: expected "latest", "earliest" or an event id, got "start"$/],
      [
        'from an event not written',
        (b) => b.subscriber('n', { from: 99 }),
        /^subscriber: from: expected an event id the board has written \(at most 0\), got 99$/,
      ],
      ['an unknown option', (b) => b.subscriber('n', { kind: 'x' } as never), /^subscriber: options: expected no field named kind/],
      ['deleteSubscriber with a bad name', (b) => b.deleteSubscriber('a b'), /^deleteSubscriber: name: expected a subscriber name/],
    ])('%s', async (_, call, message) => {
      const board = await openBoard('subs')
      const before = await snapshot(board)
      const e = await refusal(call(board))
      expect(e).toBeInstanceOf(ValidationError)
      expect(e.code).toBe('INVALID_INPUT')
      expect(e.message).toMatch(message)
      expect(await snapshot(board)).toEqual(before)
    })

    it('read and ack', async () => {
      const board = await openBoard('subs')
      const sub = await board.subscriber('n')
      await board.createTask({ title: 't' })
      const before = await snapshot(board)
      expect((await refusal(sub.read({ limit: 0 }))).message).toMatch(/^subscriber\.read: limit: expected at least 1, got 0$/)
      expect((await refusal(sub.read({ blockMs: -1 }))).message).toMatch(/^subscriber\.read: blockMs: expected at least 0, got -1$/)
      expect((await refusal(sub.ack(-1))).message).toMatch(/^subscriber\.ack: eventId: expected at least 0, got -1$/)
      expect((await refusal(sub.ack(1.5))).message).toMatch(/^subscriber\.ack: eventId: expected an integer, got 1.5$/)
      const beyond = await refusal(sub.ack(2))
      expect(beyond).toBeInstanceOf(ValidationError)
      expect(beyond.message).toBe('subscriber.ack: eventId: expected an event id the board has written (at most 1), got 2')
      expect(await snapshot(board)).toEqual(before)
    })

    it('no more than LIMITS.subscribers subscribers a board', async () => {
      const board = await openBoard('subs')
      const many = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`s${i}`, JSON.stringify({ cursor: 0, createdAt: 1 })]))
      await board.redis.hset(board.keys.subscribers, many)
      const e = await refusal(board.subscriber('one-more'))
      expect(e.message).toMatch(/^subscriber: name: expected an existing subscriber or room for a new one \(at most 1000 a board\), got "one-more"$/)
      expect(await board.subscriber('s1')).toMatchObject({ name: 's1' })
    })
  })
})
