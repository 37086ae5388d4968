/**
 * What stays live without a reload, in real Chromium against a real `kanban serve`: the Fleet
 * view, from the fleet the server pushes on the event stream (docs/dashboard.md#fleet) — a
 * worker started in this test process announcing a lane no task has appears, a task on it is
 * counted ready then running once a tick dispatches it, the last tick shows who ran it, and
 * the worker leaves — and Re-run on a done task's page, alone and with its subtree, its child
 * going back to "to do" and the events naming the operator. Screenshots: test-artifacts/browser/.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Worker, type Board } from '../../src/index.js'
import { openBoard } from '../helpers/board.js'
import { chromiumMissing, inCI, launch, serve, shot, signIn, TOKENS } from './harness.js'

const WAIT = { timeout: 60_000 }

if (chromiumMissing && !inCI) console.warn(`[browser] skipping the live dashboard tests: ${chromiumMissing}`)

/** A ready task done by hand: claimed and completed through the library. */
async function finish(board: Board, id: string): Promise<void> {
  const claim = await board.claimTask(id, { claimer: 'test-hand' })
  expect(claim, `claim ${id}`).not.toBeNull()
  expect(await board.completeTask(id, { runId: claim!.runId, result: 'ok' })).toBe(true)
}

const notReloaded = (page: Page) => page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true))
const stillSamePage = (page: Page) => page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)

