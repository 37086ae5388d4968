/** `kanban pause` / `kanban resume` as a real child process (docs/cli.md). */
import { describe, expect, it } from 'vitest'
import { openBoard } from '../helpers/board.js'
import { kanban, kanbanJson } from '../helpers/cli.js'

describe('kanban pause / resume', () => {
  it('pauses a lane with a reason and actor, shows it in stats and explain, resumes; bad input exits 2 naming the field', async () => {
    const board = await openBoard('cli-pause')
    const id = await board.createTask({ title: 't', assignee: 'coder' })
    const p = await kanban(board.name, 'pause', '--lane', 'coder', '--reason', 'bad deploy', '--actor', 'alice')
    expect(p.code).toBe(0)
    expect(p.stdout).toMatch(/^lane coder paused by alice since \d{4}-\d\d-\d\dT[\d:]+Z: bad deploy\n$/)
    const again = await kanbanJson(board.name, 'pause', '--lane', 'coder', '--actor', 'bob')
    expect(again).toMatchObject({ changed: false, paused: { lane: 'coder', by: 'alice', reason: 'bad deploy' } })
    expect((await kanban(board.name, 'stats')).stdout).toContain('paused: lane coder by alice since ')
    expect((await kanban(board.name, 'explain', id)).stdout).toContain('lane coder is paused by alice since ')
    expect(await kanbanJson(board.name, 'dispatch-once')).toMatchObject({ enqueued: 0, skippedPaused: 1 })

    const bad = await kanban(board.name, 'pause', '--lane', '')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^kanban pause: .*lane/)

    const r = await kanban(board.name, 'resume', '--lane', 'coder', '--actor', 'alice')
    expect(r).toMatchObject({ code: 0, stdout: 'lane coder resumed\n' })
    expect((await kanban(board.name, 'resume')).stdout).toBe(`board ${board.name} was not paused\n`)
    expect(await kanbanJson(board.name, 'dispatch-once')).toMatchObject({ enqueued: 1, skippedPaused: 0 })
    expect((await board.events()).filter((e) => e.kind === 'paused' || e.kind === 'resumed').map((e) => [e.kind, e.payload?.by])).toEqual([
      ['paused', 'alice'],
      ['resumed', 'alice'],
    ])
  })
})

describe('kanban dispatch-once --dry-run', () => {
  it('prints what a tick would enqueue, with the ids, and enqueues nothing', async () => {
    const board = await openBoard('cli-dry')
    const id = await board.createTask({ title: 't', assignee: 'coder' })
    const dry = await kanban(board.name, 'dispatch-once', '--dry-run')
    expect(dry.code).toBe(0)
    expect(dry.stdout).toMatch(/^reclaimed=0 .*enqueued=1 .*dryRun=true\n/)
    expect(dry.stdout).toContain(`\nenqueued: ${id}\n`)
    // (no worker serves its lane on this board: docs/fleet.md#liveness)
    expect((await board.explain(id)).reasons.map((r) => r.code)).toEqual(['runnable', 'no_live_worker'])
    expect(await kanbanJson(board.name, 'dispatch-once')).toMatchObject({ enqueued: 1, ids: { enqueued: [id] } })
  })
})
