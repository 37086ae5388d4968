/**
 * Metrics of a live fleet (docs/operations.md#metrics): a worker process and the product's
 * dispatcher entrypoint, each with its own GET /metrics, and the HTTP server with the
 * board-wide gauges, scraped over HTTP and checked against the board.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createApp } from '../../src/http/app.js'
import { listen, type Listening } from '../../src/http/node.js'
import { createMetrics } from '../../src/index.js'
import type { Board } from '../../src/index.js'
import { redisUrl } from '../helpers/redis.js'
import { scrape, type Scrape } from '../helpers/prom.js'
import { fleetBoard, startEntrypointDispatcher, startWorker, waitFor } from './fleet.js'

const servers: Listening[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
})

/** `kanban serve`'s app with metrics on: GET /metrics, board-wide gauges read at every scrape */
async function serve(board: Board): Promise<string> {
  const metrics = await createMetrics({ boardCacheMs: 0 })
  const app = await createApp({ redis: redisUrl(), boards: [board.name], auth: { tokens: 'none' }, dashboardDir: null, metrics })
  const l = await listen(app, { port: 0, host: '127.0.0.1' })
  servers.push(l)
  return l.url.replace(/\/$/, '')
}

const delta = (a: Scrape, b: Scrape, name: string, labels: Record<string, string>) => b.sum(name, labels) - a.sum(name, labels)

