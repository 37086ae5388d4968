/**
 * Board names and task ids can never address keys outside their board (docs/security.md#inputs):
 * over arbitrary strings — braces, colons, globs, unicode — a board name is either refused
 * with INVALID_INPUT or every key built for it is inside its hash tag `{kb:<board>}`; a task
 * id is refused or lands inside the board's keys; and operations with hostile ids end in a
 * coded error or a refusal, never touching another board.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Board, BOARD_NAME, boardKeys, isKanbanError, type KanbanError } from '../../src/index.js'
import { STATUSES } from '../../src/status.js'
import { openBoard } from '../helpers/board.js'
import { redisUrl } from '../helpers/redis.js'
import { snapshot } from './snapshot.js'

/** Redis's hash tag rule: the text between the first `{` and the first `}` after it, if not empty. */
function hashTag(key: string): string | null {
  const s = key.indexOf('{')
  if (s < 0) return null
  const e = key.indexOf('}', s + 1)
  return e > s + 1 ? key.slice(s + 1, e) : null
}

const hostile = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: fc.constantFrom('{', '}', ':', '*', '?', '[', ']', '\\', ' ', '\n', 'a', '1', '-', '_', '.', 'é', '\u0000', '😀'), maxLength: 30 }),
  fc.constantFrom('a}b', '}', 'x}:{kb:other}', '*', 'kb:boards', 'a:b', '../x', 'A', 'a'.repeat(65), ''),
)

/** Every key a board's key builder can make, the parametrised ones with `arg`. */
function everyKey(board: string, arg: string): string[] {
  const k = boardKeys(board) as unknown as Record<string, unknown>
  const out: string[] = []
  for (const [name, v] of Object.entries(k)) {
    if (name === 'prefix' || name === 'bullPrefix') continue
    if (typeof v === 'string') out.push(v)
    else if (name === 'status' || name === 'statusLane' || name === 'statusTenant' || name === 'statusLaneTenant') {
      for (const s of STATUSES) out.push((v as (...a: string[]) => string)(s, arg, arg))
    } else if (name === 'laneCap') out.push((v as (w: number) => string)(30))
    else out.push((v as (a: string) => string)(arg))
  }
  return out
}

async function outcome(p: Promise<unknown>): Promise<unknown> {
  try {
    return await p
  } catch (e) {
    return e
  }
}

describe('board names and ids stay inside their board', () => {
  it('a board name is refused with INVALID_INPUT, or every key of it is in its hash tag', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, hostile, async (name, arg) => {
        if (!BOARD_NAME.test(name)) {
          const e = (await outcome(Board.open({ redis: redisUrl(), board: name }))) as KanbanError
          expect(e.code).toBe('INVALID_INPUT')
          expect(e.message).toMatch(/^Board\.open: board: /)
          return
        }
        for (const key of everyKey(name, arg)) {
          expect(key.startsWith(`{kb:${name}}:`)).toBe(true)
          expect(hashTag(key)).toBe(`kb:${name}`)
        }
      }),
      { numRuns: 300 },
    )
  })

  it('operations with hostile task ids end in a coded error or a refusal, and write nothing', async () => {
    const board = await openBoard('prop-ids')
    const a = await board.createTask({ title: 'a' })
    const b = await board.createTask({ title: 'b', parents: [a] })
    await board.addComment(b, { author: 'x', body: 'y' })
    const victim = await openBoard('prop-victim')
    await victim.createTask({ title: 'elsewhere' })
    // ids that look like other keys of the board: a task's parents, children, events, comments
    const lookalike = fc.constantFrom(...[a, b].flatMap((id) => [`${id}:p`, `${id}:c`, `${id}:ev`, `${id}:cm`]), 'settings', '../settings')
    const ops: ((id: string) => Promise<unknown>)[] = [
      (id) => board.getTask(id),
      (id) => board.completeTask(id),
      (id) => board.blockTask(id, { reason: 'r' }),
      (id) => board.unblockTask(id),
      (id) => board.claimTask(id, { claimer: 'c' }),
      (id) => board.deleteTask(id),
      (id) => board.addComment(id, { author: 'x', body: 'y' }),
      (id) => board.createTask({ title: 't', parents: [id] }),
    ]
    const other = await snapshot(victim)
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostile, lookalike), fc.nat({ max: ops.length - 1 }), async (id, k) => {
        const before = await snapshot(board)
        const r = await outcome(ops[k]!(id))
        if (r instanceof Error) {
          expect(isKanbanError(r), `${k}(${JSON.stringify(id)}): ${r.message}`).toBe(true)
          expect(['INVALID_INPUT', 'TASK_NOT_FOUND', 'UNKNOWN_PARENT']).toContain((r as KanbanError).code)
          expect(await snapshot(board)).toEqual(before)
        } else expect([null, false]).toContain(r)
      }),
      { numRuns: 200 },
    )
    expect(await snapshot(victim)).toEqual(other)
  })
})
