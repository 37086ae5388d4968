/** /api/boards/{board}/tasks…: reading tasks and every task operation of the CLI. */
import { STATUSES } from '../../status.js'
import type { Registry } from '../define.js'
import { route } from '../define.js'
import { listPage } from '../views.js'
import { action, B, brief, briefs, defined, EVENTS_QUERY, mustGet, R, refusal } from './common.js'

const T = `${B}/tasks/{id}`

export function taskRoutes(reg: Registry): void {
  // ---- reads ----------------------------------------------------------------------------
  route(
    reg,
    {
      method: 'get',
      path: `${B}/tasks`,
      role: 'viewer',
      tag: 'tasks',
      op: 'listTasks',
      summary: 'list and search tasks, a page at a time',
      description:
        "A page in priority order from the library's listing indexes (listTasksPage): status, assignee and tenant — as parameters or as `q` qualifiers (status: lane: tenant:) — choose the index, and `next` is the library's cursor (a position, stable under concurrent writes; pass it as `after`). The rest of `q` (breaker:open sticky:yes lane:none, free text) filters the index pages as they are read, at most 5,000 tasks per request: a page may then be short with `truncated: true` and a `next` to go on from. `id:` reads one task. `orderBy=createdAt` reads every match and sorts it: no cursor.",
      query: [
        { name: 'status', type: 'list', enum: [...STATUSES], description: 'one or more statuses, comma-separated' },
        { name: 'assignee', type: 'string', description: 'the lane (case-insensitive)' },
        { name: 'tenant', type: 'string', description: 'the tenant' },
        { name: 'includeArchived', type: 'boolean', default: false, description: 'list archived tasks too' },
        { name: 'orderBy', type: 'string', enum: ['priority', 'createdAt'], description: 'default: priority desc, then oldest' },
        { name: 'limit', type: 'integer', min: 1, max: 500, default: 100, description: 'tasks per page' },
        { name: 'after', type: 'string', description: 'the `next` cursor of the previous page (not with orderBy=createdAt)' },
        { name: 'q', type: 'string', description: 'search: `status:blocked lane:coder tenant:acme breaker:open sticky:yes id:t4 text…`' },
      ],
      responses: { 200: { description: 'a page of tasks', schema: 'TaskPage' } },
    },
    async (call) => {
      const q = call.query
      return call.c.json(
        await listPage(call.reader, {
          ...(q.status ? { status: q.status as never } : {}),
          ...(q.assignee !== undefined ? { assignee: String(q.assignee) } : {}),
          ...(q.tenant !== undefined ? { tenant: String(q.tenant) } : {}),
          ...(q.includeArchived ? { includeArchived: true } : {}),
          ...(q.orderBy ? { orderBy: q.orderBy as 'priority' | 'createdAt' } : {}),
          limit: q.limit as number,
          ...(q.after !== undefined ? { after: String(q.after) } : {}),
          ...(q.q !== undefined ? { q: String(q.q) } : {}),
        }),
      )
    },
  )
  route(
    reg,
    {
      method: 'get',
      path: T,
      role: 'viewer',
      tag: 'tasks',
      op: 'getTask',
      summary: 'a task',
      responses: { 200: { description: 'the task', schema: 'Task' }, 404: R.notFound },
    },
    async (call) => call.c.json(await mustGet(call.reader, call.param('id'))),
  )
  route(
    reg,
    {
      method: 'get',
      path: `${T}/detail`,
      role: 'viewer',
      tag: 'tasks',
      op: 'detail',
      summary: "a task with its explain answer, parents, children, runs, comments and last events (the dashboard's task page)",
      query: [{ name: 'events', type: 'integer', min: 0, max: 1000, default: 50, description: 'how many of the last events' }],
      responses: { 200: { description: 'the task and what is around it', schema: 'Detail' }, 404: R.notFound },
    },
    async (call) => {
      const b = call.reader
      const id = call.param('id')
      const task = await mustGet(b, id)
      const n = call.query.events as number
      const [explain, childIds, runs, comments, events, settings] = await Promise.all([
        b.explain(id),
        b.children(id),
        b.runs(id),
        b.comments(id),
        b.events({ taskId: id }),
        b.settings(),
      ])
      const [parents, children] = await Promise.all([briefs(b, task.parents), briefs(b, childIds)])
      const limits = {
        ...(task.maxRetries !== null
          ? { failureLimit: task.maxRetries, source: 'task' }
          : { failureLimit: settings.failureLimit, source: settings.failureLimitSource }),
        blockRecurrenceLimit: settings.blockRecurrenceLimit,
      }
      return call.c.json({ task, explain, parents, children, runs, comments, events: n > 0 ? events.slice(-n) : [], limits })
    },
  )
  route(
    reg,
    {
      method: 'get',
      path: `${T}/explain`,
      role: 'viewer',
      tag: 'tasks',
      op: 'explain',
      summary: 'why the task is (not) running',
      responses: { 200: { description: 'the explanation', schema: 'Explanation' }, 404: R.notFound },
    },
    async (call) => call.c.json(await call.reader.explain(call.param('id'))),
  )
  route(
    reg,
    {
      method: 'get',
      path: `${T}/runs`,
      role: 'viewer',
      tag: 'tasks',
      op: 'runs',
      summary: "the task's runs, oldest first",
      responses: { 200: { description: 'runs', schema: { type: 'array', items: { $ref: '#/components/schemas/Run' } } }, 404: R.notFound },
    },
    async (call) => {
      await mustGet(call.reader, call.param('id'))
      return call.c.json(await call.reader.runs(call.param('id')))
    },
  )
  route(
    reg,
    {
      method: 'get',
      path: `${T}/events`,
      role: 'viewer',
      tag: 'tasks',
      op: 'events',
      summary: "the task's events, oldest first",
      query: EVENTS_QUERY,
      responses: { 200: { description: 'events', schema: { type: 'array', items: { $ref: '#/components/schemas/KanbanEvent' } } }, 404: R.notFound },
    },
    async (call) => {
      const id = call.param('id')
      await mustGet(call.reader, id)
      return call.c.json(await call.reader.events(defined({ taskId: id, after: call.query.after as number | undefined, limit: call.query.limit as number })))
    },
  )
  route(
    reg,
    {
      method: 'get',
      path: `${T}/comments`,
      role: 'viewer',
      tag: 'tasks',
      op: 'comments',
      summary: "the task's comments",
      responses: { 200: { description: 'comments', schema: { type: 'array', items: { $ref: '#/components/schemas/Comment' } } }, 404: R.notFound },
    },
    async (call) => {
      await mustGet(call.reader, call.param('id'))
      return call.c.json(await call.reader.comments(call.param('id')))
    },
  )
  route(
    reg,
    {
      method: 'get',
      path: `${T}/parents`,
      role: 'viewer',
      tag: 'tasks',
      op: 'parents',
      summary: "the task's parents",
      responses: { 200: { description: 'briefs, by id', schema: { type: 'array', items: { $ref: '#/components/schemas/Brief' } } }, 404: R.notFound },
    },
    async (call) => call.c.json(await briefs(call.reader, await call.reader.parents(call.param('id')))),
  )
  route(
    reg,
    {
      method: 'get',
      path: `${T}/children`,
      role: 'viewer',
      tag: 'tasks',
      op: 'children',
      summary: "the task's children",
      responses: { 200: { description: 'briefs, by id', schema: { type: 'array', items: { $ref: '#/components/schemas/Brief' } } }, 404: R.notFound },
    },
    async (call) => call.c.json(await briefs(call.reader, await call.reader.children(call.param('id')))),
  )
  route(
    reg,
    {
      method: 'get',
      path: `${T}/context`,
      role: 'viewer',
      tag: 'tasks',
      op: 'workerContext',
      summary: "what a worker needs: the task, its parents' results, prior attempts, comments",
      responses: { 200: { description: 'the context', schema: 'WorkerContext' }, 404: R.notFound },
    },
    async (call) => call.c.json(await call.reader.workerContext(call.param('id'))),
  )

  // ---- writes ---------------------------------------------------------------------------
  route(
    reg,
    {
      method: 'post',
      path: `${B}/tasks`,
      role: 'operator',
      tag: 'tasks',
      op: 'createTask',
      summary: 'create a task (createdBy: the token)',
      body: 'CreateTaskBody',
      responses: {
        201: {
          description: 'created',
          schema: { type: 'object', properties: { id: { type: 'string' }, task: { $ref: '#/components/schemas/Task' } }, required: ['id', 'task'] },
        },
      },
    },
    async (call) => {
      const h = await call.handle()
      const id = await h.createTask({ ...call.body, createdBy: call.principal.name })
      return call.c.json({ id, task: await call.reader.getTask(id) }, 201)
    },
  )
  route(
    reg,
    {
      method: 'post',
      path: `${B}/dag`,
      role: 'operator',
      tag: 'tasks',
      op: 'createTasks',
      summary: 'create a whole DAG in one atomic step (createTasks)',
      body: 'DagBody',
      responses: {
        201: {
          description: 'ref -> id',
          schema: { type: 'object', properties: { ids: { type: 'object', additionalProperties: { type: 'string' } } }, required: ['ids'] },
        },
      },
    },
    async (call) => {
      const h = await call.handle()
      const ids = await h.createTasks(call.body.tasks.map((n) => ({ ...n, createdBy: call.principal.name })))
      return call.c.json({ ids }, 201)
    },
  )
  route(
    reg,
    {
      method: 'patch',
      path: T,
      role: 'operator',
      tag: 'tasks',
      op: 'updateTask',
      summary: 'patch fields (null clears tenant, maxRetries, maxRuntimeMs); ok false: nothing changed',
      body: 'UpdateBody',
      responses: { 200: R.action, 404: R.notFound },
    },
    async (call) => {
      const id = call.param('id')
      const ok = await (await call.handle()).updateTask(id, call.body)
      return call.c.json({ ok, task: await mustGet(call.reader, id) })
    },
  )
  route(
    reg,
    {
      method: 'delete',
      path: T,
      role: 'operator',
      tag: 'tasks',
      op: 'deleteTask',
      summary: 'delete with its links, runs and events; releases its children',
      responses: {
        200: { description: 'deleted', schema: { type: 'object', properties: { ok: { type: 'boolean' }, id: { type: 'string' } } } },
        404: R.notFound,
      },
    },
    async (call) => {
      const id = call.param('id')
      await mustGet(call.reader, id)
      const ok = await (await call.handle()).deleteTask(id)
      return call.c.json({ ok, id })
    },
  )
  route(
    reg,
    {
      method: 'post',
      path: `${T}/assign`,
      role: 'operator',
      tag: 'tasks',
      op: 'assignTask',
      summary: 'set the lane (null unassigns); refused while running',
      body: 'AssignBody',
      responses: { 200: R.action, 404: R.notFound, 409: R.refused },
    },
    async (call) => {
      const id = call.param('id')
      return action(call, await (await call.handle()).assignTask(id, call.body.assignee), id)
    },
  )
  route(
    reg,
    {
      method: 'post',
      path: `${T}/specify`,
      role: 'operator',
      tag: 'tasks',
      op: 'specifyTask',
      summary: 'take a task out of triage (author: the token)',
      body: 'SpecifyBody',
      responses: { 200: R.action, 404: R.notFound, 409: R.refused },
    },
    async (call) => {
      const id = call.param('id')
      return action(call, await (await call.handle()).specifyTask(id, { ...call.body, author: call.principal.name }), id)
    },
  )
  route(
    reg,
    {
      method: 'post',
      path: `${T}/comments`,
      role: 'operator',
      tag: 'tasks',
      op: 'addComment',
      summary: 'add a comment (author: the token)',
      body: 'CommentBody',
      responses: {
        201: { description: 'the comment event id', schema: { type: 'object', properties: { eventId: { type: 'integer' } }, required: ['eventId'] } },
        404: R.notFound,
      },
    },
    async (call) => {
      const id = call.param('id')
      const eventId = await (await call.handle()).addComment(id, { author: call.principal.name, body: call.body.body })
      return call.c.json({ eventId }, 201)
    },
  )
  const edge = {
    description: 'ok false: already linked / not linked',
    schema: {
      type: 'object',
      properties: { ok: { type: 'boolean' }, parent: { type: 'string' }, child: { type: 'string' }, task: { $ref: '#/components/schemas/Task' } },
    },
  }
  route(
    reg,
    {
      method: 'post',
      path: `${T}/parents`,
      role: 'operator',
      tag: 'tasks',
      op: 'linkTasks',
      summary: 'make this task wait for a parent (cycles and self links refused)',
      body: 'LinkBody',
      responses: { 200: edge, 404: R.notFound, 409: R.refused },
    },
    async (call) => {
      const child = call.param('id')
      const ok = await (await call.handle()).linkTasks(call.body.parent, child)
      return call.c.json({ ok, parent: call.body.parent, child, task: await call.reader.getTask(child) })
    },
  )
  route(
    reg,
    {
      method: 'delete',
      path: `${T}/parents/{parent}`,
      role: 'operator',
      tag: 'tasks',
      op: 'unlinkTasks',
      summary: 'remove the edge parent -> this task',
      responses: { 200: edge, 404: R.notFound },
    },
    async (call) => {
      const child = call.param('id')
      const parent = call.param('parent')
      const ok = await (await call.handle()).unlinkTasks(parent, child)
      return call.c.json({ ok, parent, child, task: await call.reader.getTask(child) })
    },
  )
  route(
    reg,
    {
      method: 'post',
      path: `${T}/archive`,
      role: 'operator',
      tag: 'tasks',
      op: 'archiveTask',
      summary: 'archive (hidden from listings; satisfies its children)',
      responses: { 200: R.action, 404: R.notFound, 409: R.refused },
    },
    async (call) => {
      const id = call.param('id')
      return action(call, await (await call.handle()).archiveTask(id), id)
    },
  )

  // ---- lifecycle ------------------------------------------------------------------------
  route(
    reg,
    {
      method: 'post',
      path: `${T}/claim`,
      role: 'operator',
      tag: 'lifecycle',
      op: 'claimTask',
      summary: 'claim a ready (or review) task by hand (claimer: the token); the run id is the fencing token',
      body: 'ClaimBody',
      responses: {
        200: {
          description: 'claimed',
          schema: { type: 'object', properties: { claim: { $ref: '#/components/schemas/Claim' }, task: { $ref: '#/components/schemas/Task' } } },
        },
        404: R.notFound,
        409: R.refused,
      },
    },
    async (call) => {
      const id = call.param('id')
      const c = await (await call.handle()).claimTask(id, { claimer: call.principal.name, ...(call.body ?? {}) })
      const task = await mustGet(call.reader, id)
      if (!c) throw refusal(task, undefined, task.status === 'todo' ? `task ${id} is todo (a parent is not done)` : undefined)
      return call.c.json({ claim: c, task })
    },
  )
  route(
    reg,
    {
      method: 'post',
      path: `${T}/heartbeat`,
      role: 'operator',
      tag: 'lifecycle',
      op: 'heartbeat',
      summary: "extend the open run's lease, optionally with a progress note",
      body: 'HeartbeatBody',
      responses: { 200: R.action, 404: R.notFound, 409: R.refused },
    },
    async (call) => {
      const id = call.param('id')
      return action(call, await (await call.handle()).heartbeat(id, call.body), id, { runId: call.body.runId })
    },
  )
  route(
    reg,
    {
      method: 'post',
      path: `${T}/complete`,
      role: 'operator',
      tag: 'lifecycle',
      op: 'completeTask',
      summary: 'mark done (promotes and enqueues its children)',
      body: 'CompleteBody',
      responses: { 200: R.action, 404: R.notFound, 409: R.refused },
    },
    async (call) => {
      const id = call.param('id')
      return action(call, await (await call.handle()).completeTask(id, call.body), id, { runId: call.body?.runId })
    },
  )
  route(
    reg,
    {
      method: 'post',
      path: `${T}/block`,
      role: 'operator',
      tag: 'lifecycle',
      op: 'blockTask',
      summary: 'hand the task to a human (sticky)',
      body: 'BlockBody',
      responses: { 200: R.action, 404: R.notFound, 409: R.refused },
    },
    async (call) => {
      const id = call.param('id')
      return action(call, await (await call.handle()).blockTask(id, call.body), id, { runId: call.body.runId })
    },
  )
  route(
    reg,
    {
      method: 'post',
      path: `${T}/unblock`,
      role: 'operator',
      tag: 'lifecycle',
      op: 'unblockTask',
      summary: 'release a blocked or scheduled task (clears stickiness and the failure counter)',
      body: 'UnblockBody',
      responses: { 200: R.action, 404: R.notFound, 409: R.refused },
    },
    async (call) => {
      const id = call.param('id')
      return action(call, await (await call.handle()).unblockTask(id, { actor: call.principal.name }), id)
    },
  )
  route(
    reg,
    {
      method: 'post',
      path: `${T}/schedule`,
      role: 'operator',
      tag: 'lifecycle',
      op: 'scheduleTask',
      summary: 'park the task until runAt or until unblocked',
      body: 'ScheduleBody',
      responses: { 200: R.action, 404: R.notFound, 409: R.refused },
    },
    async (call) => {
      const id = call.param('id')
      return action(call, await (await call.handle()).scheduleTask(id, call.body), id, { runId: call.body?.runId })
    },
  )
  route(
    reg,
    {
      method: 'post',
      path: `${T}/promote`,
      role: 'operator',
      tag: 'lifecycle',
      op: 'promoteTask',
      summary: 'todo or blocked -> ready (force ignores unfinished parents)',
      body: 'PromoteBody',
      responses: { 200: R.action, 404: R.notFound, 409: R.refused },
    },
    async (call) => {
      const id = call.param('id')
      const ok = await (await call.handle()).promoteTask(id, { ...call.body, actor: call.principal.name })
      return action(call, ok, id, { why: (t) => (t.status === 'todo' || t.status === 'blocked' ? `task ${id} has unfinished parents (use force)` : undefined) })
    },
  )
  route(
    reg,
    {
      method: 'post',
      path: `${T}/reclaim`,
      role: 'operator',
      tag: 'lifecycle',
      op: 'reclaimTask',
      summary: 'take a running task back from its worker (-> ready)',
      body: 'ReclaimBody',
      responses: { 200: R.action, 404: R.notFound, 409: R.refused },
    },
    async (call) => {
      const id = call.param('id')
      return action(call, await (await call.handle()).reclaimTask(id, call.body), id)
    },
  )
  route(
    reg,
    {
      method: 'post',
      path: `${T}/review`,
      role: 'operator',
      tag: 'lifecycle',
      op: 'requestReview',
      summary: 'running -> review (optionally to a reviewer lane)',
      body: 'ReviewBody',
      responses: { 200: R.action, 404: R.notFound, 409: R.refused },
    },
    async (call) => {
      const id = call.param('id')
      return action(call, await (await call.handle()).requestReview(id, call.body), id, { runId: call.body?.runId })
    },
  )
  route(
    reg,
    {
      method: 'post',
      path: `${T}/request-changes`,
      role: 'operator',
      tag: 'lifecycle',
      op: 'requestChanges',
      summary: 'review -> ready, back to the author lane',
      body: 'ChangesBody',
      responses: { 200: R.action, 404: R.notFound, 409: R.refused },
    },
    async (call) => {
      const id = call.param('id')
      return action(call, await (await call.handle()).requestChanges(id, call.body), id, { runId: call.body.runId })
    },
  )
  route(
    reg,
    {
      method: 'post',
      path: `${T}/fail`,
      role: 'operator',
      tag: 'lifecycle',
      op: 'recordFailure',
      summary: 'record a failed attempt (the circuit breaker)',
      body: 'FailBody',
      responses: {
        200: {
          description: 'the breaker result and the task',
          schema: {
            type: 'object',
            properties: { ok: { type: 'boolean' }, result: { $ref: '#/components/schemas/FailureResult' }, task: { $ref: '#/components/schemas/Task' } },
          },
        },
        404: R.notFound,
        409: R.refused,
      },
    },
    async (call) => {
      const id = call.param('id')
      const result = await (await call.handle()).recordFailure(id, call.body)
      return call.c.json({ ok: true, result, task: await call.reader.getTask(id) })
    },
  )
}

export { brief }
