import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import {
  ERROR_CODES,
  KanbanError,
  NotFoundError,
  StateError,
  ValidationError,
  fromScriptError,
  isKanbanError,
  isNotFoundError,
  isStateError,
  isValidationError,
  show,
} from '../../src/errors.js'

const LUA = join(dirname(fileURLToPath(import.meta.url)), '../../src/lua')

/** Every `{ err = CODE }` any Lua script or include can return. */
function luaErrorCodes(): string[] {
  const files = [
    ...readdirSync(LUA)
      .filter((f) => f.endsWith('.lua'))
      .map((f) => join(LUA, f)),
    ...readdirSync(join(LUA, 'includes')).map((f) => join(LUA, 'includes', f)),
  ]
  const codes = new Set<string>()
  for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(/fail\('([A-Z_]+)'/g)) codes.add(m[1]!)
  return [...codes].sort()
}

describe('fromScriptError', () => {
  it('maps every code a Lua script can return to an error with that same code', () => {
    const codes = luaErrorCodes()
    expect(codes).toEqual(expect.arrayContaining(['TASK_NOT_FOUND', 'STALE_RUN', 'INVALID_STATE', 'CYCLE', 'SELF_LINK']))
    for (const code of codes) {
      expect(ERROR_CODES, code).toContain(code)
      const e = fromScriptError('op', { err: code, id: 't1', path: ['t1', 't2', 't1'], status: 'todo', runId: 'r1', limit: 5, fence: '3' })
      expect(e, code).toBeInstanceOf(KanbanError)
      expect(e.code, code).toBe(code)
      expect(e.message, code).toMatch(/^op: /)
    }
  })

  it('TASK_NOT_FOUND -> NotFoundError naming the op and the id', () => {
    const e = fromScriptError('claimTask', { err: 'TASK_NOT_FOUND', id: 't9' })
    expect(e).toBeInstanceOf(NotFoundError)
    expect(e).toMatchObject({ name: 'NotFoundError', code: 'TASK_NOT_FOUND', details: { id: 't9' } })
    expect(e.message).toBe('claimTask: task: expected an existing task id, got "t9"')
  })

  it('UNKNOWN_PARENT / SELF_LINK / CYCLE -> ValidationError', () => {
    const unknown = fromScriptError('createTask', { err: 'UNKNOWN_PARENT', id: 't404' })
    expect(unknown).toBeInstanceOf(ValidationError)
    expect(unknown).toMatchObject({ code: 'UNKNOWN_PARENT', details: { id: 't404' } })
    expect(unknown.message).toBe('createTask: parents: expected ids of existing tasks, got unknown id "t404"')

    const self = fromScriptError('linkTasks', { err: 'SELF_LINK', id: 't1' })
    expect(self).toBeInstanceOf(ValidationError)
    expect(self.message).toBe('linkTasks: expected two different tasks, got a self link on "t1"')

    const cycle = fromScriptError('linkTasks', { err: 'CYCLE', path: ['t3', 't1', 't2', 't3'] })
    expect(cycle).toBeInstanceOf(ValidationError)
    expect(cycle).toMatchObject({ code: 'CYCLE', details: { path: ['t3', 't1', 't2', 't3'] } })
    expect(cycle.message).toBe('linkTasks: expected an acyclic graph, got a cycle t3 -> t1 -> t2 -> t3')
  })

  it('STALE_RUN / INVALID_STATE -> StateError with the ids in details', () => {
    const stale = fromScriptError('recordFailure', { err: 'STALE_RUN', id: 't1', runId: 'r1', openRunId: 'r2' })
    expect(stale).toBeInstanceOf(StateError)
    expect(stale).toMatchObject({ code: 'STALE_RUN', details: { id: 't1', runId: 'r1', openRunId: 'r2' } })
    expect(stale.message).toBe('recordFailure: runId: expected the open run of t1 (r2), got "r1"')
    // no open run: cjson sends null
    const none = fromScriptError('recordFailure', { err: 'STALE_RUN', id: 't1', runId: 'r1', openRunId: null as unknown as undefined })
    expect(none.message).toBe('recordFailure: runId: expected the open run of t1 (none), got "r1"')

    const invalid = fromScriptError('recordFailure', { err: 'INVALID_STATE', id: 't1', status: 'done' })
    expect(invalid).toBeInstanceOf(StateError)
    expect(invalid).toMatchObject({ code: 'INVALID_STATE', details: { id: 't1', status: 'done' } })
    expect(invalid.message).toBe('recordFailure: task t1 is done, which does not allow it')
  })

  it('GRAPH_TOO_LARGE and STALE_LEADER -> KanbanError with their details', () => {
    const big = fromScriptError('linkTasks', { err: 'GRAPH_TOO_LARGE', id: 't1', limit: 100 })
    expect(big).toMatchObject({ code: 'GRAPH_TOO_LARGE', details: { id: 't1', limit: 100 } })
    expect(big.message).toBe('linkTasks: cycle check visits at most 100 descendants of "t1"; link refused')
    const leader = fromScriptError('dispatchOnce', { err: 'STALE_LEADER', fence: '7' })
    expect(leader).toMatchObject({ code: 'STALE_LEADER', details: { fence: '7' } })
    expect(leader.message).toContain('fence 7')
  })

  it('an unknown code still becomes a KanbanError carrying the whole reply', () => {
    const e = fromScriptError('op', { err: 'WHAT', id: 't1' })
    expect(e).toBeInstanceOf(KanbanError)
    expect(e).toMatchObject({ code: 'INVALID_STATE', details: { err: 'WHAT', id: 't1' } })
    expect(e.message).toBe('op: script refused with WHAT')
  })
})

