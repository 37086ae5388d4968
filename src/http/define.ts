/**
 * How a route is declared: one definition gives both the OpenAPI entry (path, role, query
 * parameters, body as JSON Schema, responses) and the handler's mounting with its role
 * check, so the document cannot drift from what is served. Bodies and query parameters
 * are parsed here: a bad one is a 400 naming the field, before the handler runs.
 */
import type { Context } from 'hono'
import type { OpenAPIHono } from '@hono/zod-openapi'
import type { Board } from '../board.js'
import { ValidationError } from '../errors.js'
import { parse } from '../validate.js'
import { requireRole, type Principal, type Role } from './auth.js'
import { BODIES, bodyJsonSchema, type Body, type BodyName } from './bodies.js'
import { HttpError } from './errors.js'

export interface Env {
  /** route: the matched route's OpenAPI path and operation, for the metrics (src/metrics/http.ts) */
  Variables: { principal: Principal | null; board: string; route?: { path: string; op: string } }
}

export interface Param {
  name: string
  type: 'integer' | 'string' | 'boolean' | 'list'
  description: string
  min?: number
  max?: number
  default?: number | string | boolean
  enum?: string[]
}

export interface Response_ {
  description: string
  /** a component name, or a JSON Schema */
  schema?: string | Record<string, unknown>
  /** text/event-stream */
  sse?: boolean
}

export interface RouteDef<B extends BodyName | undefined = BodyName | undefined> {
  method: 'get' | 'post' | 'patch' | 'delete'
  /** OpenAPI style: /api/boards/{board}/tasks/{id} */
  path: string
  /** null: no authentication */
  role: Role | null
  summary: string
  tag: string
  /** the name bad-input messages start with (the library's operation: "createTask") */
  op?: string
  description?: string
  body?: B
  query?: Param[]
  responses: Record<number, Response_>
}

export interface Call<B extends BodyName | undefined> {
  c: Context<Env>
  principal: Principal
  /** the board of a /api/boards/{board}/… route */
  boardName: string
  /** the board's read handle */
  reader: Board
  /** the board's handle that acts for the caller (its token's name) */
  handle(): Promise<Board>
  param(name: string): string
  body: B extends BodyName ? Body<B> : undefined
  query: Record<string, string | number | boolean | string[] | undefined>
}

export interface Registry {
  app: OpenAPIHono<Env>
  reader(board: string): Board
  handle(board: string, actor: string): Promise<Board>
}

