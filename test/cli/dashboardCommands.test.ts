/**
 * "Copy as CLI command" in the dashboard: every command the page offers
 * (dashboard/src/actions.ts) is run as a shell runs it — `kanban` on the PATH, the compiled
 * CLI — against a real board, and must do what the page's own API calls do.
 */
import { spawn } from 'node:child_process'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ACTIONS, bulkCli, cliLine, initialValues, plan, type ActionName, type Values } from '../../dashboard/src/actions.js'
import type { BulkRequest } from '../../dashboard/src/types.js'
import type { Board, Task } from '../../src/index.js'
import { openBoard } from '../helpers/board.js'
import { CLI, cleanEnv } from '../helpers/cli.js'
import { redisUrl } from '../helpers/redis.js'

let bin: string
beforeAll(async () => {
  bin = await mkdtemp(path.join(os.tmpdir(), 'kanban-bin-'))
  await writeFile(path.join(bin, 'kanban'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`)
  await chmod(path.join(bin, 'kanban'), 0o755)
})
afterAll(async () => {
  await rm(bin, { recursive: true, force: true })
})

function sh(line: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = cleanEnv({ KANBAN_REDIS_URL: redisUrl(), PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` })
    const child = spawn('/bin/sh', ['-c', line], { env, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stderr }))
  })
}

/** The page's command for an action on a task, run by a shell; expects exit 0. */
async function runAction(board: Board, name: ActionName, id: string, values: Values = {}): Promise<Task> {
  const t = (await board.getTask(id))!
  const line = cliLine(plan(ACTIONS[name], t, { ...initialValues(ACTIONS[name], t, t.maxRetries ?? 2), ...values }, board.name, 'ada'))
  const r = await sh(line)
  expect(r.code, `${line}\n${r.stderr}`).toBe(0)
  return (await board.getTask(id))!
}

