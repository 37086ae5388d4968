/**
 * `kanban doctor` as a process (docs/reliability.md#kanban-doctor): exit 0 on a clean
 * board, 3 with the drift listed (and nothing written) on a board with drift, `--repair`
 * repairs it and exits 0 once a second check finds none left; bad flags exit 2.
 */
import { describe, expect, it } from 'vitest'
import type { DoctorReport } from '../../src/index.js'
import { openBoard, snapshot } from '../helpers/board.js'
import { kanban } from '../helpers/cli.js'

describe('kanban doctor', () => {
  it('exit 0 clean, 3 with the drift (a dry run), --repair then 0; --json the report', async () => {
    const board = await openBoard('cli-doctor')
    const a = await board.createTask({ title: 'a', assignee: 'coder' })
    await board.createTask({ title: 'b', parents: [a] })
    const clean = await kanban(board.name, 'doctor')
    expect(clean.code, clean.stderr).toBe(0)
    expect(clean.stdout).toMatch(/checked 2 task numbers and 0 run numbers in 1 passes: 0 findings/)

    await board.redis.zadd(board.keys.status('done'), 1, a)
    const before = await snapshot(board)
    const dry = await kanban(board.name, 'doctor')
    expect(dry.code, dry.stderr).toBe(3)
    expect(dry.stdout).toMatch(new RegExp(`${a}\\s+status_index`))
    expect(dry.stdout).toMatch(/dry run: nothing written/)
    expect(await snapshot(board)).toEqual(before)

    const json = await kanban(board.name, 'doctor', '--json', '--page-size', '1')
    expect(json.code).toBe(3)
    const report = JSON.parse(json.stdout) as DoctorReport
    expect(report.passes).toBe(2)
    expect(report.findings).toEqual([{ id: a, check: 'status_index', detail: { status: 'ready', missing: false, alsoIn: ['done'] } }])

    const fixed = await kanban(board.name, 'doctor', '--repair')
    expect(fixed.code, fixed.stderr).toBe(0)
    expect(fixed.stdout).toMatch(/repaired 1 .*\nno drift left/)
    expect(await board.redis.zscore(board.keys.status('done'), a)).toBeNull()
    expect((await kanban(board.name, 'doctor')).code).toBe(0)
  })

  it('bad flags exit 2 naming the field', async () => {
    const board = await openBoard('cli-doctor-bad')
    const r = await kanban(board.name, 'doctor', '--page-size', '500')
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/pageSize/)
  })
})
