/**
 * `kanban dispatcher` and `kanban worker --command`: a dispatcher replica and a worker whose
 * per-task subprocess reports back through the CLI itself (`kanban complete`, reading
 * $KANBAN_TASK / $KANBAN_RUN_ID / $KANBAN_BOARD / $KANBAN_REDIS_URL). SIGTERM stops both
 * with exit 0.
 */
import { describe, expect, it } from 'vitest'
import { openBoard } from '../helpers/board.js'
import { CLI, kanban, on, startKanban } from '../helpers/cli.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function until(what: string, cond: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

describe('kanban dispatcher + worker', () => {
  it('runs a DAG end to end through a subprocess command that calls kanban complete', async () => {
    const board = await openBoard('cli-fleet')
    const a = await board.createTask({ title: 'first', assignee: 'coder' })
    const b = await board.createTask({ title: 'second', assignee: 'Coder', parents: [a] })
    const c = await board.createTask({ title: 'review lane', assignee: 'qa' })
    const cmd = `"${process.execPath}" "${CLI}" complete --result "did $KANBAN_TASK on $KANBAN_BOARD"`
    const dispatcher = startKanban(['dispatcher', '--interval-ms', '200', ...on(board.name)])
    const worker = startKanban(['worker', '--lane', 'coder,qa', '--command', cmd, '--concurrency', '2', '--grace-ms', '2000', ...on(board.name)])
    await until('every task done', async () => (await board.listTasks({ status: 'done' })).length === 3, 25_000)
    for (const id of [a, b, c]) {
      const t = (await board.getTask(id))!
      expect(t).toMatchObject({ status: 'done', result: `did ${id} on ${board.name}`, consecutiveFailures: 0 })
      expect((await board.runs(id)).map((r) => r.outcome)).toEqual(['completed'])
    }
    expect(dispatcher.stderr()).toMatch(/"msg":"dispatcher started"/)
    expect(worker.stderr()).toMatch(/"msg":"worker started".*"lanes":\["coder","qa"\]/)
    dispatcher.child.kill('SIGTERM')
    worker.child.kill('SIGTERM')
    expect(await dispatcher.exited).toEqual({ code: 0, signal: null })
    expect(await worker.exited).toEqual({ code: 0, signal: null })
  })

  it('refuses bad process flags with exit 2', async () => {
    const board = await openBoard('cli-fleetbad')
    const [noLane, badLane, interval] = await Promise.all([
      kanban(board.name, 'worker', '--command', 'true'),
      kanban(board.name, 'worker', '--lane', 'Bad Lane!', '--command', 'true'),
      kanban(board.name, 'dispatcher', '--interval-ms', 'soon'),
    ])
    expect(noLane).toMatchObject({ code: 2, stderr: expect.stringMatching(/missing required flag --lane/) })
    expect(badLane).toMatchObject({ code: 2, stderr: expect.stringMatching(/--lane: expected lane names/) })
    expect(interval).toMatchObject({ code: 2, stderr: expect.stringMatching(/--interval-ms: expected an integer, got "soon"/) })
  })
})
