/**
 * Bad input over the HTTP API and the CLI (fast-check): a body with one field of the wrong
 * type, an unknown field, or text that is no JSON is `400` with the library's code and the
 * field named; a bad flag value or an unknown flag exits 2 with a message naming the
 * command. In every case every key of the board is as it was (docs/security.md#inputs).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { startApi } from '../http/helpers.js'
import { kanban } from '../helpers/cli.js'
import { openBoard } from '../helpers/board.js'
import { snapshot } from './snapshot.js'

type Kind = 's' | 'n' | 'b' | 'o' | 'a'
/** values no field of that kind takes */
const BAD: Record<Kind, unknown[]> = {
  s: [42, true, [], {}, null],
  n: ['1', true, [], {}, 1.5, null],
  b: ['yes', 1, [], {}],
  o: ['x', 1, [], true],
  a: ['x', 1, {}, true, [42], [null]],
}

interface Route {
  method: string
  /** under /api/boards/<board>; `{id}` is a task of the board */
  path: string
  /** a valid body; each field's kind */
  body: Record<string, unknown>
  fields: Record<string, Kind>
  /** fields whose null is a valid "clear" */
  nullable?: string[]
}

const ROUTES: Route[] = [
  {
    method: 'POST',
    path: '/tasks',
    body: { title: 't' },
    fields: {
      title: 's',
      body: 's',
      assignee: 's',
      priority: 'n',
      tenant: 's',
      maxRetries: 'n',
      maxRuntimeMs: 'n',
      runAt: 'n',
      metadata: 'o',
      parents: 'a',
      triage: 'b',
    },
  },
  { method: 'POST', path: '/dag', body: { tasks: [{ ref: 'a', title: 'a' }] }, fields: { tasks: 'a' } },
  {
    method: 'PATCH',
    path: '/tasks/{id}',
    body: { title: 'new' },
    fields: { title: 's', body: 's', priority: 'n', tenant: 's', maxRetries: 'n', metadata: 'o' },
    nullable: ['tenant', 'maxRetries'],
  },
  { method: 'POST', path: '/tasks/{id}/complete', body: {}, fields: { runId: 's', result: 's', summary: 's', metadata: 'o' } },
  { method: 'POST', path: '/tasks/{id}/block', body: { reason: 'r' }, fields: { reason: 's', kind: 's', runId: 's' } },
  { method: 'POST', path: '/tasks/{id}/comments', body: { body: 'c' }, fields: { body: 's' } },
  { method: 'POST', path: '/tasks/{id}/fail', body: { outcome: 'crashed', error: 'e' }, fields: { outcome: 's', error: 's', cooldownMs: 'n', runId: 's' } },
  { method: 'POST', path: '/tasks/{id}/promote', body: {}, fields: { reason: 's', force: 'b' } },
  {
    method: 'PATCH',
    path: '/settings',
    body: {},
    fields: { failureLimit: 'n', claimTtlMs: 'n', defaultAssignee: 's', retryBackoffMs: 'n' },
    nullable: ['failureLimit', 'claimTtlMs', 'defaultAssignee', 'retryBackoffMs'],
  },
]

const CODES_400 = ['INVALID_INPUT', 'UNKNOWN_PARENT', 'SELF_LINK', 'CYCLE', 'DUPLICATE_REF', 'UNKNOWN_REF']

const badBody = fc.nat().chain((r) => {
  const route = ROUTES[r % ROUTES.length]!
  const names = Object.keys(route.fields)
  return fc.oneof(
    // one field of the wrong type
    fc
      .record({
        field: fc.constantFrom(...names),
        pick: fc.nat(),
      })
      .map(({ field, pick }) => {
        const pool = BAD[route.fields[field]!].filter((v) => !(v === null && route.nullable?.includes(field)))
        return { route, body: { ...route.body, [field]: pool[pick % pool.length] } as unknown, field: field as string | undefined }
      }),
    // a field the body may not have
    fc
      .stringMatching(/^[a-z]{1,12}$/)
      .filter((k) => !(k in route.fields))
      .map((k) => ({ route, body: { ...route.body, [`x${k}`]: 1 } as unknown, field: undefined })),
    // no JSON object at all
    fc.constantFrom('{', 'null', '[]', '"text"', '{"title":').map((text) => ({ route, body: text as unknown, field: 'body' as string | undefined })),
  )
})

