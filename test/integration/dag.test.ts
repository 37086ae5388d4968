/**
 * The dependency graph: promotion is event-driven (the completing/archiving/deleting/
 * unlinking call promotes the children in the same step), links demote, cycles and bad
 * batches are refused with nothing written.
 */
import { describe, expect, it } from 'vitest'
import { KanbanError, type Board } from '../../src/index.js'
import { openBoard, snapshot } from '../helpers/board.js'

const status = async (board: Board, id: string) => (await board.getTask(id))!.status

async function kinds(board: Board, taskId: string, kind: string) {
  return (await board.events({ taskId })).filter((e) => e.kind === kind)
}

async function rejects(p: Promise<unknown>): Promise<KanbanError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(KanbanError)
  return e as KanbanError
}

describe('promotion along edges', () => {
  it('a chain a -> b -> c promotes one step per completion', async () => {
    const board = await openBoard('dag-chain')
    const a = await board.createTask({ title: 'a' })
    const b = await board.createTask({ title: 'b', parents: [a] })
    const c = await board.createTask({ title: 'c', parents: [b] })
    expect([await status(board, a), await status(board, b), await status(board, c)]).toEqual(['ready', 'todo', 'todo'])

    expect(await board.completeTask(a)).toBe(true)
    expect(await status(board, b)).toBe('ready')
    expect(await status(board, c)).toBe('todo')
    expect(await kinds(board, c, 'promoted')).toHaveLength(0)

    expect(await board.completeTask(b)).toBe(true)
    expect(await status(board, c)).toBe('ready')
    expect((await kinds(board, c, 'promoted'))[0]!.payload).toEqual({ from: 'todo', reason: 'parents_satisfied' })
  })

  it('fan-in: the child waits for every parent and is promoted by the last completion', async () => {
    const board = await openBoard('dag-fanin')
    const parents = await Promise.all([1, 2, 3, 4, 5].map((i) => board.createTask({ title: `p${i}` })))
    const child = await board.createTask({ title: 'child', parents })
    for (const p of parents.slice(0, -1)) {
      await board.completeTask(p)
      expect(await status(board, child)).toBe('todo')
    }
    expect((await board.explain(child)).reasons.map((r) => r.code)).toContain('waiting_on_parents')
    expect(await board.completeTask(parents.at(-1)!)).toBe(true)
    // no sweep in between: the completing call itself promoted the child
    expect(await status(board, child)).toBe('ready')
    expect(await kinds(board, child, 'promoted')).toHaveLength(1)
    expect(await board.recomputeReady()).toBe(0)
  })

  it('a wide fan-in (parents linked by calls of their own) waits for every parent, as createTask and in createTasks', async () => {
    const board = await openBoard('dag-wide')
    const made = await board.createTasks(Array.from({ length: 130 }, (_, i) => ({ ref: `p${i}`, title: `p${i}` })))
    const parents = Array.from({ length: 130 }, (_, i) => made[`p${i}`]!)
    for (const p of parents.slice(1)) expect(await board.completeTask(p)).toBe(true)
    const child = await board.createTask({ title: 'child', parents })
    const batch = await board.createTasks([
      { ref: 'x', title: 'x' },
      { ref: 'y', title: 'y', dependsOn: [...parents, 'x'] },
      { ref: 'z', title: 'z', dependsOn: parents.slice(1) },
    ])
    expect(await status(board, child)).toBe('todo')
    expect(await status(board, batch.y!)).toBe('todo')
    expect(await status(board, batch.z!)).toBe('ready')
    expect(await board.parents(child)).toEqual([...parents].sort())
    expect(await board.parents(batch.y!)).toEqual([...parents, batch.x!].sort())
    expect(await board.children(parents[0]!)).toEqual([child, batch.y!].sort())
    expect(await board.children(parents[129]!)).toEqual([child, batch.y!, batch.z!].sort())
    expect(await board.completeTask(parents[0]!)).toBe(true)
    expect(await status(board, child)).toBe('ready')
    expect(await status(board, batch.y!)).toBe('todo')
    expect(await board.completeTask(batch.x!)).toBe(true)
    expect(await status(board, batch.y!)).toBe('ready')
  })

  it('fan-out: one completion promotes every child', async () => {
    const board = await openBoard('dag-fanout')
    const p = await board.createTask({ title: 'parent' })
    const kids = await Promise.all(Array.from({ length: 12 }, (_, i) => board.createTask({ title: `k${i}`, parents: [p] })))
    const seen: string[][] = []
    board.onPromoted((ids) => seen.push(ids))
    expect(await board.completeTask(p)).toBe(true)
    for (const k of kids) expect(await status(board, k)).toBe('ready')
    expect(seen.flat().sort()).toEqual([...kids].sort())
    expect((await board.children(p)).length).toBe(12)
  })

  it('archiving a parent releases its children like done', async () => {
    const board = await openBoard('dag-archive')
    const p1 = await board.createTask({ title: 'p1' })
    const p2 = await board.createTask({ title: 'p2' })
    const child = await board.createTask({ title: 'child', parents: [p1, p2] })
    expect(await board.archiveTask(p1)).toBe(true)
    expect(await status(board, child)).toBe('todo')
    await board.completeTask(p2)
    expect(await status(board, child)).toBe('ready')
    // an archived parent keeps its edge and counts as satisfied
    expect(await board.parents(child)).toEqual([p1, p2].sort())
  })

  it('archiving a done parent does not release its children a second time', async () => {
    const board = await openBoard('dag-archive-done')
    const p = await board.createTask({ title: 'p' })
    const other = await board.createTask({ title: 'other' })
    const child = await board.createTask({ title: 'child', parents: [p, other] })
    await board.completeTask(p)
    await board.archiveTask(p)
    // still waiting on `other`: done then archived counts once
    expect(await status(board, child)).toBe('todo')
  })

  it('deleting an unsatisfied parent releases the children and removes the edge', async () => {
    const board = await openBoard('dag-delete')
    const p = await board.createTask({ title: 'doomed' })
    const keep = await board.createTask({ title: 'keeper' })
    const only = await board.createTask({ title: 'only child', parents: [p] })
    const both = await board.createTask({ title: 'two parents', parents: [p, keep] })
    expect(await board.deleteTask(p)).toBe(true)
    expect(await board.getTask(p)).toBeNull()
    expect(await status(board, only)).toBe('ready')
    expect(await board.parents(only)).toEqual([])
    expect((await board.getTask(only))!.parents).toEqual([])
    expect(await status(board, both)).toBe('todo')
    expect(await board.parents(both)).toEqual([keep])
    await board.completeTask(keep)
    expect(await status(board, both)).toBe('ready')
  })
})

