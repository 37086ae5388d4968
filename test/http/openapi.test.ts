/**
 * The OpenAPI 3.1 document: served at /api/openapi.json, committed as docs/openapi.json
 * (`npm run openapi` rewrites it) — this fails when they differ. Every board operation of
 * the CLI has its route, and real responses match the shapes the document gives.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { openapiDocument } from '../../src/http/app.js'
import { startApi } from './helpers.js'

type Schema = Record<string, any>
const committed = JSON.parse(readFileSync('docs/openapi.json', 'utf8')) as Schema

/** A JSON Schema check of the subset the document uses ($ref, type, properties, required, items, anyOf, enum, const). */
function check(doc: Schema, schema: Schema, v: unknown, at = '$'): string[] {
  if (schema.$ref) {
    const path = (schema.$ref as string).replace(/^#\//, '').split('/')
    return check(
      doc,
      path.reduce((o: Schema, k) => o[k], doc),
      v,
      at,
    )
  }
  if (schema.anyOf)
    return (schema.anyOf as Schema[]).some((s) => check(doc, s, v, at).length === 0)
      ? []
      : [`${at}: matches none of anyOf (${JSON.stringify(v)?.slice(0, 80)})`]
  if ('const' in schema && v !== schema.const) return [`${at}: expected ${JSON.stringify(schema.const)}`]
  if (schema.enum && !schema.enum.includes(v)) return [`${at}: ${JSON.stringify(v)} not in enum`]
  const t = schema.type as string | undefined
  const ty = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v
  if (t === 'integer' && !Number.isInteger(v)) return [`${at}: expected an integer, got ${JSON.stringify(v)}`]
  if (t && t !== 'integer' && t !== ty) return [`${at}: expected ${t}, got ${ty}`]
  const errs: string[] = []
  if (ty === 'object' && schema.properties) {
    const o = v as Record<string, unknown>
    for (const k of schema.required ?? []) if (!(k in o)) errs.push(`${at}.${k}: missing`)
    for (const [k, s] of Object.entries(schema.properties as Record<string, Schema>)) if (k in o) errs.push(...check(doc, s, o[k], `${at}.${k}`))
    if (schema.additionalProperties === false) for (const k of Object.keys(o)) if (!(k in schema.properties)) errs.push(`${at}.${k}: not in the schema`)
  }
  if (ty === 'array' && schema.items) (v as unknown[]).forEach((x, i) => errs.push(...check(doc, schema.items, x, `${at}[${i}]`)))
  return errs
}

describe('OpenAPI', () => {
  it('the served document is the committed docs/openapi.json (npm run openapi rewrites it)', async () => {
    const api = await startApi()
    const r = await api.json('GET', '/api/openapi.json', { as: null })
    expect(r.status).toBe(200)
    expect(r.body.openapi).toBe('3.1.0')
    expect(r.body, 'docs/openapi.json is stale: run `npm run openapi`').toEqual(committed)
    expect(openapiDocument()).toEqual(committed)
  })

  it('has a route for every board operation of the CLI, each with its role', () => {
    const B = '/api/boards/{board}'
    const T = `${B}/tasks/{id}`
    const cli: Record<string, [string, string]> = {
      create: ['post', `${B}/tasks`],
      'create-dag': ['post', `${B}/dag`],
      list: ['get', `${B}/tasks`],
      show: ['get', `${T}/detail`],
      runs: ['get', `${T}/runs`],
      update: ['patch', T],
      assign: ['post', `${T}/assign`],
      specify: ['post', `${T}/specify`],
      comment: ['post', `${T}/comments`],
      link: ['post', `${T}/parents`],
      unlink: ['delete', `${T}/parents/{parent}`],
      archive: ['post', `${T}/archive`],
      delete: ['delete', T],
      context: ['get', `${T}/context`],
      claim: ['post', `${T}/claim`],
      heartbeat: ['post', `${T}/heartbeat`],
      complete: ['post', `${T}/complete`],
      block: ['post', `${T}/block`],
      unblock: ['post', `${T}/unblock`],
      schedule: ['post', `${T}/schedule`],
      promote: ['post', `${T}/promote`],
      reclaim: ['post', `${T}/reclaim`],
      review: ['post', `${T}/review`],
      'request-changes': ['post', `${T}/request-changes`],
      fail: ['post', `${T}/fail`],
      events: ['get', `${B}/events`],
      explain: ['get', `${T}/explain`],
      stats: ['get', `${B}/stats`],
      config: ['patch', `${B}/settings`],
      recompute: ['post', `${B}/recompute`],
      'dispatch-once': ['post', `${B}/dispatch-once`],
      pause: ['post', `${B}/pause`],
      resume: ['post', `${B}/resume`],
      rerun: ['post', `${T}/rerun`],
      bulk: ['post', `${B}/bulk`],
      purge: ['post', `${B}/purge`],
      reindex: ['post', `${B}/reindex`],
      workers: ['get', `${B}/workers`],
      subscribers: ['get', `${B}/subscribers`],
      boards: ['get', '/api/admin/boards'],
    }
    for (const [cmd, [method, path]] of Object.entries(cli)) {
      const op = committed.paths[path]?.[method]
      expect(op, `kanban ${cmd}: ${method.toUpperCase()} ${path}`).toBeDefined()
      expect(['viewer', 'operator', 'admin']).toContain(op['x-role'])
    }
    for (const [path, ops] of Object.entries(committed.paths as Record<string, Record<string, Schema>>))
      for (const [method, op] of Object.entries(ops))
        if (!['/api/login', '/api/logout', '/api/health'].includes(path)) expect(op['x-role'], `${method} ${path}`).toBeDefined()
  })

  it('real responses match the documented shapes', async () => {
    const api = await startApi()
    const parent = await api.board.createTask({ title: 'p', assignee: 'coder', initialStatus: 'blocked' })
    const child = await api.board.createTask({ title: 'c', parents: [parent], metadata: { k: 1 } })
    await api.board.addComment(child, { author: 'a', body: 'b' })
    const done = await api.board.createTask({ title: 'd', tenant: 'acme' })
    await api.board.completeTask(done)
    const sub = await api.board.subscriber('notifier')
    sub.close()
    const shape = (status: string, path: string, method = 'get') => {
      const content = committed.paths[path][method].responses[status].content['application/json']
      return content.schema as Schema
    }
    const B = '/api/boards/{board}'
    const cases: [string, string, string, unknown?][] = [
      ['GET', `${api.b}/tasks?q=p`, `${B}/tasks`],
      ['GET', `${api.b}/tasks/${child}`, `${B}/tasks/{id}`],
      ['GET', `${api.b}/tasks/${child}/detail`, `${B}/tasks/{id}/detail`],
      ['GET', `${api.b}/tasks/${parent}/explain`, `${B}/tasks/{id}/explain`],
      ['GET', `${api.b}/needs-you`, `${B}/needs-you`],
      ['GET', `${api.b}/graph?root=${child}&blockingPath=true`, `${B}/graph`],
      ['GET', `${api.b}/fleet`, `${B}/fleet`],
      ['GET', `${api.b}/stats`, `${B}/stats`],
      ['GET', `${api.b}/settings`, `${B}/settings`],
      ['GET', `${api.b}/events`, `${B}/events`],
      ['GET', `${api.b}/tasks/${child}/context`, `${B}/tasks/{id}/context`],
      ['GET', '/api/me', '/api/me'],
      ['GET', `${api.b}/workers`, `${B}/workers`],
      ['GET', `${api.b}/subscribers`, `${B}/subscribers`],
      ['GET', '/api/admin/boards', '/api/admin/boards'],
      ['POST', `${api.b}/bulk`, `${B}/bulk`, { op: 'unblock', filter: { lane: 'coder' }, dryRun: true }],
      ['POST', `${api.b}/purge`, `${B}/purge`, { dryRun: true }],
      ['POST', `${api.b}/reindex`, `${B}/reindex`, {}],
      ['POST', `${api.b}/tasks/${done}/rerun`, `${B}/tasks/{id}/rerun`, { subtree: true }],
    ]
    for (const [method, url, path, body] of cases) {
      const r = await api.json(method, url, body === undefined ? {} : { body })
      expect(r.status, url).toBe(200)
      expect(check(committed, shape('200', path, method.toLowerCase()), r.body), url).toEqual([])
    }
    const refused = await api.json('POST', `${api.b}/tasks/${child}/unblock`, { body: {} })
    expect(refused.status).toBe(409)
    expect(check(committed, committed.components.schemas.Refused, refused.body)).toEqual([])
    const bad = await api.json('POST', `${api.b}/tasks`, { body: { title: '' } })
    expect(check(committed, committed.components.schemas.Error, bad.body)).toEqual([])
  })
})
