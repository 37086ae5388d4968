/** Creating, reading and editing tasks: create, list, show, update, assign, link, ... */
import os from 'node:os'
import type { CreateTaskInput } from '../../schemas.js'
import type { Task } from '../../types.js'
import { NotFoundError } from '../../errors.js'
import { parseTime, UsageError } from '../args.js'
import { err, finish, out, print, type Command, type Ctx } from '../context.js'
import { taskDetail, taskTable, runTable } from '../format.js'

export const me = () => process.env.USER || os.userInfo().username || 'cli'

async function mustGet(ctx: Ctx, id: string): Promise<Task> {
  const t = await ctx.board.getTask(id)
  if (!t) throw new NotFoundError(id)
  return t
}

const brief = (t: Task) => ({ id: t.id, status: t.status, title: t.title })

const create: Command = {
  name: 'create',
  summary: 'create a task; prints its id',
  usage:
    'create --title <text> [--body <text>] [--assignee <lane>] [--priority <n>] [--parent <id>]... [--tenant <t>] ' +
    '[--max-retries <n>] [--max-runtime-ms <ms>] [--retry-backoff-ms <ms>] [--idempotency-key <k>] [--triage] [--blocked] [--run-at <time>] ' +
    '[--metadata <json>] [--created-by <who>]',
  options: {
    title: { type: 'string' },
    body: { type: 'string' },
    assignee: { type: 'string' },
    priority: { type: 'string' },
    parent: { type: 'string', multiple: true },
    tenant: { type: 'string' },
    'max-retries': { type: 'string' },
    'max-runtime-ms': { type: 'string' },
    'retry-backoff-ms': { type: 'string' },
    'idempotency-key': { type: 'string' },
    triage: { type: 'boolean' },
    blocked: { type: 'boolean' },
    'run-at': { type: 'string' },
    metadata: { type: 'string' },
    'created-by': { type: 'string' },
  },
  async run(ctx) {
    const f = ctx.flags
    f.args(0, '')
    const runAt = f.str('run-at')
    const input: CreateTaskInput = {
      title: f.need('title'),
      body: f.str('body'),
      assignee: f.str('assignee'),
      priority: f.int('priority'),
      parents: f.list('parent'),
      tenant: f.str('tenant'),
      createdBy: f.str('created-by') ?? me(),
      maxRetries: f.int('max-retries'),
      maxRuntimeMs: f.int('max-runtime-ms'),
      retryBackoffMs: f.int('retry-backoff-ms'),
      idempotencyKey: f.str('idempotency-key'),
      triage: f.bool('triage') || undefined,
      initialStatus: f.bool('blocked') ? 'blocked' : undefined,
      runAt: runAt === undefined ? undefined : await parseTime('run-at', runAt, () => ctx.board.now()),
      metadata: f.json('metadata'),
    }
    for (const k of Object.keys(input) as (keyof CreateTaskInput)[]) if (input[k] === undefined) delete input[k]
    const id = await ctx.board.createTask(input)
    if (ctx.json) print(ctx, await ctx.board.getTask(id), () => '')
    else out(id)
    return 0
  },
}

const list: Command = {
  name: 'list',
  summary: 'list tasks (priority order; archived hidden unless --all); `next: <cursor>` on stderr when more follow',
  usage: 'list [--status <s>[,<s>]]... [--assignee <lane>] [--tenant <t>] [--all] [--limit <n>] [--after <cursor>] [--order priority|createdAt]',
  options: {
    after: { type: 'string' },
    status: { type: 'string', multiple: true },
    assignee: { type: 'string' },
    tenant: { type: 'string' },
    all: { type: 'boolean' },
    limit: { type: 'string' },
    order: { type: 'string' },
  },
  async run(ctx) {
    const f = ctx.flags
    f.args(0, '')
    const order = f.str('order')
    if (order !== undefined && order !== 'priority' && order !== 'createdAt') {
      throw new UsageError(`--order: expected priority or createdAt, got ${JSON.stringify(order)}`)
    }
    const status = f.list('status')
    const filter = {
      ...(status ? { status: status as never } : {}),
      ...(f.str('assignee') !== undefined ? { assignee: f.str('assignee') } : {}),
      ...(f.str('tenant') !== undefined ? { tenant: f.str('tenant') } : {}),
      ...(f.bool('all') ? { includeArchived: true } : {}),
    }
    const limit = f.int('limit')
    let after = f.str('after')
    if (order === 'createdAt') {
      if (after !== undefined) throw new UsageError('--after: not with --order createdAt (a cursor is a place in priority order)')
      const tasks = await ctx.board.listTasks({ ...filter, ...(limit !== undefined ? { limit } : {}), orderBy: order })
      print(ctx, tasks, () => taskTable(tasks))
      return 0
    }
    // pages of at most 1,000 (listTasksPage's bound) up to --limit (default 1,000, as listTasks)
    if (limit !== undefined && (limit < 1 || limit > 100_000)) throw new UsageError(`--limit: expected an integer from 1 to 100000, got ${limit}`)
    const want = limit ?? 1000
    const tasks: Task[] = []
    do {
      const page = await ctx.board.listTasksPage({ ...filter, limit: Math.min(1000, want - tasks.length), ...(after !== undefined ? { after } : {}) })
      tasks.push(...page.tasks)
      after = page.next ?? undefined
    } while (after !== undefined && tasks.length < want)
    print(ctx, tasks, () => taskTable(tasks))
    // stdout stays the listing; where the next page starts goes beside it
    if (after !== undefined) err(`next: ${after}`)
    return 0
  },
}