describe('linking and unlinking', () => {
  it('linking an undone parent demotes a ready child to todo', async () => {
    const board = await openBoard('dag-link-demote')
    const p = await board.createTask({ title: 'p' })
    const c = await board.createTask({ title: 'c' })
    expect(await board.linkTasks(p, c)).toBe(true)
    expect(await status(board, c)).toBe('todo')
    const linked = await kinds(board, c, 'linked')
    expect(linked).toHaveLength(1)
    expect(linked[0]!.payload).toEqual({ parent: p, demoted: true })
    expect(await board.parents(c)).toEqual([p])
    expect(await board.children(p)).toEqual([c])
    // linking again is a no-op
    expect(await board.linkTasks(p, c)).toBe(false)
    expect(await kinds(board, c, 'linked')).toHaveLength(1)
  })

  it('linking a done parent does not demote', async () => {
    const board = await openBoard('dag-link-done')
    const p = await board.createTask({ title: 'p' })
    await board.completeTask(p)
    const c = await board.createTask({ title: 'c' })
    expect(await board.linkTasks(p, c)).toBe(true)
    expect(await status(board, c)).toBe('ready')
    expect((await kinds(board, c, 'linked'))[0]!.payload).toEqual({ parent: p, demoted: false })
  })

  it('unlinking the last unsatisfied parent promotes the child', async () => {
    const board = await openBoard('dag-unlink')
    const p1 = await board.createTask({ title: 'p1' })
    const p2 = await board.createTask({ title: 'p2' })
    const c = await board.createTask({ title: 'c', parents: [p1, p2] })
    expect(await board.unlinkTasks(p1, c)).toBe(true)
    expect(await status(board, c)).toBe('todo')
    expect(await board.unlinkTasks(p2, c)).toBe(true)
    expect(await status(board, c)).toBe('ready')
    expect((await kinds(board, c, 'promoted'))[0]!.payload).toEqual({ from: 'todo', reason: 'unlinked' })
    expect((await kinds(board, c, 'unlinked')).map((e) => e.payload)).toEqual([{ parent: p1 }, { parent: p2 }])
    expect(await board.parents(c)).toEqual([])
    expect(await board.unlinkTasks(p2, c)).toBe(false)
  })

  it('a self link is refused with SELF_LINK', async () => {
    const board = await openBoard('dag-self')
    const a = await board.createTask({ title: 'a' })
    const before = await snapshot(board)
    const e = await rejects(board.linkTasks(a, a))
    expect(e.code).toBe('SELF_LINK')
    expect(e.message).toContain(`"${a}"`)
    expect(await snapshot(board)).toEqual(before)
  })

  it('a cycle is refused with CYCLE naming the path, and nothing is written', async () => {
    const board = await openBoard('dag-cycle')
    const t1 = await board.createTask({ title: '1' })
    const t2 = await board.createTask({ title: '2', parents: [t1] })
    const t3 = await board.createTask({ title: '3', parents: [t2] })
    expect([t1, t2, t3]).toEqual(['t1', 't2', 't3'])
    const before = await snapshot(board)
    const e = await rejects(board.linkTasks(t3, t1))
    expect(e.code).toBe('CYCLE')
    expect(e.message).toContain('t3 -> t1 -> t2 -> t3')
    expect(e.details.path).toEqual(['t3', 't1', 't2', 't3'])
    expect(await snapshot(board)).toEqual(before)
    // a two-node cycle too
    const e2 = await rejects(board.linkTasks(t2, t1))
    expect(e2.code).toBe('CYCLE')
    expect(e2.message).toContain('t2 -> t1 -> t2')
    expect(await snapshot(board)).toEqual(before)
  })

  it('linking an unknown task is TASK_NOT_FOUND and writes nothing', async () => {
    const board = await openBoard('dag-link-unknown')
    const a = await board.createTask({ title: 'a' })
    const before = await snapshot(board)
    expect((await rejects(board.linkTasks(a, 't404'))).code).toBe('TASK_NOT_FOUND')
    expect((await rejects(board.linkTasks('t404', a))).code).toBe('TASK_NOT_FOUND')
    expect((await rejects(board.unlinkTasks('t404', a))).code).toBe('TASK_NOT_FOUND')
    expect(await snapshot(board)).toEqual(before)
  })

  it('parents() and children() are sorted', async () => {
    const board = await openBoard('dag-sorted')
    const ids = await Promise.all(Array.from({ length: 12 }, (_, i) => board.createTask({ title: `n${i}` })))
    const hub = await board.createTask({ title: 'hub' })
    // link in a scrambled order so set order and insertion order differ from sorted order
    for (const p of [...ids].reverse()) await board.linkTasks(p, hub)
    const leaf = await board.createTask({ title: 'leaf', parents: [hub] })
    const leaf2 = await board.createTask({ title: 'leaf2', parents: [hub] })
    expect(await board.parents(hub)).toEqual([...ids].sort())
    expect(await board.children(hub)).toEqual([leaf, leaf2].sort())
    expect((await board.getTask(hub))!.parents).toEqual([...ids].sort())
  })
})

