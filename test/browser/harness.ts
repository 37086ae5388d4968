/**
 * The browser tests' harness: Debian's Chromium driven by playwright-core (which never
 * downloads a browser), a real `kanban serve` with one token per role, and screenshots in
 * test-artifacts/browser/. Without Chromium the tests fail under CI (CI set) with how to
 * install it, and are skipped with that message elsewhere.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { startKanban, type Running } from '../helpers/cli.js'
import { redisUrl } from '../helpers/redis.js'

export const CHROMIUM = process.env.KANBAN_CHROMIUM ?? '/usr/bin/chromium'
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Why the browser tests cannot run here, or null. */
export const chromiumMissing: string | null = existsSync(CHROMIUM)
  ? null
  : `Chromium is not installed at ${CHROMIUM}: the dashboard's browser tests need Debian's package (apt-get install -y chromium; .ci/run installs it), or set KANBAN_CHROMIUM to a Chromium binary`
export const inCI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0'

export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/browser/', import.meta.url))

export function launch(): Promise<Browser> {
  if (chromiumMissing) throw new Error(chromiumMissing)
  mkdirSync(ARTIFACTS, { recursive: true })
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS })
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true })
}

/** token secrets; the token names are the actors the server records */
export const TOKENS = {
  viewer: { name: 'vera', secret: 'vera-secret-token' },
  operator: { name: 'otto', secret: 'otto-secret-token' },
  admin: { name: 'ada', secret: 'ada-secret-token' },
} as const

const sha = (s: string) => createHash('sha256').update(s).digest('hex')

export interface Server {
  url: string
  process: Running
}

/** `kanban serve` on a free port for the board; tokens come from the environment, never argv. */
export async function serve(board: string): Promise<Server> {
  const tokens = Object.entries(TOKENS).map(([role, t]) => ({ name: t.name, sha256: sha(t.secret), role }))
  const p = startKanban(['serve', '--port', '0', '--board', board, '--redis', redisUrl()], { env: { KANBAN_TOKENS: JSON.stringify(tokens) } })
  await p.waitFor(/"msg":"serving"/, 'stderr', 60_000)
  const line = p
    .stderr()
    .split('\n')
    .find((l) => l.includes('"msg":"serving"'))!
  return { url: (JSON.parse(line) as { url: string }).url, process: p }
}

/** Open the page and sign in with a role's token. */
export async function signIn(page: Page, server: Server, role: keyof typeof TOKENS): Promise<void> {
  await page.goto(server.url)
  await page.getByLabel('Token').fill(TOKENS[role].secret)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('navigation', { name: 'Views' }).waitFor()
}
