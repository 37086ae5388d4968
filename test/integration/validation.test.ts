/**
 * Bad input: every rejection is a typed error with a stable code and a message that names
 * the field, what was expected and what was given — and nothing is written (the board's
 * keys are byte-for-byte the same before and after).
 */
import { describe, expect, it } from 'vitest'
import { Board, KanbanError, LIMITS, NotFoundError, ValidationError } from '../../src/index.js'
import { extraConnection, openBoard, snapshot } from '../helpers/board.js'
import { redisUrl } from '../helpers/redis.js'

/** A board with a ready task, a running task (and its run id) and a done task. */
async function setup(prefix: string) {
  const board = await openBoard(prefix)
  const ready = await board.createTask({ title: 'ready one' })
  const running = await board.createTask({ title: 'running one' })
  const claim = (await board.claimTask(running, { claimer: 'w' }))!
  const done = await board.createTask({ title: 'done one' })
  await board.completeTask(done)
  return { board, ready, running, runId: claim.runId, done }
}
type Ctx = Awaited<ReturnType<typeof setup>>

async function expectRefused(board: Board, run: () => Promise<unknown>, code: string, message: RegExp) {
  const before = await snapshot(board)
  const total = (await board.stats()).total
  const e = await run().then(
    () => null,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(KanbanError)
  const err = e as KanbanError
  expect(err.code).toBe(code)
  if (code === 'TASK_NOT_FOUND') expect(err).toBeInstanceOf(NotFoundError)
  else expect(err).toBeInstanceOf(ValidationError)
  expect(err.message).toMatch(message)
  expect(await snapshot(board)).toEqual(before)
  expect((await board.stats()).total).toBe(total)
  return err
}

const big = (n: number) => 'x'.repeat(n)

describe('createTask input', () => {
  it.each<[string, (c: Ctx) => unknown, string, RegExp]>([
    ['empty title', () => ({ title: '' }), 'INVALID_INPUT', /^createTask: title: expected .* got ""$/],
    ['whitespace-only title', () => ({ title: ' \t \n' }), 'INVALID_INPUT', /title: expected a non-empty string .* got " \\t \\n"/],
    ['over-500-char title', () => ({ title: big(501) }), 'INVALID_INPUT', /title: expected .*at most 500 characters, got "xxxx.*\(503 chars\)/],
    ['title as number', () => ({ title: 42 }), 'INVALID_INPUT', /title: expected .*string.*, got 42$/],
    ['missing title', () => ({ body: 'b' }), 'INVALID_INPUT', /title: expected .*string.*, got undefined$/],
    [
      'body over bodyBytes',
      () => ({ title: 't', body: big(LIMITS.bodyBytes + 1) }),
      'INVALID_INPUT',
      new RegExp(`body: expected text of at most ${LIMITS.bodyBytes} bytes, got "x`),
    ],
    // fewer characters than the limit, more bytes: the limit is in bytes
    [
      'multi-byte body over bodyBytes',
      () => ({ title: 't', body: 'é'.repeat(LIMITS.bodyBytes / 2 + 1) }),
      'INVALID_INPUT',
      new RegExp(`body: expected text of at most ${LIMITS.bodyBytes} bytes`),
    ],
    [
      'metadata over metadataBytes',
      () => ({ title: 't', metadata: { blob: big(LIMITS.metadataBytes) } }),
      'INVALID_INPUT',
      new RegExp(`metadata: expected a JSON object of at most ${LIMITS.metadataBytes} bytes, got \\{"blob":"x`),
    ],
    ['metadata as array', () => ({ title: 't', metadata: [1, 2] }), 'INVALID_INPUT', /metadata: expected a JSON object, got \[1,2\]$/],
    ['metadata as string', () => ({ title: 't', metadata: 'k=v' }), 'INVALID_INPUT', /metadata: expected a JSON object, got "k=v"$/],
    ['metadata null', () => ({ title: 't', metadata: null }), 'INVALID_INPUT', /metadata: expected a JSON object, got null$/],
    ['priority as string', () => ({ title: 't', priority: '5' }), 'INVALID_INPUT', /priority: expected number, got "5"$/],
    ['fractional priority', () => ({ title: 't', priority: 1.5 }), 'INVALID_INPUT', /priority: expected an integer, got 1.5$/],
    [
      'priority out of range',
      () => ({ title: 't', priority: LIMITS.priority + 1 }),
      'INVALID_INPUT',
      new RegExp(`priority: expected at most ${LIMITS.priority}, got ${LIMITS.priority + 1}$`),
    ],
    ['parents not an array', (c) => ({ title: 't', parents: c.ready }), 'INVALID_INPUT', /parents: expected array, got "t1"$/],
    [
      'unknown parent',
      () => ({ title: 't', parents: ['t999'] }),
      'UNKNOWN_PARENT',
      /^createTask: parents: expected ids of existing tasks, got unknown id "t999"$/,
    ],
    ['unknown parent among known ones', (c) => ({ title: 't', parents: [c.ready, c.done, 't998'] }), 'UNKNOWN_PARENT', /got unknown id "t998"/],
    ['maxRetries 1.5', () => ({ title: 't', maxRetries: 1.5 }), 'INVALID_INPUT', /maxRetries: expected an integer from 1 to 1000, got 1.5$/],
    ['maxRetries -1', () => ({ title: 't', maxRetries: -1 }), 'INVALID_INPUT', /maxRetries: expected an integer from 1 to 1000, got -1$/],
    ['maxRetries 0', () => ({ title: 't', maxRetries: 0 }), 'INVALID_INPUT', /maxRetries: expected an integer from 1 to 1000, got 0$/],
    ['maxRetries as string', () => ({ title: 't', maxRetries: '3' }), 'INVALID_INPUT', /maxRetries: expected an integer from 1 to 1000, got "3"$/],
    ['bad assignee', () => ({ title: 't', assignee: 'two words' }), 'INVALID_INPUT', /assignee: expected a lane name .* got "two words"$/],
    [
      'initialStatus other than blocked',
      () => ({ title: 't', initialStatus: 'ready' }),
      'INVALID_INPUT',
      /initialStatus: expected one of "blocked", got "ready"$/,
    ],
    ['negative runAt', () => ({ title: 't', runAt: -5 }), 'INVALID_INPUT', /runAt: expected at least 0, got -5$/],
    ['unknown field', () => ({ title: 't', colour: 'red' }), 'INVALID_INPUT', /^createTask: .*expected no field named colour, got "red"$/],
    ['not an object', () => null, 'INVALID_INPUT', /^createTask: input: expected object, got null$/],
  ])('%s', async (_name, input, code, message) => {
    const c = await setup('val-create')
    await expectRefused(c.board, () => c.board.createTask(input(c) as never), code, message)
  })
})

describe('configure and Board.open', () => {
  it.each<[unknown, string]>([
    [0, '0'],
    [-1, '-1'],
    [1.5, '1.5'],
    ['x', '"x"'],
    [1001, '1001'],
  ])('failureLimit %j is refused', async (value, shown) => {
    const board = await openBoard('val-conf')
    await board.configure({ failureLimit: 4 })
    await expectRefused(
      board,
      () => board.configure({ failureLimit: value as number }),
      'INVALID_INPUT',
      new RegExp(`^configure: failureLimit: expected an integer from 1 to 1000, got ${shown.replace('.', '\\.')}$`),
    )
    expect(await board.settings()).toMatchObject({ failureLimit: 4, failureLimitSource: 'board' })
  })

  it('an unknown setting is refused and nothing else in the call is applied', async () => {
    const board = await openBoard('val-conf-unknown')
    await expectRefused(
      board,
      () => board.configure({ failureLimit: 3, retries: 9 } as never),
      'INVALID_INPUT',
      /^configure: .*expected no field named retries, got 9$/,
    )
    expect((await board.settings()).failureLimitSource).toBe('default')
  })

  it.each(['', 'UPPER', 'has space', 'a'.repeat(65), '-lead', 'dot.ted'])('Board.open refuses the board name %j', async (name) => {
    const e = await Board.open({ redis: redisUrl(), board: name }).then(
      () => null,
      (err: unknown) => err,
    )
    expect(e).toBeInstanceOf(ValidationError)
    expect((e as KanbanError).code).toBe('INVALID_INPUT')
    expect((e as Error).message).toBe(`Board.open: board: expected a board name matching [a-z0-9][a-z0-9_-]{0,63}, got ${JSON.stringify(name)}`)
    const r = extraConnection()
    const [, keys] = await r.scan('0', 'MATCH', `\\{kb:${name.replace(/[*?[\]\\]/g, '\\$&')}\\}*`, 'COUNT', 10_000)
    expect(keys).toEqual([])
  })

  it('Board.open accepts a 64-char name (the boundary)', async () => {
    const board = await Board.open({ redis: redisUrl(), board: 'a'.repeat(64) })
    expect(board.name).toBe('a'.repeat(64))
    await board.close()
  })
})

describe('unknown task ids', () => {
  const ops: [string, (c: Ctx, id: string) => Promise<unknown>][] = [
    ['parents', (c, id) => c.board.parents(id)],
    ['children', (c, id) => c.board.children(id)],
    ['workerContext', (c, id) => c.board.workerContext(id)],
    ['explain', (c, id) => c.board.explain(id)],
    ['linkTasks (parent)', (c, id) => c.board.linkTasks(id, c.ready)],
    ['linkTasks (child)', (c, id) => c.board.linkTasks(c.ready, id)],
    ['unlinkTasks', (c, id) => c.board.unlinkTasks(c.ready, id)],
    ['claimTask', (c, id) => c.board.claimTask(id, { claimer: 'w' })],
    ['heartbeat', (c, id) => c.board.heartbeat(id, { runId: c.runId })],
    ['completeTask', (c, id) => c.board.completeTask(id, { result: 'r' })],
    ['blockTask', (c, id) => c.board.blockTask(id, { reason: 'r' })],
    ['unblockTask', (c, id) => c.board.unblockTask(id)],
    ['scheduleTask', (c, id) => c.board.scheduleTask(id, { reason: 'later' })],
    ['specifyTask', (c, id) => c.board.specifyTask(id, { title: 'x' })],
    ['promoteTask', (c, id) => c.board.promoteTask(id, { actor: 'op' })],
    ['reclaimTask', (c, id) => c.board.reclaimTask(id)],
    ['assignTask', (c, id) => c.board.assignTask(id, 'coder')],
    ['updateTask', (c, id) => c.board.updateTask(id, { priority: 3 })],
    ['requestReview', (c, id) => c.board.requestReview(id)],
    ['requestChanges', (c, id) => c.board.requestChanges(id, { reason: 'r' })],
    ['archiveTask', (c, id) => c.board.archiveTask(id)],
    ['deleteTask', (c, id) => c.board.deleteTask(id)],
    ['addComment', (c, id) => c.board.addComment(id, { author: 'a', body: 'b' })],
    ['recordFailure', (c, id) => c.board.recordFailure(id, { outcome: 'crashed', error: 'e' })],
  ]
  it.each(ops)('%s -> TASK_NOT_FOUND, nothing written', async (name, run) => {
    const c = await setup('val-404')
    // the message names the operation, the field, the expectation and the given id
    const op = name.split(' ')[0]
    const message = new RegExp(`^${op}: task: expected an existing task id, got "t404"$`)
    const e = await expectRefused(c.board, () => run(c, 't404'), 'TASK_NOT_FOUND', message)
    expect(e.details.id).toBe('t404')
  })

  it('getTask of an unknown id is null, not an error', async () => {
    const c = await setup('val-404-get')
    expect(await c.board.getTask('t404')).toBeNull()
  })

  it('a malformed id is INVALID_INPUT naming the id', async () => {
    const c = await setup('val-bad-id')
    await expectRefused(c.board, () => c.board.completeTask('has space'), 'INVALID_INPUT', /^completeTask: id: expected a task id .* got "has space"$/)
    await expectRefused(c.board, () => c.board.getTask(''), 'INVALID_INPUT', /^getTask: id: .* got ""$/)
  })
})

describe('operation inputs', () => {
  it.each<[string, (c: Ctx) => Promise<unknown>, RegExp]>([
    // strict objects: an unknown (often misspelt) field is an error, not silently ignored
    ['claimTask unknown field', (c) => c.board.claimTask(c.ready, { claimer: 'w', tll: 5 } as never), /^claimTask: .*expected no field named tll, got 5$/],
    ['completeTask unknown field', (c) => c.board.completeTask(c.running, { runId: c.runId, reslt: 'x' } as never), /expected no field named reslt, got "x"/],
    ['blockTask unknown field', (c) => c.board.blockTask(c.ready, { reason: 'r', sticky: true } as never), /expected no field named sticky, got true/],
    ['updateTask unknown field', (c) => c.board.updateTask(c.ready, { status: 'done' } as never), /expected no field named status, got "done"/],
    [
      'createTasks node unknown field',
      (c) => c.board.createTasks([{ ref: 'a', title: 'A', after: ['b'] } as never]),
      /^createTasks: 0: expected no field named after|^createTasks: .*expected no field named after/,
    ],
    [
      'recordFailure unknown field',
      (c) => c.board.recordFailure(c.running, { outcome: 'crashed', error: 'e', count: 2 } as never),
      /expected no field named count, got 2/,
    ],
    ['events unknown field', (c) => c.board.events({ since: 3 } as never), /^events: .*expected no field named since, got 3$/],
    ['promoteTask unknown field', (c) => c.board.promoteTask(c.ready, { actor: 'op', forced: true } as never), /expected no field named forced/],
    // enums
    [
      'invalid block kind',
      (c) => c.board.blockTask(c.running, { reason: 'r', kind: 'weird' as never }),
      /^blockTask: kind: expected one of "dependency", "needs_input", "capability", "transient", got "weird"$/,
    ],
    [
      'invalid failure outcome',
      (c) => c.board.recordFailure(c.running, { runId: c.runId, outcome: 'exploded' as never, error: 'e' }),
      /^recordFailure: outcome: expected one of "crashed", .*"stale", got "exploded"$/,
    ],
    [
      'completed is not a failure outcome',
      (c) => c.board.recordFailure(c.running, { outcome: 'completed' as never, error: 'e' }),
      /outcome: expected one of .* got "completed"$/,
    ],
    // required fields
    ['claimTask without claimer', (c) => c.board.claimTask(c.ready, {} as never), /^claimTask: claimer: expected string, got undefined$/],
    ['heartbeat without runId', (c) => c.board.heartbeat(c.running, {} as never), /^heartbeat: runId: expected string, got undefined$/],
    ['blockTask with an empty reason', (c) => c.board.blockTask(c.running, { reason: '  ' }), /^blockTask: reason: expected a non-empty string, got " {2}"$/],
    ['addComment with an empty body', (c) => c.board.addComment(c.ready, { author: 'a', body: ' ' }), /^addComment: body: .* got " "$/],
    ['addComment without author', (c) => c.board.addComment(c.ready, { body: 'hi' } as never), /^addComment: author: expected string, got undefined$/],
    ['updateTask with nothing to update', (c) => c.board.updateTask(c.ready, {}), /^updateTask: input: expected at least one field to update, got \{\}$/],
    ['updateTask empty title', (c) => c.board.updateTask(c.ready, { title: '' }), /^updateTask: title: expected a non-empty string .* got ""$/],
    ['updateTask maxRetries 0', (c) => c.board.updateTask(c.ready, { maxRetries: 0 }), /^updateTask: maxRetries: expected an integer from 1 to 1000, got 0$/],
    [
      'updateTask metadata not an object',
      (c) => c.board.updateTask(c.ready, { metadata: 'x' as never }),
      /^updateTask: metadata: expected a JSON object, got "x"$/,
    ],
    ['assignTask bad lane', (c) => c.board.assignTask(c.ready, 'UP per'), /^assignTask: assignee: expected a lane name .* got "UP per"$/],
    ['createTasks empty', (c) => c.board.createTasks([]), /^createTasks: nodes: expected at least 1 items, got \[\]$/],
    ['createTasks node without ref', (c) => c.board.createTasks([{ title: 'A' } as never]), /^createTasks: nodes\[0\]\.ref: expected string, got undefined$/],
    [
      'createTasks node with bad title',
      (c) =>
        c.board.createTasks([
          { ref: 'a', title: 'A' },
          { ref: 'b', title: '' },
        ]),
      /^createTasks: nodes\[1\]\.title: expected .* got ""$/,
    ],
    ['events negative after', (c) => c.board.events({ after: -1 }), /^events: after: expected at least 0, got -1$/],
    // listTasks filters
    [
      'listTasks unknown status',
      (c) => c.board.listTasks({ status: 'nope' as never }),
      /^listTasks: status: expected a status \(triage, .*archived\) or a list of them, got "nope"$/,
    ],
    ['listTasks unknown status in a list', (c) => c.board.listTasks({ status: ['ready', 'nope'] as never }), /^listTasks: status: .* got \["ready","nope"\]$/],
    ['listTasks limit 0', (c) => c.board.listTasks({ limit: 0 }), /^listTasks: limit: expected at least 1, got 0$/],
    ['listTasks fractional limit', (c) => c.board.listTasks({ limit: 2.5 }), /^listTasks: limit: expected an integer, got 2.5$/],
    [
      'listTasks unknown orderBy',
      (c) => c.board.listTasks({ orderBy: 'title' as never }),
      /^listTasks: orderBy: expected one of "priority", "createdAt", got "title"$/,
    ],
    [
      'listTasks includeArchived not boolean',
      (c) => c.board.listTasks({ includeArchived: 'yes' as never }),
      /^listTasks: includeArchived: expected boolean, got "yes"$/,
    ],
    ['listTasks unknown filter', (c) => c.board.listTasks({ state: 'ready' } as never), /^listTasks: .*expected no field named state, got "ready"$/],
  ])('%s', async (_name, run, message) => {
    const c = await setup('val-op')
    await expectRefused(c.board, () => run(c), 'INVALID_INPUT', message)
    // the running task is untouched: still running under its run
    const t = (await c.board.getTask(c.running))!
    expect([t.status, t.currentRunId]).toEqual(['running', c.runId])
  })
})
