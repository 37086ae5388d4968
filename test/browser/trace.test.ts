/**
 * The run timeline's trace label (docs/tracing.md#what-is-stored): a run with a trace
 * context shows `trace` and its trace id's first 8 digits, the whole id on hover; a run
 * without one shows none. Real Chromium against a real `kanban serve`.
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { extraConnection, openBoard } from '../helpers/board.js'
import { chromiumMissing, inCI, launch, serve, shot, signIn } from './harness.js'

const WAIT = { timeout: 60_000 }

describe.skipIf(chromiumMissing !== null && !inCI)('the run timeline in Chromium', () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await launch()
  })
  afterAll(async () => {
    await browser?.close()
  })

  it('labels a traced run with its trace id', { timeout: 120_000 }, async () => {
    const board = await openBoard('web-trace')
    const id = await board.createTask({ title: 'Traced' })
    const traced = (await board.claimTask(id, { claimer: 'w' }))!.runId
    await board.recordFailure(id, { runId: traced, outcome: 'crashed', error: 'x' })
    const plain = (await board.claimTask(id, { claimer: 'w' }))!.runId
    await board.completeTask(id, { runId: plain })
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
    await extraConnection().hset(board.keys.run(traced), 'tp', `00-${traceId}-00f067aa0ba902b7-01`)
    expect((await board.runs(id)).map((r) => r.traceId)).toEqual([traceId, null])

    const server = await serve(board.name)
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } })
    try {
      const page = await context.newPage()
      await signIn(page, server, 'viewer')
      await page.goto(`${server.url}/#/${board.name}/task/${id}`)
      const label = page.locator(`table.timeline tr[data-run="${traced}"] span.trace`)
      await label.waitFor(WAIT)
      expect(await label.innerText()).toBe('trace 4bf92f35')
      expect(await label.getAttribute('title')).toBe(`OpenTelemetry trace ${traceId}`)
      expect(await label.getAttribute('data-trace')).toBe(traceId)
      expect(await page.locator(`table.timeline tr[data-run="${plain}"] span.trace`).count()).toBe(0)
      await shot(page, 'trace-label')
    } finally {
      await context.close()
    }
  })
})
