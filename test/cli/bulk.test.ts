/** `kanban bulk` as a real child process (docs/cli.md#bulk-operations). */
import { describe, expect, it } from 'vitest'
import { openBoard, snapshot } from '../helpers/board.js'
import { kanban, kanbanJson } from '../helpers/cli.js'
import type { Board } from '../../src/index.js'

async function gaveUp(board: Board, lane: string): Promise<string> {
  const id = await board.createTask({ title: 'flaky', assignee: lane })
  for (let i = 0; i < 2; i++) {
    const c = await board.claimTask(id, { claimer: 'w' })
    await board.recordFailure(id, { runId: c!.runId, outcome: 'crashed', error: 'boom' })
  }
  return id
}

describe('kanban bulk', () => {
  it('retry by lane: a summary with the skips by reason, events naming --actor; --json is the API result', async () => {
    const board = await openBoard('cli-bulk')
    const parked = await gaveUp(board, 'coder')
    await board.createTask({ title: 'ask', assignee: 'coder', initialStatus: 'blocked' })
    await gaveUp(board, 'writer')
    const dry = await kanban(board.name, 'bulk', 'retry', '--lane', 'coder', '--dry-run')
    expect(dry.code).toBe(0)
    expect(dry.stdout).toBe(
      `retry (dry run, nothing written): would change 1, skipped 1 (sticky 1); 2 matched of 3 examined in 1 call\nwould change: ${parked}\n`,
    )
    const r = await kanban(board.name, 'bulk', 'retry', '--lane', 'coder', '--actor', 'alice')
    expect(r).toMatchObject({ code: 0, stderr: '' })
    expect(r.stdout).toBe(`retry: changed 1, skipped 1 (sticky 1); 2 matched of 3 examined in 1 call\nchanged: ${parked}\n`)
    expect(await board.getTask(parked)).toMatchObject({ status: 'ready', consecutiveFailures: 0 })
    expect((await board.events({ taskId: parked })).at(-1)).toMatchObject({ kind: 'unblocked', payload: { actor: 'alice', bulk: 'retry' } })
    const again = await kanbanJson(board.name, 'bulk', 'retry', '--lane', 'coder')
    expect(again).toEqual({
      op: 'retry',
      dryRun: false,
      examined: 2,
      matched: 1,
      changed: 0,
      skipped: { status: 0, sticky: 1, unchanged: 0 },
      ids: [],
      cursor: null,
      calls: 1,
    })
  })

  it('a run of several calls: a progress line with the cursor on stderr; --limit stops early and --cursor resumes', async () => {
    const board = await openBoard('cli-bulk')
    const refs = await board.createTasks(Array.from({ length: 9 }, (_, i) => ({ ref: `n${i}`, title: `t${i}`, tenant: 'acme' })))
    const ids = Array.from({ length: 9 }, (_, i) => refs[`n${i}`]!)
    const first = await kanban(board.name, 'bulk', 'reassign', '--tenant', 'acme', '--to', 'coder', '--change-per-call', '2', '--limit', '4')
    expect(first.code).toBe(0)
    expect(first.stderr).toMatch(/^kanban bulk: reassign: \d+ examined, 2 changed, 0 skipped; resume with --cursor ready:\S+:t\d+\n/)
    const cursor = /resume with --cursor (\S+)\n(?![\s\S]*resume)/.exec(first.stdout)![1]!
    expect(first.stdout).toMatch(/^reassign: changed 4, skipped 0; 4 matched of 4 examined in 2 calls\nstopped at --limit before the end/)
    const rest = await kanbanJson(board.name, 'bulk', 'reassign', '--tenant', 'acme', '--to', 'coder', '--cursor', cursor)
    expect(rest).toMatchObject({ changed: 5, cursor: null, ids: ids.slice(4) })
    expect((await board.listTasks({ assignee: 'coder' })).length).toBe(9)
    // --to - unassigns; --lane - selects the unassigned
    expect(await kanbanJson(board.name, 'bulk', 'reassign', '--lane', 'coder', '--to', '-')).toMatchObject({ changed: 9 })
    expect(await kanbanJson(board.name, 'bulk', 'archive', '--lane', '-', '--status', 'ready,done')).toMatchObject({ changed: 9 })
  })

  it('delete and archive want a filter or --all; bad input exits 2 naming the field, nothing written', async () => {
    const board = await openBoard('cli-bulk')
    await board.createTask({ title: 'keep me' })
    const before = await snapshot(board)
    for (const [args, field] of [
      [['delete'], 'filter'],
      [['archive', '--dry-run'], 'filter'],
      [['reassign', '--lane', 'x'], 'to'],
      [['unblock', '--status', 'stuck'], 'filter.status'],
      [['unblock', '--cursor', 'nope'], 'cursor'],
      [['purge', '--all'], 'op'],
    ] as const) {
      const r = await kanban(board.name, 'bulk', ...args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr).toMatch(new RegExp(`^kanban bulk: bulk: ${field.replace('.', '\\.')}: expected`))
    }
    const usage = await kanban(board.name, 'bulk')
    expect(usage.code).toBe(2)
    expect(usage.stderr).toMatch(/^kanban bulk: missing the op: one of unblock, retry, archive, reassign, delete\nusage: kanban bulk /)
    expect(await snapshot(board)).toEqual(before)
    const all = await kanban(board.name, 'bulk', 'delete', '--all')
    expect(all.code).toBe(0)
    expect(all.stdout).toMatch(/^delete: changed 1, skipped 0; 1 matched of 1 examined in 1 call\n/)
    expect(await board.listTasks({ includeArchived: true })).toEqual([])
  })
})
