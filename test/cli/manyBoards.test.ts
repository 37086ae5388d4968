/**
 * `kanban dispatcher --boards` and `kanban worker --boards` (docs/fleet.md#many-boards): one
 * dispatcher and one worker process serve every board matching a pattern, the command of
 * each task seeing its own board in $KANBAN_BOARD; SIGTERM stops both with exit 0. Bad
 * selectors are usage errors (exit 2) naming the flag.
 */
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { BOARD_REGISTRY } from '../../src/keys.js'
import { openBoard } from '../helpers/board.js'
import { CLI, kanban, run, startKanban } from '../helpers/cli.js'
import { redisUrl } from '../helpers/redis.js'

const registered: string[] = []
afterEach(async () => {
  if (!registered.length) return
  const c = new Redis(redisUrl())
  await c.srem(BOARD_REGISTRY, ...registered.splice(0))
  await c.quit()
})

async function until(what: string, cond: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('kanban dispatcher / worker --boards', () => {
  it('serves every board matching the pattern, each command on its own board', { timeout: 90_000 }, async () => {
    const prefix = `mcli${randomBytes(3).toString('hex')}`
    const boards = [await openBoard(prefix), await openBoard(prefix)]
    registered.push(...boards.map((b) => b.name))
    const ids = await Promise.all(boards.map((b) => b.createTask({ title: 'one', assignee: 'coder' })))
    const cmd = `"${process.execPath}" "${CLI}" complete --result "did $KANBAN_TASK on $KANBAN_BOARD"`
    const many = ['--redis', redisUrl(), '--boards', `${prefix}-*`, '--discover-every-ms', '300']
    const dispatcher = startKanban(['dispatcher', '--interval-ms', '200', ...many])
    const worker = startKanban(['worker', '--lane', 'coder', '--command', cmd, '--grace-ms', '2000', ...many])
    await until('both tasks done', async () => (await Promise.all(boards.map((b, i) => b.getTask(ids[i]!)))).every((t) => t!.status === 'done'), 60_000)
    for (const [i, b] of boards.entries()) {
      expect((await b.getTask(ids[i]!))!.result).toBe(`did ${ids[i]} on ${b.name}`)
      expect((await b.runs(ids[i]!)).map((r) => r.outcome)).toEqual(['completed'])
    }
    expect(dispatcher.stderr()).toMatch(/"msg":"dispatcher started".*"boards":2/)
    expect(worker.stderr()).toMatch(/"msg":"worker started".*"boards":2/)
    dispatcher.child.kill('SIGTERM')
    worker.child.kill('SIGTERM')
    expect(await dispatcher.exited).toEqual({ code: 0, signal: null })
    expect(await worker.exited).toEqual({ code: 0, signal: null })
  })

  it('refuses a bad selector, or --discover-every-ms without --boards, with exit 2', async () => {
    const board = await openBoard('mcli-bad')
    const [badBoards, emptyBoards, alone, tooFast] = await Promise.all([
      kanban(board.name, 'dispatcher', '--boards', 'Team-*'),
      run(['worker', '--lane', 'a', '--command', 'true', '--boards', ',', '--redis', redisUrl()]),
      kanban(board.name, 'worker', '--lane', 'a', '--command', 'true', '--discover-every-ms', '500'),
      kanban(board.name, 'dispatcher', '--boards', '*', '--discover-every-ms', '5'),
    ])
    expect(badBoards).toMatchObject({ code: 2, stderr: expect.stringMatching(/--boards: expected board names or patterns.*got "Team-\*"/) })
    expect(emptyBoards).toMatchObject({ code: 2, stderr: expect.stringMatching(/--boards: expected at least one value/) })
    expect(alone).toMatchObject({ code: 2, stderr: expect.stringMatching(/--discover-every-ms: only with --boards/) })
    expect(tooFast).toMatchObject({ code: 2, stderr: expect.stringMatching(/--discover-every-ms: expected at least 100, got 5/) })
  })
})