const show: Command = {
  name: 'show',
  summary: 'a task with its parents, children, runs, comments and last events',
  usage: 'show <id> [--events <n>]',
  options: { events: { type: 'string' } },
  async run(ctx) {
    ctx.flags.args(1, '<id>')
    const id = ctx.flags.task()
    const n = ctx.flags.int('events') ?? 15
    const t = await mustGet(ctx, id)
    const b = ctx.board
    const [childIds, runs, events, comments, settings] = await Promise.all([b.children(id), b.runs(id), b.events({ taskId: id }), b.comments(id), b.settings()])
    const get = async (ids: string[]) => (await Promise.all(ids.map((x) => b.getTask(x)))).filter((x): x is Task => !!x)
    const [parents, children] = await Promise.all([get(t.parents), get(childIds)])
    const last = n > 0 ? events.slice(-n) : []
    const limit = {
      ...(t.maxRetries !== null
        ? { failureLimit: t.maxRetries, source: 'task' }
        : { failureLimit: settings.failureLimit, source: settings.failureLimitSource }),
      blockRecurrenceLimit: settings.blockRecurrenceLimit,
    }
    print(ctx, { task: t, parents: parents.map(brief), children: children.map(brief), runs, comments, events: last }, () =>
      taskDetail(t, parents.map(brief), children.map(brief), runs, last, comments, limit),
    )
    return 0
  },
}

const runs: Command = {
  name: 'runs',
  summary: "a task's runs (attempts), oldest first",
  usage: 'runs <id>',
  async run(ctx) {
    ctx.flags.args(1, '<id>')
    const id = ctx.flags.task()
    await mustGet(ctx, id)
    const rs = await ctx.board.runs(id)
    print(ctx, rs, () => runTable(rs))
    return 0
  },
}

const link: Command = {
  name: 'link',
  summary: 'make <child> wait for <parent>',
  usage: 'link <parent> <child>',
  async run(ctx) {
    const [parent, child] = pair(ctx)
    const ok = await ctx.board.linkTasks(parent, child)
    return edge(ctx, ok, parent, child, 'linked', 'already linked')
  },
}

const unlink: Command = {
  name: 'unlink',
  summary: 'remove the edge <parent> -> <child>',
  usage: 'unlink <parent> <child>',
  async run(ctx) {
    const [parent, child] = pair(ctx)
    const ok = await ctx.board.unlinkTasks(parent, child)
    return edge(ctx, ok, parent, child, 'unlinked', 'not linked')
  },
}

function pair(ctx: Ctx): [string, string] {
  const p = ctx.flags.args(2, '<parent> <child>')
  if (p.length < 2) throw new UsageError('expected two task ids: <parent> <child>')
  return [p[0]!, p[1]!]
}

async function edge(ctx: Ctx, ok: boolean, parent: string, child: string, did: string, not: string) {
  const task = await ctx.board.getTask(child)
  if (ctx.json) out(JSON.stringify({ ok, parent, child, task }, null, 2))
  else if (ok) out(`${parent} -> ${child} ${did}; ${child}: ${task?.status}`)
  if (!ok) process.stderr.write(`kanban ${ctx.cmd}: ${parent} -> ${child}: ${not}\n`)
  return ok ? 0 : 1
}

const assign: Command = {
  name: 'assign',
  summary: 'set the lane of a task ("-" unassigns); refused while running',
  usage: 'assign <id> <assignee|->',
  async run(ctx) {
    const p = ctx.flags.args(2, '<id> <assignee|->')
    if (p.length < 2) throw new UsageError('expected <id> <assignee|-> (use "-" to unassign)')
    const a = p[1] === '-' ? null : p[1]!
    const ok = await ctx.board.assignTask(p[0]!, a)
    return finish(ctx, ok, p[0]!, 'assign')
  },
}

