/**
 * Durable subscribers from the CLI (docs/events.md#subscriptions): `kanban events
 * --subscriber <name>` prints the subscriber's unacknowledged events and acknowledges them
 * once printed (`--peek`: prints only; `--follow`: goes on, a page at a time, until Ctrl-C),
 * and `kanban subscribers` lists, creates, acknowledges and deletes them.
 */
import { KanbanError } from '../../errors.js'
import type { SubscriberInfo } from '../../subscriptions.js'
import type { KanbanEvent } from '../../types.js'
import { UsageError } from '../args.js'
import { err, out, print, type Command, type Ctx } from '../context.js'
import { eventLine, eventTable, table, time } from '../format.js'

/** The events command's flags for a subscriber. */
export const subscriberEventOptions = {
  subscriber: { type: 'string' },
  kinds: { type: 'string', multiple: true },
  from: { type: 'string' },
  peek: { type: 'boolean' },
} as const

/** Events printed by one `events --subscriber` call without --follow, unless --limit says otherwise. */
const DEFAULT_LIMIT = 1000
/** Events a --follow read asks for at once, and how long it waits for one. */
const FOLLOW_PAGE = 100
const FOLLOW_BLOCK_MS = 2000

/** `--from latest|earliest|<event id>` as the library takes it (it validates the rest). */
const fromFlag = (v: string | undefined) => (v === undefined ? undefined : /^\d+$/.test(v) ? Number(v) : (v as 'latest'))

async function open(ctx: Ctx, name: string) {
  const kinds = ctx.flags.list('kinds')
  const from = fromFlag(ctx.flags.str('from'))
  return ctx.board.subscriber(name, { ...(kinds ? { kinds: kinds as never } : {}), ...(from !== undefined ? { from } : {}) })
}

/**
 * `kanban events --subscriber <name>`: what the subscriber has not acknowledged, printed,
 * then acknowledged (at least once: a call killed before its acknowledgement prints the
 * same events next time).
 */
export async function subscriberEvents(ctx: Ctx): Promise<number> {
  const f = ctx.flags
  const name = f.need('subscriber')
  for (const other of ['task', 'after']) if (f.str(other) !== undefined) throw new UsageError(`--${other}: not with --subscriber (it reads after its cursor)`)
  const limit = f.int('limit')
  if (limit !== undefined && limit < 1) throw new UsageError(`--limit: expected a positive integer, got ${limit}`)
  const follow = f.bool('follow')
  if (follow && limit !== undefined) throw new UsageError('--limit: not with --follow (it streams until interrupted)')
  const ack = !f.bool('peek')
  const sub = await open(ctx, name)
  try {
    if (!follow) {
      const want = limit ?? DEFAULT_LIMIT
      const evs: KanbanEvent[] = []
      while (evs.length < want) {
        const page = await sub.read({ limit: Math.min(want - evs.length, 10_000) })
        if (page.length === 0) break
        evs.push(...page)
      }
      print(ctx, evs, () => eventTable(evs))
      if (ack) await sub.ack()
      const info = await sub.info()
      err(`subscriber ${name}: ${ack ? 'acknowledged' : 'not acknowledged (--peek); cursor'} #${info.cursor}, lag ${info.lag}`)
      return 0
    }
    const stop = () => sub.close()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    err(`following board ${ctx.boardName} as subscriber ${name} after #${(await sub.info()).cursor}${ack ? '' : ' (--peek)'} (Ctrl-C to stop)`)
    try {
      for (;;) {
        const page = await sub.read({ limit: FOLLOW_PAGE, blockMs: FOLLOW_BLOCK_MS }).catch((e: unknown) => {
          if ((e as { code?: string }).code === 'BOARD_CLOSED') return null // Ctrl-C
          throw e
        })
        if (page === null) break
        for (const e of page) out(ctx.json ? JSON.stringify(e) : eventLine(e))
        if (ack && page.length > 0) await sub.ack()
      }
    } finally {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
    }
    return 0
  } finally {
    sub.close()
  }
}

const infoTable = (subs: SubscriberInfo[]) =>
  subs.length === 0
    ? '(no subscribers)'
    : table(
        ['NAME', 'KINDS', 'CURSOR', 'LAG', 'ACKED'],
        subs.map((s) => [s.name, s.kinds ? s.kinds.join(',') : '*', String(s.cursor), String(s.lag), s.ackedAt ? time(s.ackedAt) : '-']),
      )

const subscribers: Command = {
  name: 'subscribers',
  summary: 'durable subscribers with their cursor and lag; subscribers create|ack|delete <name>',
  usage:
    'subscribers | subscribers create <name> [--kinds <kind>[,<kind>]] [--from latest|earliest|<eventId>] | subscribers ack <name> <eventId> | subscribers delete <name>',
  options: { kinds: { type: 'string', multiple: true }, from: { type: 'string' } },
  async run(ctx) {
    const [verb, name, arg, ...extra] = ctx.flags.positionals
    if (verb === undefined) {
      const subs = await ctx.board.subscribers()
      print(ctx, subs, () => infoTable(subs))
      return 0
    }
    if (!['create', 'ack', 'delete'].includes(verb)) throw new UsageError(`subscribers: expected "create", "ack" or "delete", got ${JSON.stringify(verb)}`)
    if (name === undefined) throw new UsageError(`subscribers ${verb}: expected a subscriber name`)
    const want = verb === 'ack' ? 3 : 2
    const unexpected = [arg, ...extra].slice(want - 2).find((a) => a !== undefined)
    if (unexpected !== undefined) throw new UsageError(`subscribers ${verb}: unexpected argument ${JSON.stringify(unexpected)}`)
    if (verb !== 'create' && (ctx.flags.str('from') !== undefined || ctx.flags.values.kinds !== undefined)) {
      throw new UsageError(`subscribers ${verb}: --kinds and --from are for create`)
    }
    if (verb === 'delete') {
      const deleted = await ctx.board.deleteSubscriber(name)
      print(ctx, { ok: deleted }, () => (deleted ? `${name}: deleted` : ''))
      if (!deleted) err(`kanban subscribers: refused: no subscriber ${name}`)
      return deleted ? 0 : 1
    }
    if (verb === 'create') {
      const sub = await open(ctx, name)
      try {
        const info = await sub.info()
        print(ctx, info, () => infoTable([info]))
        return 0
      } finally {
        sub.close()
      }
    }
    if (arg === undefined) throw new UsageError('subscribers ack: expected <name> <eventId>')
    // (a handle would create the subscriber: an unknown name is refused first)
    if (!(await ctx.board.subscribers()).some((s) => s.name === name)) {
      throw new KanbanError('SUBSCRIBER_NOT_FOUND', `name: expected an existing subscriber, got ${JSON.stringify(name)}`, { name })
    }
    const sub = await ctx.board.subscriber(name)
    try {
      const changed = await sub.ack(/^-?\d+$/.test(arg) ? Number(arg) : (arg as unknown as number))
      const info = await sub.info()
      print(
        ctx,
        { ok: changed, subscriber: info },
        () => `${name}: cursor #${info.cursor}, lag ${info.lag}${changed ? '' : ' (unchanged: it was there already)'}`,
      )
      return 0
    } finally {
      sub.close()
    }
  },
}

export const subscriberCommands: Command[] = [subscribers]
