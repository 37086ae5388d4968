/**
 * Exit codes scripts can trust: 0 ok, 1 refused by state / not found / Redis unreachable,
 * 2 bad input or usage — with the message on stderr naming the flag or field, and
 * nothing written to the board when input is rejected.
 */
import { describe, expect, it } from 'vitest'
import { findFreePort } from '../../src/testing/index.js'
import { openBoard, snapshot } from '../helpers/board.js'
import { redisUrl } from '../helpers/redis.js'
import { kanban, run } from '../helpers/cli.js'

describe('usage errors exit 2', () => {
  it('unknown command, no command, help', async () => {
    const [unknown, none, help, cmdHelp] = await Promise.all([run(['frobnicate']), run([]), run(['--help']), run(['help', 'complete'])])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/^kanban: unknown command "frobnicate"/)
    expect(unknown.stderr).toContain('usage: kanban <command> [flags]')
    expect(unknown.stdout).toBe('')
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('usage: kanban <command> [flags]')
    expect(help.code).toBe(0)
    // every command of docs/cli.md is listed
    for (const c of ['create', 'list', 'complete', 'events', 'explain', 'stats', 'dispatcher', 'worker', 'config', 'dispatch-once']) {
      expect(help.stdout).toMatch(new RegExp(`^  ${c} `, 'm'))
    }
    expect(cmdHelp).toMatchObject({ code: 0, stdout: expect.stringMatching(/^usage: kanban complete <id> \| complete --task <id> --run <run>/) })
  })

  it('bad flags, values, board names and URLs name what is wrong; nothing is written', async () => {
    const board = await openBoard('cli-bad')
    const id = await board.createTask({ title: 'exists' })
    const before = await snapshot(board)
    const results = await Promise.all([
      kanban(board.name, 'create', '--title', 'x', '--nope'),
      kanban(board.name, 'create', '--body', 'no title'),
      kanban(board.name, 'create', '--title', 'x', '--priority', 'high'),
      kanban(board.name, 'create', '--title', 'x', '--metadata', '[1,2]'),
      kanban(board.name, 'create', '--title', 'x', '--assignee', 'Not A Lane!'),
      kanban(board.name, 'create', '--title', 'x', '--parent', 't404'),
      kanban(board.name, 'create', '--title', 'x', '--run-at', 'someday'),
      kanban(board.name, 'show', id, 'extra'),
      kanban(board.name, 'link', id, id),
      kanban(board.name, 'config', 'set', 'failureLimit=0'),
      run(['stats', '--redis', redisUrl(), '--board', 'Not/A/Board']),
      run(['stats', '--redis', 'http://localhost:6379', '--board', board.name]),
    ])
    const expected: [string, RegExp][] = [
      ['create', /Unknown option '--nope'/],
      ['create', /missing required flag --title/],
      ['create', /--priority: expected an integer, got "high"/],
      ['create', /--metadata: expected a JSON object, got "\[1,2\]"/],
      ['create', /assignee: expected a lane name/],
      ['create', /parents: expected ids of existing tasks, got unknown id "t404"/],
      ['create', /--run-at: expected epoch ms, an ISO date or \+<n>/],
      ['show', /unexpected argument "extra"/],
      ['link', /self link/],
      ['config', /failureLimit: expected an integer from 1 to 1000, got 0/],
      ['stats', /board: expected a board name matching .*, got "Not\/A\/Board"/],
      ['stats', /--redis: expected a redis:\/\/, rediss:\/\/ or redis\+sentinel:\/\/ URL, got "http:\/\/localhost:6379"/],
    ]
    results.forEach((r, i) => {
      const [cmd, re] = expected[i]!
      expect({ i, code: r.code, stdout: r.stdout }).toEqual({ i, code: 2, stdout: '' })
      expect(r.stderr).toMatch(new RegExp(`^kanban ${cmd}: `))
      expect(r.stderr).toMatch(re)
    })
    expect(await snapshot(board)).toEqual(before)
  })
})

describe('state errors exit 1', () => {
  it('not found, refused by state, stale run', async () => {
    const board = await openBoard('cli-state')
    const todo = await board.createTask({ title: 'todo', parents: [await board.createTask({ title: 'p' })] })
    const [show, explain, complete, claim, heartbeat] = await Promise.all([
      kanban(board.name, 'show', 't404'),
      kanban(board.name, 'explain', 't404'),
      kanban(board.name, 'complete', 't404'),
      kanban(board.name, 'claim', todo),
      kanban(board.name, 'heartbeat', '--task', todo, '--run', 'r1'),
    ])
    for (const r of [show, explain, complete]) {
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/task: expected an existing task id, got "t404"/)
    }
    expect(claim.code).toBe(1)
    expect(claim.stderr).toBe(`kanban claim: refused: task ${todo} is todo (a parent is not done)\n`)
    expect(heartbeat.code).toBe(1)
    expect(heartbeat.stderr).toMatch(/refused: run r1 is not the open run/)
    expect((await board.getTask(todo))!.status).toBe('todo')
  })

  it('Redis unreachable: a clear message and exit 1, without hanging', async () => {
    const port = await findFreePort()
    const t0 = Date.now()
    const [stats, worker] = await Promise.all([
      run(['stats', '--redis', `redis://127.0.0.1:${port}`, '--board', 'x']),
      run(['worker', '--lane', 'coder', '--command', 'true', '--redis', `redis://127.0.0.1:${port}`]),
    ])
    expect(Date.now() - t0).toBeLessThan(8000)
    for (const r of [stats, worker]) {
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(new RegExp(`cannot reach Redis at redis://127.0.0.1:${port}: .*ECONNREFUSED`))
    }
  })
})

describe('defaults from the environment', () => {
  it('KANBAN_BOARD and KANBAN_REDIS_URL stand in for --board/--redis; flags win', async () => {
    const board = await openBoard('cli-envdef')
    const other = await openBoard('cli-envdef2')
    const [viaEnv, flagWins] = await Promise.all([
      run(['create', '--title', 'from env'], { env: { KANBAN_BOARD: board.name, KANBAN_REDIS_URL: redisUrl() } }),
      run(['create', '--title', 'from flag', '--board', other.name], {
        env: { KANBAN_BOARD: board.name, REDIS_URL: redisUrl() },
      }),
    ])
    expect(viaEnv.code).toBe(0)
    expect((await board.getTask(viaEnv.stdout.trim()))!.title).toBe('from env')
    expect(flagWins.code).toBe(0)
    expect((await other.getTask(flagWins.stdout.trim()))!.title).toBe('from flag')
    expect(await board.listTasks()).toHaveLength(1)
  })
})