describe('error classes and type guards', () => {
  const kanban = new KanbanError('BOARD_CLOSED', 'closed', {}, new Error('root'))
  const validation = new ValidationError('INVALID_INPUT', 'bad')
  const notFound = new NotFoundError('t1')
  const state = new StateError('STALE_RUN', 'stale')
  const plain = new Error('plain')

  it('every subclass is a KanbanError and an Error with a stable code and name', () => {
    for (const e of [kanban, validation, notFound, state]) {
      expect(e).toBeInstanceOf(Error)
      expect(e).toBeInstanceOf(KanbanError)
      expect(ERROR_CODES).toContain(e.code)
    }
    expect([kanban.name, validation.name, notFound.name, state.name]).toEqual(['KanbanError', 'ValidationError', 'NotFoundError', 'StateError'])
    expect((kanban.cause as Error).message).toBe('root')
    expect(validation.cause).toBeUndefined()
  })

  it('guards recognise exactly their class', () => {
    const table: [unknown, boolean, boolean, boolean, boolean][] = [
      // value, isKanban, isValidation, isNotFound, isState
      [kanban, true, false, false, false],
      [validation, true, true, false, false],
      [notFound, true, false, true, false],
      [state, true, false, false, true],
      [plain, false, false, false, false],
      [{ code: 'TASK_NOT_FOUND' }, false, false, false, false],
      [null, false, false, false, false],
    ]
    for (const [v, k, va, nf, st] of table) {
      expect([isKanbanError(v), isValidationError(v), isNotFoundError(v), isStateError(v)]).toEqual([k, va, nf, st])
    }
  })

  it('ERROR_CODES has no duplicates', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length)
  })
})

describe('show', () => {
  it('renders values as JSON, strings quoted, undefined by name', () => {
    expect(show('x')).toBe('"x"')
    expect(show(5)).toBe('5')
    expect(show(null)).toBe('null')
    expect(show(undefined)).toBe('undefined')
    expect(show({ a: [1] })).toBe('{"a":[1]}')
    expect(show(() => 1)).toMatch(/=>/)
  })

  it('cuts long values at 80 characters and says how long they were', () => {
    const s = show('y'.repeat(200))
    expect(s).toBe(`"${'y'.repeat(76)}...(202 chars)`)
  })

  it('survives values JSON cannot render', () => {
    const loop: Record<string, unknown> = {}
    loop.self = loop
    expect(show(loop)).toBe('[object Object]')
    expect(show(10n)).toBe('10')
  })
})
