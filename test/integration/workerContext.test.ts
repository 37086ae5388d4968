/**
 * workerContext within its size bound (docs/api.md#workercontext): the newest runs and
 * comments up to a cap with total counts, the parents' completions (result, summary,
 * metadata) cut to maxFieldBytes with a marker, and a documented bound on the whole.
 */
import { describe, expect, it } from 'vitest'
import { Worker, WORKER_CONTEXT_DEFAULTS, type Board, type WorkerContext, type WorkerContextLimits } from '../../src/index.js'
import { openBoard, snapshot } from '../helpers/board.js'

const MARKER = /\n…\[truncated: (\d+) bytes, first (\d+) shown\]$/
const bytes = (s: string) => Buffer.byteLength(s, 'utf8')
const KIB = 1024

/** The documented bound on a context's JSON without its task (docs/api.md#workercontext), for text JSON need not escape. */
const bound = (l: WorkerContextLimits) =>
  l.maxParents * (3 * l.maxFieldBytes + 2.5 * KIB) + l.maxAttempts * (3 * l.maxFieldBytes + 1.5 * KIB) + l.maxComments * (l.maxFieldBytes + KIB) + KIB

const sizeWithoutTask = (c: WorkerContext) => {
  const { task: _task, ...rest } = c
  return bytes(JSON.stringify(rest))
}

async function claim(board: Board, id: string, claimer = 'w'): Promise<string> {
  const c = await board.claimTask(id, { claimer })
  if (!c) throw new Error(`claim of ${id} refused`)
  return c.runId
}

