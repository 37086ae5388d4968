/**
 * The HTTP API's metrics (docs/operations.md#metrics): GET /metrics only when the app has
 * metrics, without a token; requests by route and status; writes by action and the
 * caller's role; reviews opened and resolved through the API, with their wait.
 */
import { describe, expect, it } from 'vitest'
import { createMetrics } from '../../src/index.js'
import { parseExposition, Scrape } from '../helpers/prom.js'
import { startApi } from './helpers.js'

const scrapeApp = async (api: Awaited<ReturnType<typeof startApi>>) => {
  const res = await api.call('GET', '/metrics', { as: null })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  return new Scrape(parseExposition(await res.text()))
}

describe('HTTP API: metrics', () => {
  it('has no /metrics without metrics', async () => {
    const api = await startApi({}, 'http-nometrics')
    expect((await api.call('GET', '/metrics', { as: null })).status).toBe(404)
  })

  it('counts requests by route and status, writes by action and role', async () => {
    const api = await startApi({ metrics: await createMetrics({ boardCacheMs: 0 }) }, 'http-metrics')
    const b = api.board.name
    const created = await api.json('POST', `${api.b}/tasks`, { as: 'operator', body: { title: 'x', assignee: 'coder' } })
    expect(created.status).toBe(201)
    expect((await api.call('GET', `${api.b}/tasks/${created.body.id}`, { as: 'viewer' })).status).toBe(200)
    expect((await api.call('GET', `${api.b}/tasks/nope`, { as: 'viewer' })).status).toBe(404)
    expect((await api.call('POST', `${api.b}/tasks`, { as: 'viewer', body: { title: 'y' } })).status).toBe(403)
    const s = await scrapeApp(api)
    const route = (r: string, status: string, method = 'GET') => s.get('kanban_http_request_duration_seconds_count', { method, route: r, status })
    expect(route('/api/boards/{board}/tasks', '201', 'POST')).toBe(1)
    expect(route('/api/boards/{board}/tasks', '403', 'POST')).toBe(1)
    expect(route('/api/boards/{board}/tasks/{id}', '200')).toBe(1)
    expect(route('/api/boards/{board}/tasks/{id}', '404')).toBe(1)
    // only successful writes are actions, labelled with the caller's role
    expect(s.matching('kanban_operator_actions_total')).toEqual([
      { name: 'kanban_operator_actions_total', labels: { board: b, action: 'createTask', role: 'operator' }, value: 1 },
    ])
    // the served boards' gauges, both boards
    expect(s.get('kanban_tasks', { board: b, status: 'ready' })).toBe(1)
    expect(s.get('kanban_tasks', { board: api.other.name, status: 'ready' })).toBe(0)
  })

  it('counts a review opened and resolved through the API, and how long it waited', async () => {
    const api = await startApi({ metrics: await createMetrics({ boardCacheMs: 0 }) }, 'http-metrics-review')
    const b = api.board.name
    const id = await api.board.createTask({ title: 'to review', assignee: 'coder' })
    const claim = await api.board.claimTask(id, { claimer: 'w' })
    const t0 = await api.board.now()
    const review = await api.call('POST', `${api.b}/tasks/${id}/review`, { as: 'operator', body: { summary: 'look', runId: claim!.runId } })
    expect(review.status, await review.text()).toBe(200)
    const s1 = await scrapeApp(api)
    expect(s1.get('kanban_human_blocks_opened_total', { board: b, kind: 'review' })).toBe(1)
    expect(s1.get('kanban_human_wait_tasks', { board: b, kind: 'review' })).toBe(1)
    // the reviewer sends it back: the wait on a person is over
    expect((await api.call('POST', `${api.b}/tasks/${id}/request-changes`, { as: 'operator', body: { reason: 'add a test' } })).status).toBe(200)
    const s2 = await scrapeApp(api)
    expect(s2.get('kanban_human_blocks_resolved_total', { board: b, kind: 'review' })).toBe(1)
    expect(s2.get('kanban_human_block_duration_seconds_count', { board: b, kind: 'review' })).toBe(1)
    expect(s2.get('kanban_human_block_duration_seconds_sum', { board: b, kind: 'review' })).toBeLessThanOrEqual(((await api.board.now()) - t0) / 1000)
    expect(s2.get('kanban_human_wait_tasks', { board: b, kind: 'review' })).toBe(0)
    // completing a task that waits on nobody resolves nothing
    const other = await api.board.createTask({ title: 'plain' })
    expect((await api.call('POST', `${api.b}/tasks/${other}/complete`, { as: 'operator', body: {} })).status).toBe(200)
    expect((await scrapeApp(api)).sum('kanban_human_blocks_resolved_total', { board: b })).toBe(1)
  })
})
