/**
 * `kanban serve` as a real process (the compiled CLI): configuration checked at start-up
 * (exit 2 naming the variable), several boards, the API over a real socket with an SSE
 * stream that resumes after a reconnect, the dashboard's files with a CSP and the SPA
 * fallback, and a clean stop on SIGTERM.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openBoard } from '../helpers/board.js'
import { on, run, startKanban } from '../helpers/cli.js'
import { redisUrl } from '../helpers/redis.js'
import { sha } from './helpers.js'

const dir = mkdtempSync(join(tmpdir(), 'kanban-serve-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const TOKENS = JSON.stringify([
  { name: 'ops', sha256: sha('ops-token'), role: 'admin' },
  { name: 'eye', sha256: sha('eye-token'), role: 'viewer' },
])

describe('kanban serve', () => {
  it('checks its configuration before it starts', async () => {
    const cases: [Record<string, string>, string[], RegExp][] = [
      [{}, ['--port', '0'], /no tokens configured/],
      [
        { KANBAN_TOKENS: '[{"name":"x","sha256":"abc","role":"viewer"}]' },
        ['--port', '0'],
        /KANBAN_TOKENS: \[0\]\.sha256: expected the token's sha256 as 64 hex digits/,
      ],
      [
        { KANBAN_TOKENS: '[{"name":"x","sha256":"' + sha('x') + '","role":"boss"}]' },
        ['--port', '0'],
        /KANBAN_TOKENS: \[0\]\.role: expected viewer, operator or admin/,
      ],
      [{ KANBAN_TOKENS: 'not json' }, ['--port', '0'], /KANBAN_TOKENS: expected a JSON list/],
      [{ KANBAN_TOKENS_FILE: join(dir, 'missing.json') }, ['--port', '0'], /KANBAN_TOKENS_FILE: expected a readable file/],
      [{ KANBAN_TOKENS: TOKENS, KANBAN_PORT: 'http' }, [], /KANBAN_PORT: expected an integer, got "http"/],
      [{ KANBAN_AUTH: 'none' }, ['--port', '0', '--host', '0.0.0.0'], /KANBAN_AUTH: expected none only on a loopback address/],
      [
        { KANBAN_TOKENS: '[{"name":"x","sha256":"' + sha('x') + '","role":"viewer","boards":["other"]}]' },
        ['--port', '0'],
        /boards the server serves \(b1\), got "other"/,
      ],
    ]
    const results = await Promise.all(cases.map(([env, args]) => run(['serve', '--board', 'b1', '--redis', redisUrl(), ...args], { env })))
    results.forEach((r, i) => {
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toMatch(/^kanban serve: /)
      expect(r.stderr).toMatch(cases[i]![2])
    })
  })

  it('serves several boards, the API, resumable SSE and the dashboard; stops on SIGTERM', async () => {
    const a = await openBoard('serve')
    const b = await openBoard('serve')
    const dash = join(dir, 'dashboard')
    mkdirSync(join(dash, 'assets'), { recursive: true })
    writeFileSync(join(dash, 'index.html'), '<!doctype html><title>kanban</title><script type="module" src="/assets/app.js"></script>')
    writeFileSync(join(dash, 'assets', 'app.js'), 'console.log(1)')
    const tokensFile = join(dir, 'tokens.json')
    writeFileSync(tokensFile, TOKENS)
    const p = startKanban(['serve', '--port', '0', '--redis', redisUrl(), '--board', `${a.name},${b.name}`], {
      env: { KANBAN_TOKENS_FILE: tokensFile, KANBAN_DASHBOARD_DIR: dash },
    })
    await p.waitFor(/"msg":"serving"/, 'stderr', 20_000)
    const url = /"url":"([^"]+)"/.exec(p.stderr())![1]!
    const auth = { authorization: 'Bearer ops-token' }
    expect((await fetch(`${url}/api/health`)).status).toBe(200)
    expect(await (await fetch(`${url}/api/boards`, { headers: auth })).json()).toEqual({ boards: [a.name, b.name] })
    const created = await fetch(`${url}/api/boards/${b.name}/tasks`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'over http' }),
    })
    expect(created.status).toBe(201)
    const { id } = (await created.json()) as { id: string }
    expect((await b.getTask(id))!.createdBy).toBe('ops')
    // a viewer's write is refused
    expect((await fetch(`${url}/api/boards/${b.name}/tasks/${id}/archive`, { method: 'POST', headers: { authorization: 'Bearer eye-token' } })).status).toBe(
      403,
    )

    // SSE over the socket: read one event, drop, write two more, reconnect with Last-Event-ID
    const sse = async (lastId?: string) => {
      const ac = new AbortController()
      const res = await fetch(`${url}/api/boards/${b.name}/events/stream`, {
        headers: { ...auth, ...(lastId ? { 'last-event-id': lastId } : {}) },
        signal: ac.signal,
      })
      const reader = res.body!.getReader()
      let buf = ''
      const ids: string[] = []
      const next = async (n: number) => {
        while (ids.length < n) {
          const { value, done } = await reader.read()
          if (done) throw new Error('stream ended')
          buf += new TextDecoder().decode(value)
          for (const m of buf.matchAll(/^id: (\d+)$/gm)) if (!ids.includes(m[1]!)) ids.push(m[1]!)
        }
        return ids.slice(0, n)
      }
      return { next, stop: () => ac.abort() }
    }
    const s1 = await sse()
    await new Promise((r) => setTimeout(r, 200)) // connected and listening
    await b.addComment(id, { author: 'x', body: 'one' })
    const [first] = await s1.next(1)
    s1.stop()
    await b.addComment(id, { author: 'x', body: 'two' })
    await b.addComment(id, { author: 'x', body: 'three' })
    const s2 = await sse(first)
    expect(await s2.next(2)).toEqual([String(Number(first) + 1), String(Number(first) + 2)])
    s2.stop()

    // the dashboard: the page with its CSP, assets cached, any other path the page
    const page = await fetch(`${url}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'; script-src 'self'/)
    expect(page.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await page.text()).toMatch(/<title>kanban<\/title>/)
    const asset = await fetch(`${url}/assets/app.js`)
    expect(asset.headers.get('content-type')).toMatch(/javascript/)
    expect(asset.headers.get('cache-control')).toMatch(/immutable/)
    expect((await fetch(`${url}/tasks/t1`)).headers.get('content-type')).toMatch(/text\/html/)
    for (const path of ['/assets/../tokens.json', '/assets/%2e%2e/%2e%2e/tokens.json', '/assets/..%2f..%2ftokens.json']) {
      const r = await fetch(`${url}${path}`)
      expect(await r.text(), path).not.toMatch(/sha256/)
    }
    expect((await fetch(`${url}/api/nope`, { headers: auth })).status).toBe(404)

    p.child.kill('SIGTERM')
    expect((await p.exited).code).toBe(0)
    expect(p.stderr()).toMatch(/"msg":"stopping"/)
    void on
  })
})
