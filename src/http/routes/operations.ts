/**
 * The day-two operations (docs/http-api.md#operations): re-run a done task, bulk operations
 * by filter, retention now (purge), the listing indexes' backfill (reindex), the live
 * workers, the durable subscribers, and the boards this server serves with their counts.
 * Each is one library call (src/board.ts, src/boards.ts); the actor is the token's name.
 */
import type { Cluster, Redis } from 'ioredis'
import { boardInfo } from '../../boards.js'
import type { Registry } from '../define.js'
import { route } from '../define.js'
import { B, mustGet, R, refusal } from './common.js'

export interface OperationDeps {
  /** the connection the served boards share */
  redis(): Redis | Cluster
  /** the boards this server serves */
  boards(): string[]
}

export function operationRoutes(reg: Registry, deps: OperationDeps): void {
  route(
    reg,
    {
      method: 'post',
      path: `${B}/tasks/{id}/rerun`,
      role: 'operator',
      tag: 'lifecycle',
      op: 'rerunTask',
      summary: 'reopen a done task (subtree: with its whole downstream), in one atomic step (actor: the token)',
      description:
        "done -> ready (todo while a parent is unsatisfied); its children wait for it again. With `subtree`, its done descendants reopen and its ready / review / running ones go back to todo. A task that is not done: 409 INVALID_STATE. A subtree over the server's limit (1,000 descendants): 409 SUBTREE_TOO_LARGE, nothing written.",
      body: 'RerunBody',
      responses: {
        200: {
          description: 'reopened: what moved, and the task as it is now',
          schema: {
            type: 'object',
            properties: { ok: { const: true }, result: { $ref: '#/components/schemas/RerunResult' }, task: { $ref: '#/components/schemas/Task' } },
            required: ['ok', 'result', 'task'],
          },
        },
        404: R.notFound,
        409: {
          description: 'not done (INVALID_STATE, with the task), or a subtree too large (SUBTREE_TOO_LARGE, details.limit); nothing changed',
          schema: { anyOf: [{ $ref: '#/components/schemas/Refused' }, { $ref: '#/components/schemas/Error' }] },
        },
      },
    },
    async (call) => {
      const id = call.param('id')
      const result = await (await call.handle()).rerunTask(id, { ...call.body, actor: call.principal.name })
      const task = await mustGet(call.reader, id)
      if (!result) throw refusal(task, undefined, `task ${id} is ${task.status}: only a done task is re-run`)
      return call.c.json({ ok: true, result, task })
    },
  )
  route(
    reg,
    {
      method: 'post',
      path: `${B}/bulk`,
      role: 'admin',
      tag: 'board',
      op: 'bulk',
      summary: 'unblock, retry, archive, reassign or delete every task matching a filter, in bounded calls (actor: the token); dryRun counts',
      description:
        "The library's bulk operation (docs/api.md#bulk-operations): the server makes its bounded calls until the walk is done (or `limit`), and stops between two calls when the client goes away. `dryRun: true` gives the same counts and ids, writing nothing. A result with a `cursor` stopped early: send the same body with `cursor` to go on.",
      body: 'BulkBody',
      responses: { 200: { description: 'the counts, the changed ids (the first 1,000) and where to resume', schema: 'BulkResult' } },
    },
    async (call) => {
      const h = await call.handle()
      return call.c.json(await h.bulk({ ...call.body, actor: call.principal.name }, { signal: call.c.req.raw.signal }))
    },
  )
  route(
    reg,
    {
      method: 'post',
      path: `${B}/purge`,
      role: 'admin',
      tag: 'board',
      op: 'purge',
      summary: "retention now: archive and delete what the board's retention settings make due, trim old events; dryRun counts",
      body: 'PurgeBody',
      responses: { 200: { description: 'what was (dryRun: would be) archived, deleted and trimmed', schema: 'PurgeResult' } },
    },
    async (call) => call.c.json(await (await call.handle()).purge(call.body ?? {})),
  )
  route(
    reg,
    {
      method: 'post',
      path: `${B}/reindex`,
      role: 'admin',
      tag: 'board',
      op: 'reindex',
      summary: 'backfill the listing indexes of a board older than them, to the end, in bounded calls',
      description: 'A dispatcher does the same a few batches per tick; this finishes it now. `restart` walks again from the start.',
      body: 'ReindexBody',
      responses: {
        200: {
          description: 'how many tasks it filed',
          schema: { type: 'object', properties: { indexed: { type: 'integer' } }, required: ['indexed'] },
        },
      },
    },
    async (call) => call.c.json({ indexed: await (await call.handle()).reindex(call.body ?? {}) }),
  )
  route(
    reg,
    {
      method: 'get',
      path: `${B}/workers`,
      role: 'viewer',
      tag: 'views',
      op: 'workers',
      summary: 'the live workers, and per lane, from their announcements',
      responses: { 200: { description: 'live workers', schema: 'WorkersView' } },
    },
    async (call) => call.c.json(await call.reader.workers()),
  )
  route(
    reg,
    {
      method: 'get',
      path: `${B}/subscribers`,
      role: 'viewer',
      tag: 'events',
      op: 'subscribers',
      summary: 'the durable subscribers, by name, with their cursor and lag',
      responses: { 200: { description: 'subscribers', schema: { type: 'array', items: { $ref: '#/components/schemas/SubscriberInfo' } } } },
    },
    async (call) => call.c.json(await call.reader.subscribers()),
  )
  route(
    reg,
    {
      method: 'get',
      path: '/api/admin/boards',
      role: 'admin',
      tag: 'session',
      op: 'listBoards',
      summary: 'the boards this server serves (those the token may see), each with its task counts and last activity',
      responses: {
        200: {
          description: 'by name',
          schema: { type: 'object', properties: { boards: { type: 'array', items: { $ref: '#/components/schemas/BoardInfo' } } }, required: ['boards'] },
        },
      },
    },
    async (call) => {
      const names = deps
        .boards()
        .filter((b) => !call.principal.boards || call.principal.boards.includes(b))
        .sort()
      return call.c.json({ boards: await Promise.all(names.map((n) => boardInfo(deps.redis(), n))) })
    },
  )
}
