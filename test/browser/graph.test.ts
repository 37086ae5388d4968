/**
 * The Graph view at 5,000 tasks, in real Chromium against a real `kanban serve`: the board's
 * graph opens bounded (300 tasks) and grows by "load more" to 5,000; ELK lays it out in its
 * worker while the page keeps answering; a task's neighbourhood shows the path that holds it
 * back. (No timing is asserted: what is checked is that it gets there and stays usable.)
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CreateNodeInput } from '../../src/index.js'
import { openBoard } from '../helpers/board.js'
import { chromiumMissing, inCI, launch, serve, shot, signIn } from './harness.js'

const FLOWS = 50
const PER_FLOW = 100
const WAIT = { timeout: 240_000 }

describe.skipIf(chromiumMissing !== null && !inCI)('the Graph view at 5,000 tasks', () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await launch()
  })
  afterAll(async () => {
    await browser?.close()
  })

  it('grows from a bounded first read to 5,000 tasks on demand and stays responsive', { timeout: 600_000 }, async () => {
    const board = await openBoard('web-graph')
    // 50 flows of 100 steps, each step after the one before and, every fifth, the third before too
    const nodes: CreateNodeInput[] = []
    for (let f = 0; f < FLOWS; f++)
      for (let j = 0; j < PER_FLOW; j++)
        nodes.push({
          ref: `f${f}s${j}`,
          title: `flow ${f} step ${j}`,
          assignee: `lane${f % 5}`,
          dependsOn: j === 0 ? [] : j % 5 === 0 && j >= 3 ? [`f${f}s${j - 1}`, `f${f}s${j - 3}`] : [`f${f}s${j - 1}`],
        })
    const ids = await board.createTasks(nodes)
    expect(Object.keys(ids)).toHaveLength(FLOWS * PER_FLOW)
    // the first step of flow 7 waits for a person: what holds step 15 back is the path up to it
    expect(await board.blockTask(ids.f7s0!, { reason: 'needs a decision', kind: 'needs_input' })).toBe(true)
    const server = await serve(board.name)

    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    try {
      await signIn(page, server, 'viewer')
      await page.getByRole('link', { name: 'Graph', exact: true }).click()
      const summary = page.locator('.graph-view .summary')
      await summary.filter({ hasText: /^300 tasks, \d+ edges — more beyond/ }).waitFor(WAIT)
      await page.locator('.gnode').first().waitFor(WAIT)

      for (const step of ['1,000', '2,500', '5,000']) {
        await page.getByRole('button', { name: `Load more (up to ${step})` }).click()
        await summary.filter({ hasText: new RegExp(`^${step.replace(',', '')} tasks`) }).waitFor(WAIT)
        // while ELK works in its worker, the page still answers: the zoom buttons move the view
        await page.getByRole('button', { name: 'Zoom in' }).click()
      }
      await summary.filter({ hasText: /^5000 tasks, \d+ edges$/ }).waitFor(WAIT)
      await page.locator('.gnode').first().waitFor(WAIT)
      // only what is in view is drawn
      expect(await page.locator('.gnode').count()).toBeLessThan(5000)
      expect(await page.getByRole('button', { name: /Load more/ }).count()).toBe(0)
      await shot(page, '10-graph-5000')

      // around one task: the blocking path up to the person-blocked first step
      await page.getByLabel('Around task').fill(ids.f7s15!)
      await page.getByRole('button', { name: 'Show' }).click()
      const path = page.locator('.blocking-list li')
      await path.filter({ hasText: ids.f7s0! }).waitFor(WAIT)
      await page.locator(`.gnode.on-path[data-task="${ids.f7s0}"]`).waitFor(WAIT)
      await shot(page, '11-graph-blocking-path')
      expect(errors).toEqual([])
    } catch (e) {
      await shot(page, 'graph-failure').catch(() => undefined)
      throw e
    } finally {
      await context.close()
    }
  })
})
