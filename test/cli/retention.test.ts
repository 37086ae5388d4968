/** `kanban purge`, `kanban boards` and `kanban board delete` as real child processes (docs/cli.md). */
import { describe, expect, it } from 'vitest'
import type { Board } from '../../src/index.js'
import { openBoard, snapshot } from '../helpers/board.js'
import { kanban, kanbanJson, on, run } from '../helpers/cli.js'
import { uniqueBoardName } from '../helpers/redis.js'

const HOUR = 3_600_000

/** n done tasks that completed two hours ago (their doneSince entries backdated). */
async function oldDone(board: Board, n: number): Promise<string[]> {
  const ids = Object.values(await board.createTasks(Array.from({ length: n }, (_, i) => ({ ref: `r${i}`, title: `t${i}` }))))
  for (const id of ids) await board.completeTask(id)
  const at = (await board.now()) - 2 * HOUR
  await board.redis.zadd(board.keys.doneSince, ...ids.flatMap((id) => [at, id]))
  return ids
}

describe('kanban purge', () => {
  it('--dry-run prints the counts due and writes nothing; purge archives them', async () => {
    const board = await openBoard('cli-purge')
    expect((await kanban(board.name, 'config', 'set', `archiveDoneAfterMs=${HOUR}`)).code).toBe(0)
    const ids = await oldDone(board, 3)
    const before = await snapshot(board)
    const dry = await kanban(board.name, 'purge', '--dry-run')
    expect(dry).toMatchObject({ code: 0, stdout: 'would archive 3, delete 0, trim 0 events (dry run: nothing written)\n' })
    expect(await kanbanJson(board.name, 'purge', '--dry-run')).toEqual({ archived: 3, deleted: 0, eventsTrimmed: 0, dryRun: true })
    expect(await snapshot(board)).toEqual(before)

    const r = await kanban(board.name, 'purge')
    expect(r).toMatchObject({ code: 0, stdout: 'archived 3, deleted 0, trimmed 0 events\n' })
    for (const id of ids) expect((await board.getTask(id))!.status).toBe('archived')
    expect(await kanbanJson(board.name, 'purge')).toEqual({ archived: 0, deleted: 0, eventsTrimmed: 0, dryRun: false })
  })

  it('says when retention is off; a bad retention setting or flag exits 2 naming it', async () => {
    const board = await openBoard('cli-purge-off')
    await oldDone(board, 1)
    const r = await kanban(board.name, 'purge')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('retention is off: kanban config set archiveDoneAfterMs=<ms>')
    const bad = await kanban(board.name, 'config', 'set', 'deleteArchivedAfterMs=7d')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(
      /^kanban config: configure: deleteArchivedAfterMs: expected an integer number of ms from 1 to 315360000000 \(10 years\), or null for off, got "7d"/,
    )
    const flag = await kanban(board.name, 'purge', '--force')
    expect(flag.code).toBe(2)
    expect(flag.stderr).toMatch(/^kanban purge: .*--force/)
    // unset turns it off again
    expect((await kanban(board.name, 'config', 'set', 'eventStreamRetentionMs=60000')).code).toBe(0)
    expect((await kanban(board.name, 'config', 'unset', 'eventStreamRetentionMs')).code).toBe(0)
    expect((await board.settings()).eventStreamRetentionMs).toBeNull()
  })
})

describe('kanban boards', () => {
  it('lists the boards with their counts per status and last activity', async () => {
    const a = await openBoard('cli-boards')
    await oldDone(a, 2)
    await a.createTask({ title: 'open' })
    const list = await kanbanJson<{ name: string; total: number; byStatus: Record<string, number>; lastActivityAt: number }[]>(a.name, 'boards')
    const mine = list.find((b) => b.name === a.name)
    expect(mine).toMatchObject({ total: 3, byStatus: { done: 2, ready: 1 } })
    expect(mine!.lastActivityAt).toBe((await a.events({ limit: 10_000 })).at(-1)!.at)
    const human = await kanban(a.name, 'boards')
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/^BOARD +TOTAL +TRIAGE +TODO +SCHEDULED +READY +RUNNING +BLOCKED +REVIEW +DONE +ARCHIVED +LAST ACTIVITY\n/)
    expect(human.stdout).toMatch(new RegExp(`\\n${a.name} +3 +0 +0 +0 +1 +0 +0 +0 +2 +0 +\\d{4}-\\d\\d-\\d\\dT[\\d:]+Z\\n`))
  })
})

describe('kanban board delete', () => {
  it('is refused while a run is open (exit 1, naming the running tasks); --force deletes the board', async () => {
    const board = await openBoard('cli-bdel')
    const id = await board.createTask({ title: 'busy', assignee: 'coder' })
    await board.claimTask(id, { claimer: 'w' })
    const before = await snapshot(board)
    // the board named is the argument; --board is not needed
    const refused = await run(['board', 'delete', board.name, ...on('default')])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toBe(`kanban board: deleteBoard ${board.name}: expected no open run (or force), got 1 running task (${id}); nothing was deleted\n`)
    expect(await snapshot(board)).toEqual(before)

    const r = await run(['board', 'delete', board.name, '--force', ...on('default')])
    expect(r).toMatchObject({ code: 0, stdout: `deleted board ${board.name}: 1 tasks, 2 BullMQ queues\n` })
    expect(await snapshot(board)).toEqual({})
    const again = await run(['board', 'delete', board.name, ...on('default')])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/board: expected an existing board/)
  })

  it('--json prints the result; usage errors exit 2', async () => {
    const board = await openBoard('cli-bdel-json')
    await board.createTask({ title: 'x' })
    expect(await kanbanJson('default', 'board', 'delete', board.name)).toEqual({ done: true, deletedTasks: 1, queuesRemoved: 1 })
    for (const args of [['board'], ['board', 'remove', 'x'], ['board', 'delete'], ['board', 'delete', 'Bad Name'], ['board', 'delete', 'a', 'b']]) {
      const r = await run([...args, ...on(uniqueBoardName('cli-bdel'))])
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr, args.join(' ')).toMatch(/^kanban board: /)
    }
  })
})
