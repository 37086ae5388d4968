/** Board settings: set, shared, and back to their defaults with null (`kanban config unset`). */
import { describe, expect, it } from 'vitest'
import { KanbanError, ValidationError } from '../../src/index.js'
import { kanban, kanbanJson } from '../helpers/cli.js'
import { openBoard, reopen, snapshot } from '../helpers/board.js'

describe('settings', () => {
  it('null puts any setting back to its default, for every process', async () => {
    const board = await openBoard('settings')
    const other = await reopen(board)
    await board.configure({ claimTtlMs: 5000, maxInProgress: 3, staleTimeoutMs: 1000, failureLimit: 4, blockRecurrenceLimit: 5 })
    expect(await other.settings()).toMatchObject({
      claimTtlMs: 5000,
      maxInProgress: 3,
      staleTimeoutMs: 1000,
      failureLimit: 4,
      failureLimitSource: 'board',
      blockRecurrenceLimit: 5,
    })
    await other.configure({ claimTtlMs: null, maxInProgress: null, staleTimeoutMs: null, failureLimit: null, blockRecurrenceLimit: null })
    expect(await board.settings()).toMatchObject({
      claimTtlMs: 60_000,
      maxInProgress: 0,
      staleTimeoutMs: 0,
      failureLimit: 2,
      failureLimitSource: 'default',
      blockRecurrenceLimit: 2,
    })
    // and the claim uses the default lease again
    const id = await board.createTask({ title: 't' })
    const c = await board.claimTask(id, { claimer: 'w' })
    expect((await board.getTask(id))!.leaseExpiresAt! - c!.leaseExpiresAt).toBe(0)
    expect(c!.leaseExpiresAt - (await board.getTask(id))!.lastHeartbeatAt!).toBe(60_000)
  })
})

describe('blockRecurrenceLimit (docs/blocks-and-breaker.md#block-loops-go-to-triage)', () => {
  it.each<[unknown, string]>([
    [1, '1'],
    [0, '0'],
    [-2, '-2'],
    [2.5, '2.5'],
    ['3', '"3"'],
    [1001, '1001'],
  ])('%j is refused with a coded ValidationError naming the field, nothing written', async (value, shown) => {
    const board = await openBoard('settings-brl')
    await board.configure({ blockRecurrenceLimit: 3 })
    const before = await snapshot(board)
    // in one call with a valid setting: neither is applied
    const e = await board.configure({ failureLimit: 5, blockRecurrenceLimit: value as number }).then(
      () => null,
      (err: unknown) => err,
    )
    expect(e).toBeInstanceOf(ValidationError)
    expect((e as KanbanError).code).toBe('INVALID_INPUT')
    expect((e as ValidationError).details.field).toBe('blockRecurrenceLimit')
    expect((e as Error).message).toBe(`configure: blockRecurrenceLimit: expected an integer from 2 to 1000, got ${shown}`)
    expect(await snapshot(board)).toEqual(before)
    expect(await board.settings()).toMatchObject({ blockRecurrenceLimit: 3, failureLimitSource: 'default' })
  })

  it('kanban config set / show / unset, and a bad value exits 2 writing nothing', async () => {
    const board = await openBoard('settings-brl-cli')
    expect(await kanbanJson(board.name, 'config')).toMatchObject({ blockRecurrenceLimit: 2 })
    expect(await kanbanJson(board.name, 'config', 'set', 'blockRecurrenceLimit=4')).toMatchObject({ blockRecurrenceLimit: 4 })
    expect((await board.settings()).blockRecurrenceLimit).toBe(4)
    const shown = await kanban(board.name, 'config')
    expect(shown.code).toBe(0)
    expect(shown.stdout).toMatch(/^blockRecurrenceLimit\s+4\s*$/m)

    const before = await snapshot(board)
    const bad = await kanban(board.name, 'config', 'set', 'blockRecurrenceLimit=1')
    expect({ code: bad.code, stdout: bad.stdout }).toEqual({ code: 2, stdout: '' })
    expect(bad.stderr).toMatch(/^kanban config: .*blockRecurrenceLimit: expected an integer from 2 to 1000, got 1/)
    expect(await snapshot(board)).toEqual(before)

    expect(await kanbanJson(board.name, 'config', 'unset', 'blockRecurrenceLimit')).toMatchObject({ blockRecurrenceLimit: 2 })
  })
})