describe('fleet: metrics', () => {
  it('after 50 completions the worker, the dispatcher and the server report them', { timeout: 90_000 }, async () => {
    const board = await fleetBoard('metrics')
    const b = board.name
    const dispatcher = await startEntrypointDispatcher(board, { env: { KANBAN_METRICS_PORT: '0' } })
    const dispatcherUrl = /"msg":"metrics"[^\n]*"url":"([^"]+)"/.exec(dispatcher.stderr)?.[1]
    expect(dispatcherUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
    const worker = await startWorker(board, { lanes: ['alpha'], concurrency: 4, metrics: true })
    const server = await serve(board)

    const w0 = await scrape(worker.metricsUrl!)
    const d0 = await scrape(dispatcherUrl!)
    const t0 = await board.now()
    for (let i = 0; i < 50; i++) await board.createTask({ title: `m${i}`, assignee: 'alpha', metadata: { behavior: 'ok' } })
    await waitFor(async () => (await board.stats()).byStatus.done === 50, '50 completions', { timeoutMs: 60_000 })

    const w1 = await scrape(worker.metricsUrl!)
    const alpha = { board: b, lane: 'alpha' }
    expect(delta(w0, w1, 'kanban_runs_finished_total', { ...alpha, outcome: 'completed' })).toBe(50)
    expect(delta(w0, w1, 'kanban_runs_finished_total', alpha)).toBe(50)
    expect(delta(w0, w1, 'kanban_runs_started_total', alpha)).toBe(50)
    expect(delta(w0, w1, 'kanban_transitions_total', { board: b, from: 'ready', to: 'running' })).toBe(50)
    expect(delta(w0, w1, 'kanban_transitions_total', { board: b, from: 'running', to: 'done' })).toBe(50)
    expect(delta(w0, w1, 'kanban_run_duration_seconds_count', { ...alpha, outcome: 'completed' })).toBe(50)
    expect(delta(w0, w1, 'kanban_ready_wait_seconds_count', alpha)).toBe(50)
    expect(delta(w0, w1, 'kanban_task_lead_time_seconds_count', { board: b })).toBe(50)
    // a wait is never negative, and no task waited longer than the test has run
    const elapsed = ((await board.now()) - t0) / 1000
    expect(w1.sum('kanban_ready_wait_seconds_sum', alpha)).toBeLessThanOrEqual(50 * elapsed)
    expect(w1.sum('kanban_task_lead_time_seconds_sum', { board: b })).toBeGreaterThan(0)
    expect(delta(w0, w1, 'kanban_fencing_refusals_total', { board: b })).toBe(0)
    expect(w1.get('kanban_build_info', { version: '0.1.0' })).toBe(1)

    // the dispatcher enqueued each task once, and is this board's leader (it ran the last tick)
    const d1 = await scrape(dispatcherUrl!)
    expect(delta(d0, d1, 'kanban_dispatch_decisions_total', { board: b, decision: 'enqueued' })).toBe(50)
    expect(delta(d0, d1, 'kanban_dispatcher_tick_duration_seconds_count', { board: b })).toBeGreaterThan(0)
    expect(d1.get('kanban_dispatcher_leader', { board: b })).toBe(1)
    expect(d1.sum('kanban_runs_started_total')).toBe(0)

    // the board-wide gauges come from the server alone
    const s = await scrape(`${server}/metrics`)
    expect(s.get('kanban_tasks', { board: b, status: 'done' })).toBe(50)
    expect(s.get('kanban_tasks', { board: b, status: 'ready' })).toBe(0)
    expect(s.get('kanban_live_workers', { board: b, lane: 'alpha' })).toBe(1)
    expect(s.get('kanban_running_tasks', { board: b, lane: 'alpha' })).toBe(0)
    expect(s.get('kanban_event_stream_length', { board: b })).toBe(await board.redis.xlen(board.keys.events))
    const lastTick = s.get('kanban_dispatcher_last_tick_timestamp_seconds', { board: b })!
    expect(lastTick * 1000).toBeGreaterThanOrEqual(t0)
    expect(lastTick * 1000).toBeLessThanOrEqual(await board.now())
    expect(w1.sum('kanban_tasks')).toBe(0) // a worker does not report board-wide gauges
  })

  it('a sticky block shows in the human-wait gauge, and its resolution through the API is counted', { timeout: 60_000 }, async () => {
    const board = await fleetBoard('metrics-human')
    const b = board.name
    const server = await serve(board)
    const people = await board.createTask({ title: 'needs a person', assignee: 'people' })
    const nobody = await board.createTask({ title: 'no worker serves this lane', assignee: 'nobody' })
    const readyAt = await board.now()

    const before = await board.now()
    const blocked = await fetch(`${server}/api/boards/${b}/tasks/${people}/block`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'which database?', kind: 'needs_input' }),
    })
    expect(blocked.status).toBe(200)
    const after = await board.now()

    const s1 = await scrape(`${server}/metrics`)
    expect(s1.get('kanban_human_wait_tasks', { board: b, kind: 'sticky_block' })).toBe(1)
    expect(s1.get('kanban_human_wait_tasks', { board: b, kind: 'review' })).toBe(0)
    const oldest = s1.get('kanban_human_wait_oldest_timestamp_seconds', { board: b, kind: 'sticky_block' })! * 1000
    expect(oldest).toBeGreaterThanOrEqual(before)
    expect(oldest).toBeLessThanOrEqual(after)
    expect(s1.get('kanban_human_blocks_opened_total', { board: b, kind: 'sticky_block' })).toBe(1)
    expect(s1.get('kanban_breaker_parked_tasks', { board: b })).toBe(0)
    // a ready task in a lane no worker serves: a ready count, its age, and no live worker
    expect(s1.get('kanban_ready_tasks', { board: b, lane: 'nobody' })).toBe(1)
    expect(s1.get('kanban_ready_oldest_timestamp_seconds', { board: b, lane: 'nobody' })! * 1000).toBeLessThanOrEqual(readyAt)
    expect(s1.get('kanban_live_workers', { board: b, lane: 'nobody' })).toBeUndefined()
    expect(s1.get('kanban_ready_tasks', { board: b, lane: 'people' })).toBe(0)
    expect(nobody).toBeTruthy()

    const unblocked = await fetch(`${server}/api/boards/${b}/tasks/${people}/unblock`, { method: 'POST' })
    expect(unblocked.status).toBe(200)
    const s2 = await scrape(`${server}/metrics`)
    expect(s2.get('kanban_human_wait_tasks', { board: b, kind: 'sticky_block' })).toBe(0)
    expect(s2.get('kanban_human_wait_oldest_timestamp_seconds', { board: b, kind: 'sticky_block' })).toBeUndefined()
    expect(s2.get('kanban_human_blocks_resolved_total', { board: b, kind: 'sticky_block' })).toBe(1)
    expect(s2.get('kanban_human_block_duration_seconds_count', { board: b, kind: 'sticky_block' })).toBe(1)
    expect(s2.get('kanban_human_block_duration_seconds_sum', { board: b, kind: 'sticky_block' })).toBeLessThanOrEqual(((await board.now()) - before) / 1000)
    expect(s2.get('kanban_operator_actions_total', { board: b, action: 'unblockTask', role: 'admin' })).toBe(1)
    expect(s2.get('kanban_operator_actions_total', { board: b, action: 'blockTask', role: 'admin' })).toBe(1)
    expect(s2.get('kanban_http_request_duration_seconds_count', { method: 'POST', route: '/api/boards/{board}/tasks/{id}/unblock', status: '200' })).toBe(1)
    // the unblocked task is ready again in its lane
    expect(s2.get('kanban_ready_tasks', { board: b, lane: 'people' })).toBe(1)
  })

  it("a worker's failures, breaker trips and blocks are counted, and the server shows the parked tasks", { timeout: 90_000 }, async () => {
    const board = await fleetBoard('metrics-fail')
    const b = board.name
    await startEntrypointDispatcher(board)
    const worker = await startWorker(board, { lanes: ['alpha'], concurrency: 4, metrics: true })
    const server = await serve(board)
    // maxRetries 1: the first counted failure trips the breaker
    for (let i = 0; i < 3; i++) await board.createTask({ title: `crash${i}`, assignee: 'alpha', maxRetries: 1, metadata: { behavior: 'throw' } })
    await board.createTask({ title: 'asks a person', assignee: 'alpha', metadata: { behavior: 'block' } })
    await waitFor(async () => (await board.stats()).byStatus.blocked === 4, 'three parked, one blocked', { timeoutMs: 60_000 })

    const w = await scrape(worker.metricsUrl!)
    expect(w.get('kanban_runs_finished_total', { board: b, lane: 'alpha', outcome: 'crashed' })).toBe(3)
    expect(w.get('kanban_runs_finished_total', { board: b, lane: 'alpha', outcome: 'blocked' })).toBe(1)
    expect(w.get('kanban_breaker_trips_total', { board: b })).toBe(3)
    expect(w.get('kanban_transitions_total', { board: b, from: 'running', to: 'blocked' })).toBe(4)
    expect(w.get('kanban_human_blocks_opened_total', { board: b, kind: 'sticky_block' })).toBe(1)
    const s = await scrape(`${server}/metrics`)
    expect(s.get('kanban_breaker_parked_tasks', { board: b })).toBe(3)
    expect(s.get('kanban_human_wait_tasks', { board: b, kind: 'sticky_block' })).toBe(1)
  })
})