const update: Command = {
  name: 'update',
  summary: 'patch fields of a task ("-" clears tenant, max-retries, max-runtime-ms, retry-backoff-ms)',
  usage:
    'update <id> [--title <t>] [--body <b>] [--priority <n>] [--tenant <t|->] [--max-retries <n|->] [--max-runtime-ms <ms|->] ' +
    '[--retry-backoff-ms <ms|->] [--metadata <json>]',
  options: {
    title: { type: 'string' },
    body: { type: 'string' },
    priority: { type: 'string' },
    tenant: { type: 'string' },
    'max-retries': { type: 'string' },
    'max-runtime-ms': { type: 'string' },
    'retry-backoff-ms': { type: 'string' },
    metadata: { type: 'string' },
  },
  async run(ctx) {
    const f = ctx.flags
    f.args(1, '<id>')
    const id = f.task()
    const tenant = f.str('tenant')
    const patch: Parameters<typeof ctx.board.updateTask>[1] = {}
    if (f.str('title') !== undefined) patch.title = f.str('title')
    if (f.str('body') !== undefined) patch.body = f.str('body')
    if (f.str('priority') !== undefined) patch.priority = f.int('priority')
    if (tenant !== undefined) patch.tenant = tenant === '-' ? null : tenant
    if (f.str('max-retries') !== undefined) patch.maxRetries = f.intOrNull('max-retries')
    if (f.str('max-runtime-ms') !== undefined) patch.maxRuntimeMs = f.intOrNull('max-runtime-ms')
    if (f.str('retry-backoff-ms') !== undefined) patch.retryBackoffMs = f.intOrNull('retry-backoff-ms')
    if (f.str('metadata') !== undefined) patch.metadata = f.json('metadata')
    if (Object.keys(patch).length === 0)
      throw new UsageError(
        'nothing to update: give at least one of --title --body --priority --tenant --max-retries --max-runtime-ms --retry-backoff-ms --metadata',
      )
    const ok = await ctx.board.updateTask(id, patch)
    return finish(ctx, ok, id, 'update', () => 'nothing changed (the values are the same)')
  },
}

const specify: Command = {
  name: 'specify',
  summary: 'take a task out of triage (todo, or ready when its parents are done)',
  usage: 'specify <id> [--title <t>] [--body <b>] [--assignee <lane>] [--author <who>]',
  options: { title: { type: 'string' }, body: { type: 'string' }, assignee: { type: 'string' }, author: { type: 'string' } },
  async run(ctx) {
    const f = ctx.flags
    f.args(1, '<id>')
    const id = f.task()
    const opts: Record<string, string> = { author: f.str('author') ?? me() }
    for (const k of ['title', 'body', 'assignee']) if (f.str(k) !== undefined) opts[k] = f.str(k)!
    return finish(ctx, await ctx.board.specifyTask(id, opts), id, 'specify')
  },
}

const comment: Command = {
  name: 'comment',
  summary: 'add a comment to a task',
  usage: 'comment <id> --body <text> [--author <who>]',
  options: { author: { type: 'string' }, body: { type: 'string' } },
  async run(ctx) {
    const f = ctx.flags
    f.args(1, '<id>')
    const id = f.task()
    const eventId = await ctx.board.addComment(id, { author: f.str('author') ?? me(), body: f.need('body') })
    print(ctx, { ok: true, id, eventId }, () => `${id}: comment #${eventId}`)
    return 0
  },
}

const archive: Command = {
  name: 'archive',
  summary: 'archive a task (hidden from listings; satisfies its children)',
  usage: 'archive <id>',
  async run(ctx) {
    ctx.flags.args(1, '<id>')
    const id = ctx.flags.task()
    return finish(ctx, await ctx.board.archiveTask(id), id, 'archive')
  },
}

const del: Command = {
  name: 'delete',
  summary: 'delete a task with its links, runs and events (releases its children)',
  usage: 'delete <id>',
  async run(ctx) {
    ctx.flags.args(1, '<id>')
    const id = ctx.flags.task()
    const ok = await ctx.board.deleteTask(id)
    print(ctx, { ok, id }, () => `${id}: deleted`)
    return ok ? 0 : 1
  },
}

export const taskCommands: Command[] = [create, list, show, runs, update, assign, specify, comment, link, unlink, archive, del]
