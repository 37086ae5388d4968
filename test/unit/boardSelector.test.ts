/**
 * Which boards a multi-board dispatcher or worker serves (docs/fleet.md#many-boards): the
 * selector's parsing and matching, and bad selectors and options refused with INVALID_INPUT
 * naming the field — in the library, the environment (KANBAN_BOARDS) and before any connection.
 */
import { describe, expect, it } from 'vitest'
import { parseBoardSelector, selects } from '../../src/boardSelector.js'
import { MultiDispatcher, MultiWorker } from '../../src/index.js'
import { DispatcherEnv, WorkerEnv, readEnv } from '../../src/runtime/config.js'

const refusal = (fn: () => unknown) => {
  try {
    fn()
  } catch (e) {
    return e as { code?: string; details?: { field?: string }; message: string }
  }
  throw new Error('expected a refusal')
}

describe('board selector', () => {
  it('splits names from patterns, from a list or a comma-separated string', () => {
    expect(parseBoardSelector('t', 'boards', 'a, team-*,b,,a')).toEqual({ names: ['a', 'b'], patterns: ['team-*'] })
    expect(parseBoardSelector('t', 'boards', ['*'])).toEqual({ names: [], patterns: ['*'] })
  })

  it('matches `*` as any run of board-name characters, and nothing else as special', () => {
    const sel = parseBoardSelector('t', 'boards', 'team-*,*-prod,exact')
    expect(['team-a', 'team-', 'x-prod', 'exact'].filter((b) => selects(sel, b))).toEqual(['team-a', 'team-', 'x-prod', 'exact'])
    expect(['teams', 'exact2', 'prod', 'a-prod-b'].filter((b) => selects(sel, b))).toEqual([])
    expect(selects(parseBoardSelector('t', 'boards', '*'), 'anything_1-2')).toBe(true)
  })

  it.each([
    ['', /at least one board/],
    [',,', /at least one board/],
    ['Team-*', /"Team-\*"/],
    ['-a', /"-a"/],
    ['a?', /"a\?"/],
    [`${'x'.repeat(64)}*`, /x\*"/],
    [42, /got 42/],
  ])('refuses %j with INVALID_INPUT naming the field', (value, message) => {
    const e = refusal(() => parseBoardSelector('MultiDispatcher', 'boards', value))
    expect(e.code).toBe('INVALID_INPUT')
    expect(e.details?.field).toBe('boards')
    expect(e.message).toMatch(/^MultiDispatcher: boards: expected /)
    expect(e.message).toMatch(message)
  })
})

describe('multi-board options, checked before any connection', () => {
  const redis = 'redis://127.0.0.1:1' // nothing listens: a refusal must come first
  it.each([
    [{ boards: 'a!' }, 'boards'],
    [{ boards: '*', intervalMs: 10 }, 'intervalMs'],
    [{ boards: '*', discoverEveryMs: 1.5 }, 'discoverEveryMs'],
    [{ boards: '*', concurrency: 0 }, 'concurrency'],
    [{ boards: '*', maxBoards: 0 }, 'maxBoards'],
  ])('MultiDispatcher refuses %j', (opts, field) => {
    const e = refusal(() => new MultiDispatcher({ redis, ...opts }))
    expect(e.code).toBe('INVALID_INPUT')
    expect(e.details?.field).toBe(field)
  })

  it('MultiWorker refuses a bad selector, and wants exactly one of handler and handlerFor', () => {
    const handler = async () => undefined
    expect(refusal(() => new MultiWorker({ redis, boards: 'A', lanes: ['x'], handler })).details?.field).toBe('boards')
    expect(refusal(() => new MultiWorker({ redis, boards: '*', lanes: ['x'] })).details?.field).toBe('handler')
    expect(refusal(() => new MultiWorker({ redis, boards: '*', lanes: ['x'], handler, handlerFor: () => handler })).details?.field).toBe('handler')
  })

  it('an unusable redis option is refused at start, naming it', async () => {
    await expect(new MultiDispatcher({ redis: 42 as never, boards: '*' }).start()).rejects.toMatchObject({ code: 'INVALID_INPUT', details: { field: 'redis' } })
  })
})

describe('KANBAN_BOARDS for the dispatcher and worker processes', () => {
  const base = { REDIS_URL: 'redis://127.0.0.1:6379' }
  const worker = { ...base, KANBAN_LANES: 'alpha', KANBAN_COMMAND: 'true' }

  it('takes names and patterns, comma-separated', () => {
    expect(readEnv(DispatcherEnv, { ...base, KANBAN_BOARDS: 'a, team-*' }).KANBAN_BOARDS).toEqual(['a', 'team-*'])
    expect(readEnv(WorkerEnv, { ...worker, KANBAN_BOARDS: '*' }).KANBAN_BOARDS).toEqual(['*'])
    expect(readEnv(DispatcherEnv, base).KANBAN_BOARDS).toBeUndefined()
    expect(readEnv(DispatcherEnv, base).KANBAN_DISCOVER_EVERY_MS).toBe(5000)
  })

  it.each([
    [{ KANBAN_BOARDS: 'Team-*' }, 'KANBAN_BOARDS'],
    [{ KANBAN_BOARDS: ' , ' }, 'KANBAN_BOARDS'],
    [{ KANBAN_BOARDS: 'a b' }, 'KANBAN_BOARDS'],
    [{ KANBAN_BOARDS: '*', KANBAN_DISCOVER_EVERY_MS: '10' }, 'KANBAN_DISCOVER_EVERY_MS'],
  ])('refuses %j, naming the variable', (env, field) => {
    for (const [schema, e] of [
      [DispatcherEnv, base],
      [WorkerEnv, worker],
    ] as const) {
      const err = refusal(() => readEnv(schema, { ...e, ...env }))
      expect(err.code).toBe('INVALID_INPUT')
      expect(err.details?.field).toBe(field)
      expect(err.message).toMatch(new RegExp(`^environment variable ${field}: expected`))
    }
  })
})
