/** /api/boards/{board}/…: board-wide reads and settings, the dashboard's views, live events. */
import type { Registry } from '../define.js'
import { route } from '../define.js'
import { HttpError } from '../errors.js'
import type { FleetFeed } from '../fleetFeed.js'
import { eventStream, type EventHub } from '../sse.js'
import { fleet, graph, needsYou } from '../views.js'
import { B, defined, EVENTS_QUERY } from './common.js'

export interface BoardRouteDeps {
  hub(board: string): EventHub
  fleet?(board: string): FleetFeed
  httpWorkers(board: string): { lane: string; waiting: number }[]
  keepAliveMs: number
  onError(e: unknown): void
}

export function boardRoutes(reg: Registry, deps: BoardRouteDeps): void {
  route(
    reg,
    {
      method: 'get',
      path: `${B}/stats`,
      role: 'viewer',
      tag: 'board',
      op: 'stats',
      summary: 'task counts per status and the health counters',
      responses: { 200: { description: 'stats', schema: 'BoardStats' } },
    },
    async (call) => call.c.json(await call.reader.stats()),
  )
  route(
    reg,
    {
      method: 'get',
      path: `${B}/settings`,
      role: 'viewer',
      tag: 'board',
      op: 'settings',
      summary: "the board's settings",
      responses: { 200: { description: 'settings', schema: 'BoardSettings' } },
    },
    async (call) => call.c.json(await call.reader.settings()),
  )
  route(
    reg,
    {
      method: 'patch',
      path: `${B}/settings`,
      role: 'admin',
      tag: 'board',
      op: 'configure',
      summary: 'change settings (null: back to the default)',
      body: 'SettingsBody',
      responses: { 200: { description: 'the settings now', schema: 'BoardSettings' } },
    },
    async (call) => call.c.json(await (await call.handle()).configure(call.body)),
  )
  route(
    reg,
    {
      method: 'post',
      path: `${B}/recompute`,
      role: 'admin',
      tag: 'board',
      op: 'recomputeReady',
      summary: 'run the recompute-ready sweep now',
      body: 'EmptyBody',
      responses: {
        200: { description: 'how many it promoted', schema: { type: 'object', properties: { promoted: { type: 'integer' } }, required: ['promoted'] } },
      },
    },
    async (call) => call.c.json({ promoted: await (await call.handle()).recomputeReady() }),
  )
  route(
    reg,
    {
      method: 'post',
      path: `${B}/dispatch-once`,
      role: 'admin',
      tag: 'board',
      op: 'dispatchOnce',
      summary: 'run one dispatcher tick now (dryRun: what it would do, writing nothing)',
      body: 'DispatchBody',
      responses: { 200: { description: 'the tick', schema: 'DispatchResult' } },
    },
    async (call) => call.c.json(await (await call.handle()).dispatchOnce(call.body?.dryRun ? { dryRun: true } : {})),
  )
  route(
    reg,
    {
      method: 'post',
      path: `${B}/pause`,
      role: 'admin',
      tag: 'board',
      op: 'pause',
      summary: 'pause dispatch of the board or one lane (by: the token)',
      body: 'PauseBody',
      responses: {
        200: {
          description: 'the pause',
          schema: { type: 'object', properties: { changed: { type: 'boolean' }, paused: { $ref: '#/components/schemas/PauseState' } } },
        },
      },
    },
    async (call) => call.c.json(await (await call.handle()).pause({ ...call.body, actor: call.principal.name })),
  )
  route(
    reg,
    {
      method: 'post',
      path: `${B}/resume`,
      role: 'admin',
      tag: 'board',
      op: 'resume',
      summary: 'resume a paused board or lane',
      body: 'ResumeBody',
      responses: { 200: { description: 'changed: false when it was not paused', schema: { type: 'object', properties: { changed: { type: 'boolean' } } } } },
    },
    async (call) => call.c.json(await (await call.handle()).resume({ ...call.body, actor: call.principal.name })),
  )
  route(
    reg,
    {
      method: 'get',
      path: `${B}/events`,
      role: 'viewer',
      tag: 'events',
      op: 'events',
      summary: 'events of the board (or of one task), oldest first',
      query: [...EVENTS_QUERY, { name: 'task', type: 'string', description: "only this task's events" }],
      responses: { 200: { description: 'events', schema: { type: 'array', items: { $ref: '#/components/schemas/KanbanEvent' } } } },
    },
    async (call) =>
      call.c.json(
        await call.reader.events(
          defined({ taskId: call.query.task as string | undefined, after: call.query.after as number | undefined, limit: call.query.limit as number }),
        ),
      ),
  )
  route(
    reg,
    {
      method: 'get',
      path: `${B}/events/stream`,
      role: 'viewer',
      tag: 'events',
      op: 'stream',
      summary: 'live events (Server-Sent Events), resumable with Last-Event-ID',
      description:
        'Each event is an SSE message whose id is the event id and whose data is the KanbanEvent JSON. With Last-Event-ID (or `after`) the stream starts right after that id; else with the next event written. `event: gap` first when events after the id were trimmed. A `: keep-alive` comment every 15 s. With `fleet=true`, also `event: fleet` messages (no id) whose data is the Fleet JSON: the current one once live, then each time it changes (read every 2 s).',
      query: [
        { name: 'after', type: 'integer', min: 0, description: 'start after this event id (Last-Event-ID wins)' },
        { name: 'task', type: 'string', description: "only this task's events" },
        { name: 'fleet', type: 'boolean', default: false, description: 'also push the fleet (`event: fleet`) when it changes' },
      ],
      responses: { 200: { description: 'the event stream', sse: true } },
    },
    async (call) => {
      const header = call.c.req.header('last-event-id')
      let after = call.query.after as number | undefined
      if (header !== undefined && header !== '') {
        if (!/^\d{1,15}$/.test(header))
          throw new HttpError(400, 'INVALID_INPUT', `stream: Last-Event-ID: expected an event id, got ${JSON.stringify(header)}`, { field: 'Last-Event-ID' })
        after = Number(header)
      }
      const body = eventStream(call.reader, deps.hub(call.boardName), {
        ...(after !== undefined ? { after } : {}),
        ...(call.query.task !== undefined ? { taskId: String(call.query.task) } : {}),
        keepAliveMs: deps.keepAliveMs,
        onError: deps.onError,
        ...(call.query.fleet && deps.fleet ? { fleet: deps.fleet(call.boardName) } : {}),
      })
      return new Response(body, {
        headers: {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        },
      })
    },
  )
  route(
    reg,
    {
      method: 'get',
      path: `${B}/needs-you`,
      role: 'viewer',
      tag: 'views',
      op: 'needsYou',
      summary: 'every task waiting on a person, ranked by how many tasks downstream it holds up',
      description:
        'Sticky blocks, breaker-open tasks, triage and review. Bounded: at most 500 candidates per kind (the first of each status index), at most 2,000 descendants visited per task and 20,000 per request (`holdsUpExact: false` beyond).',
      query: [{ name: 'limit', type: 'integer', min: 1, max: 200, default: 50, description: 'most items returned' }],
      responses: { 200: { description: 'the ranked items', schema: 'NeedsYou' } },
    },
    async (call) => call.c.json(await needsYou(call.reader, call.query.limit as number)),
  )
  route(
    reg,
    {
      method: 'get',
      path: `${B}/graph`,
      role: 'viewer',
      tag: 'views',
      op: 'graph',
      summary: 'the DAG around a task (or of the board), read within bounds',
      query: [
        { name: 'root', type: 'string', description: 'the task to start from; without it the board graph (non-archived tasks in priority order)' },
        { name: 'depth', type: 'integer', min: 1, max: 20, default: 2, description: 'levels from the root' },
        { name: 'direction', type: 'string', enum: ['up', 'down', 'both'], default: 'both', description: 'parents, children or both' },
        { name: 'maxNodes', type: 'integer', min: 1, max: 5000, default: 500, description: 'most tasks read' },
        { name: 'blockingPath', type: 'boolean', default: false, description: 'add `blocking`: the root and the unsatisfied ancestors it waits on' },
      ],
      responses: { 200: { description: 'nodes and edges', schema: 'Graph' }, 404: { description: 'unknown root', schema: 'Error' } },
    },
    async (call) =>
      call.c.json(
        await graph(call.reader, {
          ...(call.query.root !== undefined ? { root: String(call.query.root) } : {}),
          depth: call.query.depth as number,
          direction: call.query.direction as 'up' | 'down' | 'both',
          maxNodes: call.query.maxNodes as number,
          blockingPath: call.query.blockingPath as boolean,
        }),
      ),
  )
  route(
    reg,
    {
      method: 'get',
      path: `${B}/fleet`,
      role: 'viewer',
      tag: 'views',
      op: 'fleet',
      summary: "lanes with ready / running counts and the oldest ready age, live workers, the dispatcher's last tick and leader, HTTP workers waiting",
      description:
        "Per lane from stats().byLane (exact counts from the listing indexes) and workers() (live workers from their announcements); the dispatcher from stats().dispatcher. `at` is the Redis server's clock when read: ages are `at - oldestReadyAt`.",
      responses: { 200: { description: 'the fleet', schema: 'Fleet' } },
    },
    async (call) => call.c.json(await fleet(call.reader, deps.httpWorkers(call.boardName))),
  )
}