describe('bad input over the HTTP API', () => {
  it('is 400 with the code and the field, and writes nothing', async () => {
    const api = await startApi({}, 'prop-http')
    const id = await api.board.createTask({ title: 'target' })
    await fc.assert(
      fc.asyncProperty(badBody, async ({ route, body, field }) => {
        const before = await snapshot(api.board)
        const r = await api.json(route.method, `${api.b}${route.path.replace('{id}', id)}`, { body })
        const what = `${route.method} ${route.path} ${JSON.stringify(body)}`
        expect(r.status, `${what}: ${JSON.stringify(r.body)}`).toBe(400)
        expect(CODES_400).toContain(r.body.error.code)
        // the operation (createTask: …), or the request itself (request body: …)
        expect(r.body.error.message).toMatch(/^[\w ]+: /)
        if (field && field !== 'body') expect(String(r.body.error.field ?? r.body.error.message), what).toContain(field)
        expect(await snapshot(api.board), what).toEqual(before)
      }),
      { numRuns: 150 },
    )
  })
})

const NUMBER = ['abc', '1.5', '', '{', '[]', 'é😀', '*']
const NAME = ['abc', '', '*', '{kb:x}', 'a b']
const LANE = ['Bad Lane', '*', '{kb:x}', 'a:b', 'é']
const ID = ['a b', '*', 't1:p', '{kb:x}:t:t1', '', 'x'.repeat(65)]

/** a CLI invocation with one bad value (`id` is a task of the board), or an unknown flag */
const badInvocation = fc.oneof(
  fc
    .record({ flag: fc.constantFrom('--priority', '--max-retries', '--max-runtime-ms', '--retry-backoff-ms', '--run-at'), v: fc.constantFrom(...NUMBER) })
    .map(({ flag, v }) => (id: string) => ['create', '--title', 'ok', flag, v, '--parent', id]),
  fc.constantFrom(...['', '{', '[]', '"x"', '1']).map((v) => () => ['create', '--title', 'ok', '--metadata', v]),
  fc.constantFrom(...ID).map((v) => () => ['create', '--title', 'ok', '--parent', v]),
  fc.constantFrom(...ID).map((v) => () => ['complete', v]),
  fc.constantFrom(...ID).map((v) => (id: string) => ['link', id, v]),
  fc.constantFrom(...NAME).map((v) => (id: string) => ['block', id, '--reason', 'r', '--kind', v]),
  fc.constantFrom(...NAME).map((v) => (id: string) => ['fail', id, '--outcome', v, '--error', 'e']),
  fc.constantFrom(...NUMBER).map((v) => (id: string) => ['update', id, '--priority', v]),
  fc.constantFrom('abc', '0', '1.5', '1001', '-3').map((v) => () => ['config', 'set', `failureLimit=${v}`]),
  fc.constantFrom(...LANE).map((v) => () => ['pause', '--lane', v]),
  fc.constantFrom(...LANE).map((v) => (id: string) => ['assign', id, v]),
  fc.record({ cmd: fc.constantFrom('create', 'complete', 'block', 'config', 'pause', 'update'), f: fc.stringMatching(/^[a-z]{2,10}$/) }).map(
    ({ cmd, f }) =>
      (id: string) =>
        cmd === 'create' ? [cmd, '--title', 'ok', `--zz${f}`, 'x'] : [cmd, id, `--zz${f}`, 'x'],
  ),
)

describe('bad flags on the CLI', () => {
  it('exit 2 with the command named, and write nothing', async () => {
    const board = await openBoard('prop-cli')
    const id = await board.createTask({ title: 'existing' })
    await fc.assert(
      fc.asyncProperty(badInvocation, async (make) => {
        const args = make(id)
        const before = await snapshot(board)
        const r = await kanban(board.name, ...args)
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2)
        expect(r.stderr).toMatch(new RegExp(`^kanban ${args[0]}: `))
        expect(await snapshot(board), args.join(' ')).toEqual(before)
      }),
      { numRuns: 25 },
    )
  }, 90_000)
})
