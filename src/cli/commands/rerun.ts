/** `kanban rerun`: reopen a done task, and with --subtree its whole downstream (docs/lifecycle.md#re-run). */
import { err, print, type Command } from '../context.js'
import { me } from './tasks.js'

const rerun: Command = {
  name: 'rerun',
  summary: 'reopen a done task (ready, or todo while a parent is unsatisfied); --subtree: its descendants too',
  usage: 'rerun <id> [--subtree] [--reason <text>] [--actor <who>]',
  options: { subtree: { type: 'boolean' }, reason: { type: 'string' }, actor: { type: 'string' } },
  async run(ctx) {
    const f = ctx.flags
    f.args(1, '<id>')
    const id = f.task()
    const reason = f.str('reason')
    const r = await ctx.board.rerunTask(id, {
      actor: f.str('actor') ?? me(),
      ...(f.bool('subtree') ? { subtree: true } : {}),
      ...(reason !== undefined ? { reason } : {}),
    })
    if (!r) {
      const t = await ctx.board.getTask(id)
      if (ctx.json) print(ctx, { ok: false, task: t }, () => '')
      err(`kanban rerun: refused: task ${id} is ${t ? t.status : 'gone'}; only a done task can be re-run`)
      return 1
    }
    print(ctx, { ok: true, id, ...r }, () => {
      const lines = [`${id}: ${r.status}`]
      if (r.reopened.length > 1) lines.push(`reopened: ${r.reopened.slice(1).join(' ')}`)
      if (r.demoted.length) lines.push(`back to waiting: ${r.demoted.join(' ')}`)
      if (r.reclaimed.length) lines.push(`runs closed: ${r.reclaimed.join(' ')}`)
      return lines.join('\n')
    })
    return 0
  },
}

export const rerunCommands: Command[] = [rerun]