describe('workerContext: bounded', () => {
  it('10,000 comments and 30 runs: the newest kept, oldest first, with total counts; caps of 0 give none', async () => {
    const board = await openBoard('wctx')
    const id = await board.createTask({ title: 'busy' })
    for (let i = 0; i < 30; i++) await board.releaseTask(id, { runId: await claim(board, id, `w${i}`), reason: `give back ${i}` })
    for (let i = 0; i < 10_000; i += 500) {
      await Promise.all(Array.from({ length: 500 }, (_, j) => board.addComment(id, { author: 'bot', body: `c${i + j}` })))
    }
    const runs = await board.runs(id)
    expect(runs).toHaveLength(30)

    const ctx = await board.workerContext(id)
    expect(ctx.limits).toEqual(WORKER_CONTEXT_DEFAULTS)
    expect(ctx.totals).toEqual({ parents: 0, attempts: 30, comments: 10_000 })
    expect(ctx.priorAttempts).toEqual(runs.slice(-10))
    expect(ctx.priorAttempts.map((r) => r.claimer)).toEqual(Array.from({ length: 10 }, (_, i) => `w${20 + i}`))
    // comments were added concurrently: the list order is the order Redis took them in
    const all = await board.comments(id)
    expect(ctx.comments).toEqual(all.slice(-20))
    expect(ctx.truncated).toEqual([])

    const few = await board.workerContext(id, { maxAttempts: 3, maxComments: 1 })
    expect(few.priorAttempts.map((r) => r.id)).toEqual(runs.slice(-3).map((r) => r.id))
    expect(few.comments).toEqual(all.slice(-1))
    expect(few.limits).toEqual({ ...WORKER_CONTEXT_DEFAULTS, maxAttempts: 3, maxComments: 1 })

    const none = await board.workerContext(id, { maxAttempts: 0, maxComments: 0 })
    expect(none.priorAttempts).toEqual([])
    expect(none.comments).toEqual([])
    expect(none.totals).toEqual({ parents: 0, attempts: 30, comments: 10_000 })
  })

  it("parents' result, summary and metadata; a large one cut on a character boundary with a marker, listed in truncated", async () => {
    const board = await openBoard('wctx')
    const big = 'é'.repeat(32 * KIB) // 64 KiB of two-byte characters
    const a = await board.createTask({ title: 'research' })
    await board.completeTask(a, { result: big, summary: 's'.repeat(4000), metadata: { blob: 'm'.repeat(15 * KIB) } })
    const b = await board.createTask({ title: 'small' })
    await board.completeTask(b, { result: 'answer', summary: 'one line', metadata: { score: 3 } })
    const c = await board.createTask({ title: 'done without a result' })
    await board.completeTask(c)
    const id = await board.createTask({ title: 'write', parents: [a, b, c] })

    const ctx = await board.workerContext(id)
    const [pa, pb, pc] = ctx.parents
    expect(pa).toMatchObject({ id: a, title: 'research', status: 'done', summary: 's'.repeat(4000), metadata: null, completedAt: expect.any(Number) })
    expect(bytes(pa!.result!)).toBeLessThanOrEqual(WORKER_CONTEXT_DEFAULTS.maxFieldBytes)
    const m = MARKER.exec(pa!.result!)!
    expect(Number(m[1])).toBe(bytes(big))
    const kept = pa!.result!.slice(0, m.index)
    expect(bytes(kept)).toBe(Number(m[2]))
    expect(big.startsWith(kept)).toBe(true)
    expect(kept).not.toContain('\uFFFD')
    expect(pb).toEqual({
      id: b,
      title: 'small',
      status: 'done',
      result: 'answer',
      summary: 'one line',
      metadata: { score: 3 },
      completedAt: expect.any(Number),
    })
    expect(pc).toMatchObject({ id: c, result: null, summary: null, metadata: null })
    expect(ctx.truncated).toEqual(['parents[0].result', 'parents[0].metadata'])

    const tight = await board.workerContext(id, { maxFieldBytes: 256 })
    expect(tight.truncated).toEqual(['parents[0].result', 'parents[0].summary', 'parents[0].metadata'])
    expect(bytes(tight.parents[0]!.summary!)).toBeLessThanOrEqual(256)
    expect(tight.parents[0]!.summary).toMatch(/^s+\n…\[truncated: 4000 bytes, first \d+ shown\]$/)
  })

  it('more parents than maxParents: the first ones of task.parents, and the total', async () => {
    const board = await openBoard('wctx')
    const parents: string[] = []
    for (let i = 0; i < 30; i++) parents.push(await board.createTask({ title: `p${i}` }))
    const id = await board.createTask({ title: 'fan-in', parents })
    const ctx = await board.workerContext(id)
    expect(ctx.totals.parents).toBe(30)
    expect(ctx.parents.map((p) => p.id)).toEqual(ctx.task.parents.slice(0, 20))
    expect((await board.workerContext(id, { maxParents: 5 })).parents.map((p) => p.id)).toEqual(ctx.task.parents.slice(0, 5))
  })

  it('the whole context stays within the documented bound when every field is at its largest', async () => {
    const board = await openBoard('wctx')
    const limits: WorkerContextLimits = { maxParents: 3, maxAttempts: 3, maxComments: 4, maxFieldBytes: 1024 }
    const title = 'T'.repeat(500)
    const parents: string[] = []
    for (let i = 0; i < 4; i++) {
      const p = await board.createTask({ title })
      await board.completeTask(p, { result: 'r'.repeat(64 * KIB), summary: 's'.repeat(4000), metadata: { m: 'm'.repeat(16 * KIB - 10) } })
      parents.push(p)
    }
    const id = await board.createTask({ title, parents, maxRetries: 1000 })
    const claimer = 'c'.repeat(200)
    for (let i = 0; i < 4; i++) {
      await board.requestReview(id, { runId: await claim(board, id, claimer), summary: 'v'.repeat(4000) })
      await board.recordFailure(id, { runId: await claim(board, id, claimer), outcome: 'crashed', error: 'e'.repeat(100_000) })
    }
    for (let i = 0; i < 6; i++) await board.addComment(id, { author: 'a'.repeat(200), body: 'b'.repeat(64 * KIB) })

    const ctx = await board.workerContext(id, limits)
    expect(ctx.parents).toHaveLength(3)
    expect(ctx.priorAttempts).toHaveLength(3)
    expect(ctx.comments).toHaveLength(4)
    expect(ctx.truncated.length).toBeGreaterThan(0)
    for (const p of ctx.parents) for (const t of [p.result, p.summary]) expect(bytes(t!)).toBeLessThanOrEqual(1024)
    for (const c of ctx.comments) expect(bytes(c.body)).toBeLessThanOrEqual(1024)
    expect(sizeWithoutTask(ctx)).toBeLessThanOrEqual(bound(limits))
    // and with the defaults, the bound the docs give: under 1 MB besides the task
    expect(bound(WORKER_CONTEXT_DEFAULTS)).toBeLessThan(1000 * KIB)
    expect(sizeWithoutTask(await board.workerContext(id))).toBeLessThanOrEqual(bound(WORKER_CONTEXT_DEFAULTS))
  })

  it('bad caps: INVALID_INPUT naming the field; an unknown task: TASK_NOT_FOUND; nothing written', async () => {
    const board = await openBoard('wctx')
    const id = await board.createTask({ title: 't' })
    const before = await snapshot(board)
    const bad: [unknown, RegExp][] = [
      [{ maxComments: -1 }, /^workerContext: maxComments: expected/],
      [{ maxAttempts: 1.5 }, /^workerContext: maxAttempts: expected an integer/],
      [{ maxParents: 1001 }, /^workerContext: maxParents: expected/],
      [{ maxFieldBytes: 100 }, /^workerContext: maxFieldBytes: expected/],
      [{ maxFieldBytes: 65 * KIB }, /^workerContext: maxFieldBytes: expected/],
      [{ maxComment: 3 }, /^workerContext: input: expected no field named maxComment/],
      ['all', /^workerContext: input: expected object/],
    ]
    for (const [opts, msg] of bad) {
      await expect(board.workerContext(id, opts as never)).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(msg) })
    }
    await expect(board.workerContext('t999')).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' })
    expect(await snapshot(board)).toEqual(before)
  })

  it("a handler's ctx.workerContext(opts) reads its own task with those caps", async () => {
    const board = await openBoard('wctx', { autoEnqueue: true })
    const id = await board.createTask({ title: 'h', assignee: 'ctxlane', initialStatus: 'blocked' })
    for (let i = 0; i < 5; i++) await board.addComment(id, { author: 'pm', body: `note ${i}` })
    let seen: WorkerContext | null = null
    const worker = await new Worker({
      board,
      lanes: ['ctxlane'],
      handler: async (_task, ctx) => {
        seen = await ctx.workerContext({ maxComments: 2 })
        await ctx.complete({ result: 'ok' })
      },
    }).start()
    try {
      await board.unblockTask(id)
      for (let i = 0; i < 400 && (await board.getTask(id))!.status !== 'done'; i++) await new Promise((r) => setTimeout(r, 25))
    } finally {
      await worker.close()
    }
    expect((await board.getTask(id))!.status).toBe('done')
    const ctx = seen as unknown as WorkerContext
    expect(ctx.task.id).toBe(id)
    expect(ctx.comments.map((c) => c.body)).toEqual(['note 3', 'note 4'])
    expect(ctx.totals).toMatchObject({ comments: 5, attempts: 1 })
    expect(ctx.priorAttempts[0]).toMatchObject({ outcome: null, claimer: worker.name })
  })
})