/** The library's parse; a field the body must not have is named as the field (not the body). */
function parseBody(op: string, name: BodyName, input: unknown): unknown {
  try {
    return parse(op, BODIES[name], input, 'body')
  } catch (e) {
    const issue = (e instanceof ValidationError ? (e.details.issues as { code: string; path: PropertyKey[]; keys?: string[] }[] | undefined) : undefined)?.[0]
    if (issue?.code === 'unrecognized_keys' && issue.keys?.length) {
      const field = [...issue.path, issue.keys[0]!]
        .map((k) => (typeof k === 'number' ? `[${k}]` : String(k)))
        .join('.')
        .replace(/\.\[/g, '[')
      throw new ValidationError('INVALID_INPUT', e instanceof Error ? e.message : String(e), { field })
    }
    throw e
  }
}

const honoPath = (p: string) => p.replace(/\{(\w+)\}/g, ':$1')

/** A body that is JSON (or empty: undefined) and at most `limit` bytes. */
async function readJson(c: Context<Env>, limit: number): Promise<unknown> {
  const len = Number(c.req.header('content-length') ?? 0)
  if (len > limit) throw new HttpError(413, 'TOO_LARGE', `request body: expected at most ${limit} bytes, got ${len}`)
  const text = await c.req.text()
  if (Buffer.byteLength(text) > limit) throw new HttpError(413, 'TOO_LARGE', `request body: expected at most ${limit} bytes`)
  if (text.trim() === '') return undefined
  const type = c.req.header('content-type') ?? ''
  if (!/^application\/(.+\+)?json\b/i.test(type))
    throw new HttpError(415, 'INVALID_INPUT', `request body: expected content-type application/json, got ${JSON.stringify(type)}`, { field: 'body' })
  try {
    return JSON.parse(text)
  } catch {
    throw new HttpError(400, 'INVALID_INPUT', 'request body: expected JSON, got text that does not parse', { field: 'body' })
  }
}

function parseQuery(c: Context<Env>, op: string, params: Param[]): Record<string, string | number | boolean | string[] | undefined> {
  const out: Record<string, string | number | boolean | string[] | undefined> = {}
  for (const p of params) {
    const raw = c.req.query(p.name)
    if (raw === undefined || raw === '') {
      out[p.name] = p.default
      continue
    }
    const bad = (expected: string) =>
      new HttpError(400, 'INVALID_INPUT', `${op}: ${p.name}: expected ${expected}, got ${JSON.stringify(raw)}`, { field: p.name })
    switch (p.type) {
      case 'integer': {
        if (!/^-?\d{1,15}$/.test(raw)) throw bad('an integer')
        const n = Number(raw)
        if ((p.min !== undefined && n < p.min) || (p.max !== undefined && n > p.max)) throw bad(`an integer from ${p.min} to ${p.max}`)
        out[p.name] = n
        break
      }
      case 'boolean':
        if (raw !== 'true' && raw !== 'false' && raw !== '1' && raw !== '0') throw bad('true or false')
        out[p.name] = raw === 'true' || raw === '1'
        break
      case 'list': {
        const list = raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
        if (p.enum && !list.every((x) => p.enum!.includes(x))) throw bad(`a comma-separated list of ${p.enum.join(', ')}`)
        out[p.name] = list
        break
      }
      default:
        if (p.enum && !p.enum.includes(raw)) throw bad(`one of ${p.enum.join(', ')}`)
        if (raw.length > 2000) throw bad('at most 2000 characters')
        out[p.name] = raw
    }
  }
  return out
}

function paramDoc(p: Param): Record<string, unknown> {
  const schema: Record<string, unknown> =
    p.type === 'list'
      ? { type: 'string', ...(p.enum ? { description: `comma-separated: ${p.enum.join(', ')}` } : {}) }
      : {
          type: p.type,
          ...(p.min !== undefined ? { minimum: p.min } : {}),
          ...(p.max !== undefined ? { maximum: p.max } : {}),
          ...(p.enum ? { enum: p.enum } : {}),
        }
  if (p.default !== undefined) schema.default = p.default
  return { name: p.name, in: 'query', required: false, description: p.description, schema }
}

const component = (name: string) => ({ $ref: `#/components/schemas/${name}` })

/** Registers the route in the OpenAPI document and mounts its handler. */
export function route<B extends BodyName | undefined>(reg: Registry, def: RouteDef<B>, handler: (call: Call<B>) => Promise<Response>): void {
  const pathParams = [...def.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!)
  const op = def.op ?? `${def.method.toUpperCase()} ${def.path}`
  const responses: Record<string, unknown> = {}
  for (const [status, r] of Object.entries(def.responses)) {
    const schema = typeof r.schema === 'string' ? component(r.schema) : r.schema
    responses[status] = {
      description: r.description,
      ...(r.sse ? { content: { 'text/event-stream': { schema: { type: 'string' } } } } : schema ? { content: { 'application/json': { schema } } } : {}),
    }
  }
  if (def.role !== null) {
    responses['401'] ??= { description: 'no or wrong credentials', content: { 'application/json': { schema: component('Error') } } }
    responses['403'] ??= {
      description: 'role too low, board out of scope, or a cross-site cookie request',
      content: { 'application/json': { schema: component('Error') } },
    }
  }
  if (def.body || def.query?.length || pathParams.length > 1)
    responses['400'] ??= {
      description: "bad input: the library's code and field; nothing written",
      content: { 'application/json': { schema: component('Error') } },
    }
  reg.app.openAPIRegistry.registerPath({
    method: def.method,
    path: def.path,
    summary: def.summary,
    ...(def.description ? { description: def.description } : {}),
    tags: [def.tag],
    ...(def.role !== null ? { security: [{ bearer: [] }, { session: [] }], 'x-role': def.role } : { security: [] }),
    parameters: [...pathParams.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })), ...(def.query ?? []).map(paramDoc)] as never,
    ...(def.body ? { request: { body: { required: true, content: { 'application/json': { schema: component(def.body) } } } } } : {}),
    responses: responses as never,
  })
  const bodyLimit = def.body === 'DagBody' ? 5 * 1024 * 1024 : 1024 * 1024
  reg.app.on(def.method.toUpperCase(), honoPath(def.path), async (c) => {
    c.set('route', { path: def.path, op })
    const principal = c.get('principal')
    if (def.role !== null) {
      if (!principal)
        throw new HttpError(401, 'UNAUTHENTICATED', 'authentication required: no credentials', { headers: { 'www-authenticate': 'Bearer realm="kanban"' } })
      requireRole(principal, def.role)
    }
    const query = parseQuery(c, op, def.query ?? [])
    const body = def.body ? parseBody(op, def.body, await readJson(c, bodyLimit)) : undefined
    const boardName = c.get('board')
    const call = {
      c,
      principal: principal!,
      boardName,
      get reader() {
        return reg.reader(boardName)
      },
      handle: () => reg.handle(boardName, principal!.name),
      param: (name: string) => c.req.param(name) ?? '',
      body,
      query,
    } as Call<B>
    return handler(call)
  })
}

/** Every body schema, as components of the document. */
export function registerBodies(reg: Registry): void {
  for (const name of Object.keys(BODIES) as BodyName[]) reg.app.openAPIRegistry.registerComponent('schemas', name, bodyJsonSchema(name) as never)
}
