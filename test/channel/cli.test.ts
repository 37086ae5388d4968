/**
 * `kanban` inside a subprocess handler goes through the worker's channel: the handlers
 * here get an unreachable KANBAN_REDIS_URL, so every call that works proves the CLI made
 * no Redis connection of its own. The output and exit codes are the CLI's usual ones
 * (0 ok, 1 refused, 2 bad input); another task's id is refused, never sent to Redis.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openBoard } from '../helpers/board.js'
import { run } from '../helpers/cli.js'
import { fileOf, scratch, startChannelWorker, waitFor } from './helpers.js'

const HANDLER = 'sh test/fixtures/channel-handler.sh'
const NO_REDIS = 'redis://127.0.0.1:1'

describe('kanban inside a handler', () => {
  it('reports through the channel, with no Redis connection, and only for its own task', { timeout: 120_000 }, async () => {
    const board = await openBoard('chcli', { autoEnqueue: true })
    const dir = scratch()
    const behaviors = ['ops', 'block', 'review', 'fail', 'other', 'secret'] as const
    // maxRetries 1: a counted failure parks the task, so each runs once
    const ids = Object.fromEntries(
      await Promise.all(behaviors.map(async (b) => [b, await board.createTask({ title: b, assignee: 'alpha', maxRetries: 1 })] as const)),
    ) as Record<(typeof behaviors)[number], string>
    const other = await board.createTask({ title: 'someone else', assignee: 'zeta' })
    for (const b of behaviors) writeFileSync(join(dir, `${ids[b]}.sh`), `behavior=${b}\nother=${other}\n`)
    const otherBefore = { task: await board.getTask(other), events: await board.events({ taskId: other }) }

    const { worker } = await startChannelWorker(board, HANDLER, { redisUrl: NO_REDIS, concurrency: 3, env: { DIR: dir } })
    await waitFor(
      async () => {
        const ts = await Promise.all(behaviors.map((b) => board.getTask(ids[b])))
        return ts.every((t) => t!.status !== 'ready' && t!.status !== 'running')
      },
      'every handler to report',
      90_000,
    )
    await waitFor(() => worker.running.length === 0, 'every handler to exit')

    const call = (b: (typeof behaviors)[number], n: number) => {
      const f = (ext: string) => readFileSync(join(dir, `${ids[b]}.${n}.${ext}`), 'utf8')
      return { code: Number(f('code')), out: f('out'), err: f('err') }
    }
    const runOf = async (id: string) => (await board.runs(id))[0]!

    // ops: context, heartbeat, comment, create, complete, each printed as usual
    const id = ids.ops
    const opsRun = await runOf(id)
    expect(call('ops', 1)).toMatchObject({ code: 0, out: `${id}  ops  (running, lane alpha)\nattempt ${opsRun.id}: open\n` })
    expect(call('ops', 2)).toMatchObject({ code: 0, out: expect.stringMatching(new RegExp(`^${id}: lease until \\d{4}-`)) })
    expect(call('ops', 3)).toMatchObject({ code: 0, out: expect.stringMatching(new RegExp(`^${id}: comment #\\d+\\n$`)) })
    const created = JSON.parse(call('ops', 4).out)
    expect(created).toMatchObject({ title: 'follow-up', assignee: 'zeta', parents: [id], createdBy: process.env.USER || os.userInfo().username })
    expect(JSON.parse(call('ops', 5).out)).toMatchObject({ ok: true, task: { id, status: 'done', result: 'done through the channel' } })
    expect(opsRun.outcome).toBe('completed')
    expect((await board.events({ taskId: id })).find((e) => e.kind === 'heartbeat')).toMatchObject({ runId: opsRun.id, payload: { note: 'half way' } })
    expect((await board.comments(id)).map((c) => [c.author, c.body])).toEqual([['ada', 'a note']])
    expect(await board.getTask(created.id)).toMatchObject({ status: 'ready' })

    // block: bad input is exit 2 with the library's message, then the block itself
    expect(call('block', 1)).toMatchObject({ code: 2, err: expect.stringMatching(/^kanban block: blockTask: reason: /) })
    expect(call('block', 2)).toMatchObject({ code: 0, out: `${ids.block}: blocked\n` })
    expect(await board.getTask(ids.block)).toMatchObject({ status: 'blocked', blockKind: 'needs_input', blockReason: 'needs a human' })

    expect(call('review', 1)).toMatchObject({ code: 0, out: `${ids.review}: review\n` })
    expect(await board.getTask(ids.review)).toMatchObject({ status: 'review', assignee: 'zeta' })

    // fail, then exit 3: one run, closed by the reported failure; no crash recorded on top
    expect(call('fail', 1)).toMatchObject({ code: 0, out: `${ids.fail}: breaker tripped at 1/1 (limit from task); status blocked\n` })
    expect((await board.runs(ids.fail)).map((r) => [r.outcome, r.error])).toEqual([['crashed', 'gave up']])

    // another task: refused by the channel (exit 1, both ids named), nothing written
    const own = await runOf(ids.other)
    const refusal = `task ${other} is not this handler's task (${ids.other}, run ${own.id}); nothing was written`
    expect(call('other', 1)).toEqual({ code: 1, out: '', err: `kanban complete: ${refusal}\n` })
    expect(call('other', 2)).toEqual({ code: 1, out: '', err: `kanban comment: ${refusal}\n` })
    expect(call('other', 3)).toMatchObject({ code: 0, out: `${ids.other}: done\n` })
    expect(await board.getTask(other)).toEqual(otherBefore.task)
    expect(await board.events({ taskId: other })).toEqual(otherBefore.events)

    // a wrong secret is refused; the right one works
    expect(call('secret', 1)).toMatchObject({ code: 1, err: expect.stringMatching(/^kanban complete: channel: wrong secret/) })
    expect(call('secret', 2)).toMatchObject({ code: 0, out: `${ids.secret}: done\n` })

    // after the run: the same channel and secret are refused (the worker still runs)
    const [path, secret, runId] = (await fileOf(join(dir, `${ids.secret}.env`))).trim().split('\n') as [string, string, string]
    const late = await run(['heartbeat', '--note', 'too late'], {
      env: {
        KANBAN_CHANNEL: path,
        KANBAN_CHANNEL_SECRET: secret,
        KANBAN_TASK: ids.secret,
        KANBAN_RUN_ID: runId,
        KANBAN_BOARD: board.name,
        KANBAN_REDIS_URL: NO_REDIS,
      },
    })
    expect(late).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `kanban heartbeat: channel: run ${runId} of task ${ids.secret} has ended (the handler exited); its secret is no longer valid\n`,
    })
  })
})
