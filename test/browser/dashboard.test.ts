/**
 * The dashboard end to end in real Chromium, against a real `kanban serve`, a real worker
 * process, a dispatcher and the test run's Redis: an operator finds a sticky-blocked task in
 * "Needs you", unblocks it with a note, and watches — without reloading — the worker finish
 * it and its child turn ready; a viewer sees no action buttons, and an action forged from the
 * page is refused with 403. Screenshots go to test-artifacts/browser/.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openBoard } from '../helpers/board.js'
import { CLI, startKanban } from '../helpers/cli.js'
import { redisUrl } from '../helpers/redis.js'
import { chromiumMissing, inCI, launch, serve, shot, signIn, TOKENS } from './harness.js'

const WAIT = { timeout: 60_000 }

if (chromiumMissing && !inCI) console.warn(`[browser] skipping the dashboard tests: ${chromiumMissing}`)

describe.skipIf(chromiumMissing !== null && !inCI)('the dashboard in Chromium', () => {
  let browser: Browser
  let tmp: string
  beforeAll(async () => {
    // under CI a missing Chromium fails here, with the message saying how to install it
    browser = await launch()
    tmp = await mkdtemp(path.join(os.tmpdir(), 'kanban-browser-'))
  })
  afterAll(async () => {
    await browser?.close()
    if (tmp) await rm(tmp, { recursive: true, force: true })
  })

  /** Runs a test's steps on a fresh page; on failure the page's last state is saved too. */
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

  it(
    'an operator unblocks a task from "Needs you" and watches the worker finish it and its child turn ready, without reloading',
    { timeout: 240_000 },
    async () => {
      const board = await openBoard('web-ui')
      const deploy = await board.createTask({ title: 'Deploy the release', assignee: 'deploy', priority: 5 })
      expect(await board.blockTask(deploy, { reason: 'needs the production API key', kind: 'needs_input' })).toBe(true)
      const announce = await board.createTask({ title: 'Announce the release', assignee: 'publish', parents: [deploy] })
      await board.createTask({ title: 'Decide the release name', triage: true })
      await board.createTask({ title: 'Write the changelog', assignee: 'writer' })

      // the worker's handler waits for the test's go, so the page is watching when it finishes
      const go = path.join(tmp, `go-${board.name}`)
      const handler = `for i in $(seq 1 1200); do [ -f ${go} ] && break; sleep 0.1; done; ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} complete --result deployed`
      const server = await serve(board.name)
      const on = ['--board', board.name, '--redis', redisUrl()]
      startKanban(['worker', '--lane', 'deploy', '--command', handler, '--name', 'deployer', ...on])
      startKanban(['dispatcher', ...on])

      await onPage('operator', async (page) => {
        await signIn(page, server, 'operator')
        await expect.poll(() => page.url()).toContain(`#/${board.name}/needs`)
        const item = page.locator(`li.need[data-task="${deploy}"]`)
        await item.waitFor(WAIT)
        await expect.poll(() => page.locator('li.need').first().getAttribute('data-task')).toBe(deploy)
        expect(await item.innerText()).toContain('needs the production API key')
        expect(await item.innerText()).toContain('holds up 1 task')
        await page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true))
        await shot(page, '01-needs-you')

        await item.getByRole('button', { name: 'Unblock' }).click()
        const form = item.getByRole('form', { name: `Unblock ${deploy}` })
        await form.getByLabel('Note (added as a comment)').fill('Key is in the vault now')
        expect(await form.locator('code').innerText()).toBe(
          `kanban --board ${board.name} comment ${deploy} --body 'Key is in the vault now' --author otto && kanban --board ${board.name} unblock ${deploy} --actor otto`,
        )
        await shot(page, '02-unblock-form')
        await form.locator('button[type=submit]').click()

        // the stream takes it out of "Needs you"
        await item.waitFor({ state: 'detached', ...WAIT })
        await page.getByRole('link', { name: 'Board', exact: true }).click()
        const card = page.locator(`section.column[data-status="running"] li.card[data-task="${deploy}"]`)
        await card.waitFor(WAIT)
        await shot(page, '03-board-running')

        await card.getByRole('link').click()
        const article = (status: string) => page.locator(`article.task[data-task="${deploy}"][data-status="${status}"]`)
        await article('running').waitFor(WAIT)
        await page.locator('table.timeline tr[data-outcome="running"]').waitFor(WAIT)
        await shot(page, '04-task-running')

        await writeFile(go, 'go')
        await article('done').waitFor(WAIT)
        await page.locator(`ul.briefs li[data-task="${announce}"][data-status="ready"]`).waitFor(WAIT)
        await page.locator('table.timeline tr[data-outcome="completed"]').waitFor(WAIT)
        // done: the operator may re-run it, alone or with its subtree
        await page
          .getByRole('group', { name: `Actions on ${deploy}` })
          .getByRole('button', { name: 'Re-run' })
          .waitFor(WAIT)
        await shot(page, '05-task-done-child-ready')
        expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true)

        // the fleet: the worker process is listed live on its lane, and the dispatcher's last tick
        await page.getByRole('link', { name: 'Fleet', exact: true }).click()
        const worker = page.locator('table.workers tr[data-name="deployer"]')
        await worker.waitFor(WAIT)
        expect(await worker.innerText()).toContain('deploy')
        expect(await page.locator('table.lanes tr[data-lane="deploy"] td.workers').innerText()).toMatch(/^1 \(1 slot\), seen /)
        await expect.poll(() => page.locator('.last-tick').innerText(), WAIT).toMatch(/ago \(.*\) by dispatcher-/)
        await shot(page, '06-fleet')
        await page.goto(`${server.url}/#/${board.name}/graph?root=${announce}`)
        await page.locator(`.gnode[data-task="${deploy}"]`).waitFor(WAIT)
        await shot(page, '07-graph')
      })

      expect(await board.getTask(deploy)).toMatchObject({ status: 'done', result: 'deployed' })
      expect((await board.getTask(announce))!.status).toBe('ready')
      expect(await board.comments(deploy)).toMatchObject([{ author: TOKENS.operator.name, body: 'Key is in the vault now' }])
      expect((await board.events({ taskId: deploy })).find((e) => e.kind === 'unblocked')).toMatchObject({ actor: TOKENS.operator.name })
    },
  )

  it('a viewer sees no action buttons, and an action forged from the page gets 403', { timeout: 180_000 }, async () => {
    const board = await openBoard('web-ui')
    const held = await board.createTask({ title: 'Sign the contract', assignee: 'legal' })
    expect(await board.blockTask(held, { reason: 'waiting for a signature', kind: 'needs_input' })).toBe(true)
    const server = await serve(board.name)

    await onPage('viewer', async (page) => {
      await signIn(page, server, 'viewer')
      const item = page.locator(`li.need[data-task="${held}"]`)
      await item.waitFor(WAIT)
      expect(await item.innerText()).toContain('waiting for a signature')
      expect(await page.locator('.actions button, .bulk').count()).toBe(0)
      expect(await page.getByRole('button', { name: 'Unblock' }).count()).toBe(0)
      await shot(page, '08-viewer-needs-you')

      await item.getByRole('link', { name: 'Sign the contract' }).click()
      await page.locator(`article.task[data-task="${held}"]`).waitFor(WAIT)
      expect(await page.locator('.actions').count()).toBe(0)
      expect(await page.locator('main button').count()).toBe(0)
      await shot(page, '09-viewer-task')

      const forged = await page.evaluate(
        async ({ b, id }) => {
          const res = await fetch(`api/boards/${b}/tasks/${id}/unblock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
          return { status: res.status, body: (await res.json()) as { error: { code: string; message: string } } }
        },
        { b: board.name, id: held },
      )
      expect(forged.status).toBe(403)
      expect(forged.body.error.code).toBe('FORBIDDEN')
      expect(forged.body.error.message).toContain('viewer')
    })

    expect(await board.getTask(held)).toMatchObject({ status: 'blocked', sticky: true })
  })
})