describe('the dashboard’s CLI commands run and do what the page does', () => {
  it('unblock with a note, specify, raise the limit, request changes', async () => {
    const board = await openBoard('web-cli')
    const held = await board.createTask({ title: 'held', initialStatus: 'blocked' })
    const vague = await board.createTask({ title: 'vague', triage: true })
    const flaky = await board.createTask({ title: 'flaky', maxRetries: 1 })
    const run = (await board.claimTask(flaky, { claimer: 'w' }))!.runId
    expect((await board.recordFailure(flaky, { runId: run, outcome: 'crashed', error: 'boom' })).tripped).toBe(true)
    const reviewed = await board.createTask({ title: 'reviewed' })
    await board.claimTask(reviewed, { claimer: 'w' })
    expect(await board.requestReview(reviewed)).toBe(true)

    const [a, b, c, d] = await Promise.all([
      runAction(board, 'unblock', held, { note: "the key's in the vault" }),
      runAction(board, 'specify', vague, { title: 'Precise title', assignee: 'writer' }),
      runAction(board, 'raise-limit', flaky),
      runAction(board, 'request-changes', reviewed, { reason: 'add tests' }),
    ])
    expect([a.status, a.sticky]).toEqual(['ready', false])
    expect(await board.comments(held)).toMatchObject([{ author: 'ada', body: "the key's in the vault" }])
    expect(b).toMatchObject({ status: 'ready', title: 'Precise title', assignee: 'writer' })
    expect(c).toMatchObject({ status: 'blocked', maxRetries: 2 })
    await board.recomputeReady()
    expect((await board.getTask(flaky))!.status).toBe('ready')
    expect(d.status).toBe('ready')
  })

  it('promote (forced), reclaim, complete, block, assign, comment, archive, delete, and a bulk operation by filter', async () => {
    const board = await openBoard('web-cli')
    const parent = await board.createTask({ title: 'parent' })
    const child = await board.createTask({ title: 'child', parents: [parent] })
    const running = await board.createTask({ title: 'running' })
    await board.claimTask(running, { claimer: 'w' })
    const [done, blocked, moved, talked, archived, gone] = await Promise.all(
      ['done', 'blocked', 'moved', 'talked', 'archived', 'gone'].map((title) => board.createTask({ title })),
    )
    const bulk = await Promise.all(['b1', 'b2'].map((title) => board.createTask({ title, assignee: 'legal', initialStatus: 'blocked' })))
    const elsewhere = await board.createTask({ title: 'b3', assignee: 'ops', initialStatus: 'blocked' })

    const results = await Promise.all([
      runAction(board, 'promote', child!, { force: true, reason: 'hotfix' }),
      runAction(board, 'reclaim', running, { reason: 'stuck' }),
      runAction(board, 'complete', done!, { result: 'by hand' }),
      runAction(board, 'block', blocked!, { reason: 'wait for legal', kind: 'needs_input' }),
      runAction(board, 'assign', moved!, { assignee: 'reviewer' }),
      runAction(board, 'comment', talked!, { body: 'looks good' }),
      runAction(board, 'archive', archived!),
    ])
    expect(results.map((t) => t.status)).toEqual(['ready', 'ready', 'done', 'blocked', 'ready', 'ready', 'archived'])
    expect(results[2]!.result).toBe('by hand')
    expect(results[3]).toMatchObject({ sticky: true, blockReason: 'wait for legal', blockKind: 'needs_input' })
    expect(results[4]!.assignee).toBe('reviewer')
    expect(await board.comments(talked!)).toMatchObject([{ author: 'ada', body: 'looks good' }])

    const del = await sh(cliLine(plan(ACTIONS.delete, (await board.getTask(gone!))!, {}, board.name, 'ada')))
    expect(del.code, del.stderr).toBe(0)
    expect(await board.getTask(gone!)).toBeNull()

    // the bulk bar's command: its dry run writes nothing, then it does what POST …/bulk does
    const req: BulkRequest = { op: 'unblock', filter: { status: ['blocked'], lane: 'legal' } }
    const dry = await sh(bulkCli({ ...req, dryRun: true }, board.name, 'ada'))
    expect(dry.code, dry.stderr).toBe(0)
    for (const id of bulk) expect((await board.getTask(id))!.status).toBe('blocked')
    const real = await sh(bulkCli(req, board.name, 'ada'))
    expect(real.code, real.stderr).toBe(0)
    for (const id of bulk) expect((await board.getTask(id))!.status).toBe('ready')
    expect((await board.getTask(elsewhere))!.status).toBe('blocked')
    expect((await board.events({ taskId: bulk[0]! })).at(-1)).toMatchObject({ kind: 'unblocked', actor: 'ada', payload: { bulk: 'unblock' } })
  })

  it('re-run a done task, then with its whole subtree', async () => {
    const board = await openBoard('web-cli')
    const build = await board.createTask({ title: 'build' })
    const test = await board.createTask({ title: 'test', parents: [build] })
    const ship = await board.createTask({ title: 'ship', parents: [test] })
    for (const id of [build, test, ship]) expect(await board.completeTask(id)).toBe(true)

    // the task alone: its child's work stands, but waits for it again
    const alone = await runAction(board, 'rerun', test, { reason: 'flaky run' })
    expect(alone.status).toBe('ready')
    expect((await board.getTask(ship))!.status).toBe('done')
    expect((await board.events({ taskId: test })).at(-1)).toMatchObject({ kind: 'reopened', actor: 'ada', payload: { reason: 'flaky run' } })
    expect(await board.completeTask(test)).toBe(true)

    // the whole subtree: every done descendant reopens
    const all = await runAction(board, 'rerun', build, { subtree: true })
    expect(all.status).toBe('ready')
    expect((await board.getTask(test))!.status).toBe('todo')
    expect((await board.getTask(ship))!.status).toBe('todo')
    expect((await board.events({ taskId: ship })).at(-1)).toMatchObject({ kind: 'reopened', actor: 'ada', payload: { root: build } })
  })
})
