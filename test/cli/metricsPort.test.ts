/**
 * `kanban worker --metrics-port` and `kanban dispatcher --metrics-port` (docs/operations.md#metrics):
 * the bundled CLI loads prom-client's chunk and serves the process's own GET /metrics,
 * whose counters follow the work it did; a bad port is a usage error.
 */
import { describe, expect, it } from 'vitest'
import { openBoard } from '../helpers/board.js'
import { CLI, on, run, startKanban, type Running } from '../helpers/cli.js'
import { scrape } from '../helpers/prom.js'

const metricsUrl = async (p: Running) => {
  await p.waitFor(/"msg":"metrics"/, 'stderr', 30_000)
  return /"msg":"metrics"[^\n]*"url":"([^"]+)"/.exec(p.stderr())![1]!
}

describe('kanban worker | dispatcher --metrics-port', () => {
  it('refuses a port that is not one', async () => {
    const r = await run(['worker', '--lane', 'a', '--command', 'true', '--metrics-port', '70000'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--metrics-port: expected a port from 0 to 65535, got 70000/)
  })

  it("serves each process's own metrics, which count the runs the worker did", { timeout: 90_000 }, async () => {
    const board = await openBoard('cli-metrics')
    const cmd = `"${process.execPath}" "${CLI}" complete --result ok`
    const dispatcher = startKanban(['dispatcher', '--interval-ms', '200', '--metrics-port', '0', ...on(board.name)])
    const worker = startKanban(['worker', '--lane', 'coder', '--command', cmd, '--concurrency', '2', '--metrics-port', '0', ...on(board.name)])
    const [dUrl, wUrl] = await Promise.all([metricsUrl(dispatcher), metricsUrl(worker)])
    for (let i = 0; i < 3; i++) await board.createTask({ title: `t${i}`, assignee: 'coder' })
    const end = Date.now() + 60_000
    while ((await board.stats()).byStatus.done < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 200))
    const w = await scrape(wUrl)
    expect(w.get('kanban_runs_finished_total', { board: board.name, lane: 'coder', outcome: 'completed' })).toBe(3)
    expect(w.get('kanban_build_info', { version: '0.1.0' })).toBe(1)
    const d = await scrape(dUrl)
    expect(d.sum('kanban_dispatch_decisions_total', { board: board.name, decision: 'enqueued' })).toBe(3)
    expect(d.get('kanban_dispatcher_leader', { board: board.name })).toBe(1)
    expect(d.sum('kanban_runs_started_total')).toBe(0)
  })
})
