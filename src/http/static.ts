/**
 * The dashboard's build (docs/http-api.md#the-dashboard): `assets/*` as immutable files,
 * every other non-/api GET as index.html (the page routes itself), with a
 * Content-Security-Policy that allows only the page's own scripts and connections.
 */
import { readFile, stat } from 'node:fs/promises'
import { extname, join, normalize, sep } from 'node:path'
import type { OpenAPIHono } from '@hono/zod-openapi'
import type { Env } from './define.js'

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"

/** On every response. */
export const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
}

export function serveDashboard(app: OpenAPIHono<Env>, dir: string): void {
  const root = normalize(dir.endsWith(sep) ? dir : dir + sep)
  let index: Promise<Buffer> | null = null
  const page = async () => (index ??= readFile(join(root, 'index.html')).catch((e: unknown) => ((index = null), Promise.reject(e))))
  app.get('/assets/*', async (c) => {
    const file = normalize(join(root, decodeURIComponent(c.req.path)))
    if (!file.startsWith(root + 'assets' + sep)) return c.notFound()
    const s = await stat(file).catch(() => null)
    if (!s?.isFile()) return c.json({ error: { code: 'NOT_FOUND', message: `no asset ${c.req.path}` } }, 404)
    return c.body(new Uint8Array(await readFile(file)), 200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'public, max-age=31536000, immutable',
    })
  })
  app.get('*', async (c) => {
    if (c.req.path.startsWith('/api/') || c.req.path === '/api') return c.notFound()
    // a file at the build's top level (favicon.ico, robots.txt), else the page
    const top = /^\/\w[\w.-]*$/.test(c.req.path) && c.req.path !== '/index.html' ? normalize(join(root, c.req.path.slice(1))) : null
    if (top && top.startsWith(root) && extname(top)) {
      const s = await stat(top).catch(() => null)
      if (s?.isFile()) return c.body(new Uint8Array(await readFile(top)), 200, { 'content-type': TYPES[extname(top)] ?? 'application/octet-stream' })
    }
    return c.body(new Uint8Array(await page()), 200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': CSP,
      'cache-control': 'no-cache',
    })
  })
}