describe('createTasks: a whole DAG in one call', () => {
  it('resolves refs, mixes refs with existing ids, and sets todo/ready', async () => {
    const board = await openBoard('dag-batch')
    const ext = await board.createTask({ title: 'existing' })
    const done = await board.createTask({ title: 'existing done' })
    await board.completeTask(done)
    // children listed before their parents: the batch is ordered topologically
    const ids = await board.createTasks([
      { ref: 'd', title: 'D', dependsOn: ['b', 'c'] },
      { ref: 'b', title: 'B', dependsOn: ['a'] },
      { ref: 'c', title: 'C', dependsOn: ['a', ext] },
      { ref: 'a', title: 'A' },
      { ref: 'e', title: 'E', dependsOn: [done] },
    ])
    expect(Object.keys(ids).sort()).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(new Set(Object.values(ids)).size).toBe(5)
    expect(await status(board, ids.a!)).toBe('ready')
    expect(await status(board, ids.b!)).toBe('todo')
    expect(await status(board, ids.c!)).toBe('todo')
    expect(await status(board, ids.d!)).toBe('todo')
    expect(await status(board, ids.e!)).toBe('ready')
    expect(await board.parents(ids.c!)).toEqual([ids.a!, ext].sort())
    expect(await board.parents(ids.d!)).toEqual([ids.b!, ids.c!].sort())
    expect(await board.children(ids.a!)).toEqual([ids.b!, ids.c!].sort())

    await board.completeTask(ids.a!)
    expect(await status(board, ids.b!)).toBe('ready')
    expect(await status(board, ids.c!)).toBe('todo') // still waits on ext
    await board.completeTask(ext)
    expect(await status(board, ids.c!)).toBe('ready')
    await board.completeTask(ids.b!)
    expect(await status(board, ids.d!)).toBe('todo')
    await board.completeTask(ids.c!)
    expect(await status(board, ids.d!)).toBe('ready')
  })

  it.each([
    {
      name: 'a cycle',
      nodes: [
        { ref: 'x', title: 'X', dependsOn: ['z'] },
        { ref: 'y', title: 'Y', dependsOn: ['x'] },
        { ref: 'z', title: 'Z', dependsOn: ['y'] },
      ],
      code: 'CYCLE',
      message: /expected an acyclic graph, got a cycle (x -> y -> z -> x|y -> z -> x -> y|z -> x -> y -> z)/,
    },
    {
      name: 'a duplicate ref',
      nodes: [
        { ref: 'a', title: 'A' },
        { ref: 'a', title: 'A again' },
      ],
      code: 'DUPLICATE_REF',
      message: /nodes\[1\]\.ref: expected a ref unique in the batch, got "a"/,
    },
    {
      name: 'a self edge',
      nodes: [
        { ref: 'a', title: 'A' },
        { ref: 's', title: 'S', dependsOn: ['a', 's'] },
      ],
      code: 'SELF_LINK',
      message: /nodes\[1\]\.dependsOn: .*self edge on "s"/,
    },
    {
      name: 'an unknown ref',
      nodes: [
        { ref: 'a', title: 'A' },
        { ref: 'b', title: 'B', dependsOn: ['a', 'nope'] },
      ],
      code: 'UNKNOWN_REF',
      message: /dependsOn: expected refs of this batch or ids of existing tasks, got "nope"/,
    },
    {
      name: 'an unknown parent id',
      nodes: [{ ref: 'a', title: 'A', parents: ['t999'] }],
      code: 'UNKNOWN_PARENT',
      message: /parents: expected ids of existing tasks, got unknown id "t999"/,
    },
  ])('refuses $name and writes nothing', async ({ nodes, code, message }) => {
    const board = await openBoard('dag-batch-bad')
    await board.createTask({ title: 'already here' })
    const before = await snapshot(board)
    const e = await rejects(board.createTasks(nodes))
    expect(e.code).toBe(code)
    expect(e.message).toMatch(message)
    expect(await snapshot(board)).toEqual(before)
    expect((await board.stats()).total).toBe(1)
  })

  it('an unknown ref late in a batch writes none of the earlier nodes', async () => {
    const board = await openBoard('dag-batch-late')
    const before = await snapshot(board)
    const nodes = Array.from({ length: 30 }, (_, i) => ({ ref: `n${i}`, title: `N${i}`, dependsOn: i ? [`n${i - 1}`] : [] }))
    nodes.push({ ref: 'bad', title: 'bad', dependsOn: ['n29', 't12345'] })
    expect((await rejects(board.createTasks(nodes))).code).toBe('UNKNOWN_REF')
    expect(await snapshot(board)).toEqual(before)
  })

  it('nodes whose idempotency key exists return the existing id; the rest are created', async () => {
    const board = await openBoard('dag-batch-idem')
    const old = await board.createTask({ title: 'old', idempotencyKey: 'k-old' })
    const ids = await board.createTasks([
      { ref: 'a', title: 'A (dup)', idempotencyKey: 'k-old' },
      { ref: 'b', title: 'B', idempotencyKey: 'k-new', dependsOn: ['a'] },
      { ref: 'c', title: 'C', dependsOn: ['b'] },
    ])
    expect(ids.a).toBe(old)
    expect(ids.b).not.toBe(old)
    expect((await board.getTask(old))!.title).toBe('old')
    expect(await board.parents(ids.b!)).toEqual([old])
    expect(await board.parents(ids.c!)).toEqual([ids.b])
    expect(await status(board, ids.b!)).toBe('todo')
    expect((await board.stats()).total).toBe(3)
    expect((await board.events()).filter((e) => e.kind === 'created')).toHaveLength(3)

    // the whole batch again: every key and ref resolves to what exists, except keyless c
    const again = await board.createTasks([
      { ref: 'a', title: 'A', idempotencyKey: 'k-old' },
      { ref: 'b', title: 'B', idempotencyKey: 'k-new', dependsOn: ['a'] },
    ])
    expect(again).toEqual({ a: old, b: ids.b })
    expect((await board.stats()).total).toBe(3)
  })
})

