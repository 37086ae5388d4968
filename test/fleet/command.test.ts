/**
 * The subprocess handler end to end (docs/fleet.md#subprocess-handlers), through the product's own container
 * entrypoints (dist/runtime/dispatcherMain.js, dist/runtime/workerMain.js): the worker runs
 * test/fixtures/fleet-command.sh per task, which reports through the `kanban` CLI (over
 * the worker's channel, docs/handler-protocol.md).
 * Exit 0 after `kanban complete` = done; exit 0 without a terminal call = protocol
 * violation; exit 75 = rate limited (neutral); exit 3 = crashed, with the output tail.
 */
import { describe, expect, it } from 'vitest'
import { eventsOf, fleetBoard, startCommandWorker, startEntrypointDispatcher, waitFor } from './fleet.js'

describe('fleet: subprocess handler', () => {
  it('maps the command and its exit code to one outcome each', { timeout: 90_000 }, async () => {
    const board = await fleetBoard('cmd')
    const create = (behavior: string) =>
      // maxRetries 1: a counted failure parks the task at once, so each runs exactly once
      board.createTask({ title: behavior, assignee: 'alpha', maxRetries: 1, metadata: { behavior } })
    const [ok, protocol, ratelimit, exit3] = await Promise.all(['ok', 'protocol', 'ratelimit', 'exit3'].map(create))
    const [worker] = await Promise.all([
      startCommandWorker(board, { command: 'sh test/fixtures/fleet-command.sh', concurrency: 4 }),
      startEntrypointDispatcher(board, { intervalMs: 150 }),
    ])

    const settled = async (id: string) => {
      const runs = await board.runs(id)
      return runs.length > 0 && runs.every((r) => r.outcome !== null)
    }
    await waitFor(async () => (await Promise.all([ok, protocol, ratelimit, exit3].map(settled))).every(Boolean), 'every command finished', {
      timeoutMs: 60_000,
      intervalMs: 100,
    })

    // ok: the CLI completed the run through the worker's channel, which counts as the
    // handler's terminal call: one run, completed, nothing recorded after exit 0.
    const done = (await board.getTask(ok))!
    expect(done.status).toBe('done')
    expect(done.result).toMatch(/^done by command pid \d+$/)
    expect((await board.runs(ok)).map((r) => r.outcome)).toEqual(['completed'])

    const p = (await board.getTask(protocol))!
    expect((await board.runs(protocol)).map((r) => r.outcome)).toEqual(['protocol_violation'])
    expect(p.status).toBe('blocked')
    expect(p.consecutiveFailures).toBe(1)
    expect((await eventsOf(board, protocol, 'gave_up'))[0]!.payload).toMatchObject({ triggerOutcome: 'protocol_violation' })

    const rlRuns = await board.runs(ratelimit)
    expect(rlRuns.map((r) => r.outcome)).toEqual(['rate_limited'])
    expect(rlRuns[0]!.error).toMatch(/provider says slow down/)
    const rl = (await board.getTask(ratelimit))!
    expect(rl.status).toBe('ready')
    expect(rl.consecutiveFailures).toBe(0)
    // the board's default cooldown (5 min) applies
    expect(rl.cooldownUntil).toBe(rlRuns[0]!.endedAt! + 300_000)

    const crashRuns = await board.runs(exit3)
    expect(crashRuns.map((r) => r.outcome)).toEqual(['crashed'])
    expect(crashRuns[0]!.error).toMatch(/exited 3/)
    expect(crashRuns[0]!.error).toMatch(/the last words before exit 3/)
    const c = (await board.getTask(exit3))!
    expect(c.status).toBe('blocked')
    expect(c.consecutiveFailures).toBe(1)

    // SIGTERM: the entrypoint stops cleanly.
    worker.signal('SIGTERM')
    expect((await worker.exited).code).toBe(0)
  })
})
