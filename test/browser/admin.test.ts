/**
 * The rest of what a person does from the page, in real Chromium against a real `kanban
 * serve`: an admin's bulk unblock by filter shows its dry-run count before it applies; raising a
 * breaker-blocked task's limit and specifying a triage task from "Needs you"; the board's
 * server-side search with qualifiers.
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openBoard } from '../helpers/board.js'
import { chromiumMissing, inCI, launch, serve, shot, signIn } from './harness.js'

const WAIT = { timeout: 60_000 }

describe.skipIf(chromiumMissing !== null && !inCI)('the dashboard for an admin', () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await launch()
  })
  afterAll(async () => {
    await browser?.close()
  })

  it('bulk unblock after a dry-run count, raise the limit, specify, search', { timeout: 180_000 }, async () => {
    const board = await openBoard('web-admin')
    const held = await Promise.all(
      [
        ['legal sign-off', 'legal'],
        ['contract sign-off', 'legal'],
        ['security review', 'security'],
      ].map(([title, assignee]) => board.createTask({ title: title!, assignee: assignee!, initialStatus: 'blocked' })),
    )
    const flaky = await board.createTask({ title: 'Upload the artefacts', assignee: 'uploader', maxRetries: 1 })
    const run = (await board.claimTask(flaky, { claimer: 'w1' }))!.runId
    expect((await board.recordFailure(flaky, { runId: run, outcome: 'crashed', error: 'connection reset' })).tripped).toBe(true)
    const vague = await board.createTask({ title: 'Do the thing', triage: true })
    await board.createTask({ title: 'Tenant task', tenant: 'acme', assignee: 'coder' })
    const server = await serve(board.name)

    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    try {
      await signIn(page, server, 'admin')
      for (const id of held) await page.locator(`li.need[data-task="${id}"]`).waitFor(WAIT)

      // bulk by filter: unblock the blocked tasks of lane legal (two of the three held)
      const bulk = page.getByRole('region', { name: 'Bulk actions' })
      await bulk.getByLabel('Lane').fill('legal')
      expect(await bulk.getByRole('button', { name: 'Copy as CLI command' }).getAttribute('data-copy')).toBe(
        `kanban --board ${board.name} bulk unblock --status blocked --lane legal --actor ada`,
      )
      await bulk.getByRole('button', { name: 'Dry run' }).click()
      await bulk.getByRole('status').filter({ hasText: 'would unblock 2 of 2 matched' }).waitFor(WAIT)
      expect((await board.getTask(held[0]!))!.status).toBe('blocked')
      await shot(page, '12-bulk-dry-run')
      // a changed filter needs a new dry run before it is offered
      await bulk.getByLabel('Status').selectOption('all three')
      expect(await bulk.getByRole('button', { name: 'unblock 2' }).count()).toBe(0)
      await bulk.getByLabel('Status').selectOption('blocked')
      await bulk.getByRole('button', { name: 'Dry run' }).click()
      await bulk.getByRole('button', { name: 'unblock 2' }).click()
      for (const id of held.slice(0, 2)) await page.locator(`li.need[data-task="${id}"]`).waitFor({ state: 'detached', ...WAIT })
      await page.locator(`li.need[data-task="${held[2]}"]`).waitFor(WAIT)

      // raise the limit of the breaker-blocked task: proposed one above its failures
      const breaker = page.locator(`li.need[data-task="${flaky}"]`)
      expect(await breaker.innerText()).toContain('connection reset')
      await breaker.getByRole('button', { name: 'Raise the limit' }).click()
      const raise = breaker.getByRole('form', { name: `Raise the limit ${flaky}` })
      expect(await raise.getByLabel('New failure limit *').inputValue()).toBe('2')
      expect(await raise.locator('code').innerText()).toBe(`kanban --board ${board.name} update ${flaky} --max-retries 2`)
      await raise.locator('button[type=submit]').click()
      await expect.poll(async () => (await board.getTask(flaky))!.maxRetries, WAIT).toBe(2)

      // specify the triage task: out of triage with a lane
      const triage = page.locator(`li.need[data-task="${vague}"]`)
      await triage.getByRole('button', { name: 'Specify' }).click()
      const form = triage.getByRole('form', { name: `Specify ${vague}` })
      await form.getByLabel('Title').fill('Write the migration guide')
      await form.getByLabel('Lane').fill('writer')
      await form.locator('button[type=submit]').click()
      await triage.waitFor({ state: 'detached', ...WAIT })
      expect(await board.getTask(vague)).toMatchObject({ status: 'ready', title: 'Write the migration guide', assignee: 'writer' })

      // the board's search: status: picks the columns, the server filters
      await page.getByRole('link', { name: 'Board', exact: true }).click()
      await page.getByRole('searchbox', { name: 'Search tasks' }).fill('status:ready,blocked tenant:acme')
      await page.getByRole('button', { name: 'Search' }).click()
      const columns = page.locator('section.column')
      await expect.poll(() => columns.evaluateAll((cs) => cs.map((c) => c.getAttribute('data-status'))), WAIT).toEqual(['ready', 'blocked'])
      await page.locator('section.column[data-status="ready"] li.card').filter({ hasText: 'Tenant task' }).waitFor(WAIT)
      expect(await page.locator('li.card').count()).toBe(1)
      expect(await page.locator('section.column[data-status="blocked"] .count').innerText()).toBe('0')
      await shot(page, '13-board-search')
      expect(errors).toEqual([])
    } catch (e) {
      await shot(page, 'admin-failure').catch(() => undefined)
      throw e
    } finally {
      await context.close()
    }
  })
})