describe.skipIf(chromiumMissing !== null && !inCI)('the dashboard, live', () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await launch()
  })
  afterAll(async () => {
    await browser?.close()
  })

  async function onPage(name: string, steps: (page: Page) => Promise<void>): Promise<void> {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    try {
      await steps(page)
      expect(errors, 'uncaught errors in the page').toEqual([])
    } catch (e) {
      await shot(page, `${name}-failure`).catch(() => undefined)
      throw e
    } finally {
      await context.close()
    }
  }

  it("the Fleet view follows a worker, a lane's counts and the dispatcher's ticks without reloading", { timeout: 180_000 }, async () => {
    const board = await openBoard('web-live')
    const server = await serve(board.name)
    let worker: Worker | null = null
    let release!: () => void
    const held = new Promise<void>((r) => (release = r))
    try {
      await onPage('fleet-live', async (page) => {
        await signIn(page, server, 'viewer')
        await page.getByRole('link', { name: 'Fleet', exact: true }).click()
        await page.locator('.dispatcher .last-tick').waitFor(WAIT)
        expect(await page.locator('.last-tick').innerText()).toBe('none recorded')
        expect(await page.locator('table.workers').count()).toBe(0)
        // nothing to press: the view is live
        expect(await page.getByRole('button', { name: 'Read again' }).count()).toBe(0)
        await expect.poll(() => page.locator('.view-head .summary').getAttribute('data-live'), WAIT).toBe('live')
        await notReloaded(page)

        // a worker in this process announces a lane no task has: no event is written for it
        worker = await new Worker({ board, lanes: ['fresh-lane'], name: 'live-announcer', handler: () => held }).start()
        const row = page.locator('table.workers tr[data-name="live-announcer"]')
        await row.waitFor(WAIT)
        expect(await row.innerText()).toContain('fresh-lane')
        const lane = page.locator('table.lanes tr[data-lane="fresh-lane"]')
        await expect.poll(() => lane.locator('td.workers').innerText(), WAIT).toMatch(/^1 \(1 slot\), seen /)
        expect(await lane.locator('td.ready').innerText()).toBe('0')
        await shot(page, 'live-01-fleet-worker-appears')

        // a task on the lane is counted ready; a tick hands it to the worker: running, and the tick is shown
        await board.createTask({ title: 'Fresh work', assignee: 'fresh-lane' })
        await expect.poll(() => lane.locator('td.ready').innerText(), WAIT).toBe('1')
        await board.dispatchOnce({ holder: 'tick-from-the-test' })
        await expect.poll(() => page.locator('.last-tick').innerText(), WAIT).toMatch(/ago \(.+\) by tick-from-the-test$/)
        await expect.poll(() => lane.locator('td.running').innerText(), WAIT).toBe('1')
        expect(await lane.locator('td.ready').innerText()).toBe('0')
        await shot(page, 'live-02-fleet-running-and-tick')

        // the worker stops: it leaves the list
        release()
        await worker!.close()
        worker = null
        await row.waitFor({ state: 'detached', ...WAIT })
        // whatever became of the task it held, the lane has no worker now
        await expect.poll(() => lane.locator('td.workers').innerText(), WAIT).toMatch(/^none/)
        await shot(page, 'live-03-fleet-worker-gone')
        expect(await stillSamePage(page)).toBe(true)
      })
    } finally {
      release()
      await (worker as Worker | null)?.close()
    }
  })

  it('Re-run on a done task, alone and with its subtree: the task and its child go back live, the events name the operator', { timeout: 180_000 }, async () => {
    const board = await openBoard('web-rerun')
    const build = await board.createTask({ title: 'Build the site', assignee: 'build' })
    const publish = await board.createTask({ title: 'Publish the site', assignee: 'publish', parents: [build] })
    await finish(board, build)
    expect((await board.getTask(publish))!.status).toBe('ready')
    const server = await serve(board.name)

    await onPage('rerun', async (page) => {
      page.on('dialog', (d) => void d.accept())
      await signIn(page, server, 'operator')
      await page.goto(`${server.url}/#/${board.name}/task/${build}`)
      const article = (status: string) => page.locator(`article.task[data-task="${build}"][data-status="${status}"]`)
      const child = (status: string) => page.locator(`ul.briefs li[data-task="${publish}"][data-status="${status}"]`)
      await article('done').waitFor(WAIT)
      await child('ready').waitFor(WAIT)
      await notReloaded(page)
      const actions = page.getByRole('group', { name: `Actions on ${build}` })

      // alone: the task reopens, and its child, not started, waits for it again
      await actions.getByRole('button', { name: 'Re-run' }).click()
      const form = page.getByRole('form', { name: `Re-run ${build}` })
      await form.getByLabel('Reason').fill('the CDN settings changed')
      expect(await form.locator('code').innerText()).toBe(`kanban --board ${board.name} rerun ${build} --reason 'the CDN settings changed' --actor otto`)
      await shot(page, 'live-04-rerun-form')
      await form.locator('button[type=submit]').click()
      await article('ready').waitFor(WAIT)
      await child('todo').waitFor(WAIT)
      const reopened = page.locator('table.events tr[data-kind="reopened"]')
      await reopened.first().waitFor(WAIT)
      expect(await reopened.first().innerText()).toContain(TOKENS.operator.name)
      await shot(page, 'live-05-rerun-alone')

      // both done again (by hand, from this process): the page follows
      await finish(board, build)
      await finish(board, publish)
      await article('done').waitFor(WAIT)
      await child('done').waitFor(WAIT)

      // with its subtree: the done child reopens too, to "to do" behind its parent
      await actions.getByRole('button', { name: 'Re-run' }).click()
      await form.getByLabel(/Whole subtree/).check()
      expect(await form.locator('code').innerText()).toBe(`kanban --board ${board.name} rerun ${build} --subtree --actor otto`)
      await form.locator('button[type=submit]').click()
      await article('ready').waitFor(WAIT)
      await child('todo').waitFor(WAIT)
      await expect.poll(() => reopened.count(), WAIT).toBe(2)
      await shot(page, 'live-06-rerun-subtree')

      // the child's page: reopened by the operator, as part of the re-run of its parent
      await child('todo').getByRole('link').click()
      await page.locator(`article.task[data-task="${publish}"][data-status="todo"]`).waitFor(WAIT)
      const childReopened = page.locator('table.events tr[data-kind="reopened"]')
      await childReopened.first().waitFor(WAIT)
      expect(await childReopened.first().innerText()).toContain(TOKENS.operator.name)
      expect(await childReopened.first().innerText()).toContain(build)
      await shot(page, 'live-07-rerun-child')
      expect(await stillSamePage(page)).toBe(true)
    })

    const events = await board.events({ taskId: build })
    expect(events.filter((e) => e.kind === 'reopened').map((e) => e.actor)).toEqual([TOKENS.operator.name, TOKENS.operator.name])
    const childEvents = await board.events({ taskId: publish })
    expect(childEvents.filter((e) => e.kind === 'demoted' || e.kind === 'reopened').map((e) => [e.kind, e.actor])).toEqual([
      ['demoted', TOKENS.operator.name],
      ['reopened', TOKENS.operator.name],
    ])
    expect(await board.getTask(build)).toMatchObject({ status: 'ready' })
    expect(await board.getTask(publish)).toMatchObject({ status: 'todo' })
  })
})