describe('promotion respects the breaker', () => {
  async function breakerBlockedChild(board: Board) {
    const child = await board.createTask({ title: 'flaky' })
    for (let i = 0; i < 2; i++) {
      const c = (await board.claimTask(child, { claimer: 'w' }))!
      await board.recordFailure(child, { runId: c.runId, outcome: 'crashed', error: `boom ${i}` })
    }
    const t = (await board.getTask(child))!
    expect([t.status, t.sticky, t.consecutiveFailures]).toEqual(['blocked', false, 2])
    // a parent that is not done yet, linked while the child sits in the breaker
    const parent = await board.createTask({ title: 'late parent' })
    expect(await board.linkTasks(parent, child)).toBe(true)
    expect(await status(board, child)).toBe('blocked')
    return { child, parent }
  }

  it('a child with failures >= limit stays blocked when its parent completes', async () => {
    const board = await openBoard('dag-breaker-open')
    const { child, parent } = await breakerBlockedChild(board)
    expect(await board.completeTask(parent)).toBe(true)
    const t = (await board.getTask(child))!
    expect(t.status).toBe('blocked')
    expect(t.consecutiveFailures).toBe(2)
    expect(await kinds(board, child, 'promoted')).toHaveLength(0)
  })

  it('a below-limit breaker-blocked child is promoted by its parent completing', async () => {
    const board = await openBoard('dag-breaker-recoverable')
    const { child, parent } = await breakerBlockedChild(board)
    expect(await board.updateTask(child, { maxRetries: 5 })).toBe(true)
    // the sweep must not free it while the parent is still open
    expect(await board.recomputeReady()).toBe(0)
    expect(await status(board, child)).toBe('blocked')
    expect(await board.completeTask(parent)).toBe(true)
    const t = (await board.getTask(child))!
    expect(t.status).toBe('ready')
    expect(t.consecutiveFailures).toBe(2) // recovery does not reset the counter
    expect((await kinds(board, child, 'promoted'))[0]!.payload).toEqual({ from: 'blocked', reason: 'parents_satisfied' })
  })

  it('a sticky-blocked child is never promoted by its parent', async () => {
    const board = await openBoard('dag-sticky')
    const parent = await board.createTask({ title: 'p' })
    const child = await board.createTask({ title: 'c', parents: [parent], initialStatus: 'blocked' })
    await board.completeTask(parent)
    expect(await status(board, child)).toBe('blocked')
    expect((await board.getTask(child))!.sticky).toBe(true)
  })
})
