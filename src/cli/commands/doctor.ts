/**
 * `kanban doctor` (docs/reliability.md#kanban-doctor): the board's invariants checked in
 * bounded passes; `--repair` repairs what it found (each repair a `repaired` event) and
 * checks again. Exit 0: no drift (or, with --repair, none left); 3: drift found (left).
 */
import type { DoctorReport } from '../../doctor.js'
import { print, type Command } from '../context.js'
import { table } from '../format.js'

/** The exit code of a check that found drift (docs/cli.md#exit-codes). */
export const EXIT_DRIFT = 3

const doctor: Command = {
  name: 'doctor',
  summary: 'check the board for drift (indexes, counters, runs, lost BullMQ jobs, keys of deleted tasks); --repair fixes it; exit 3 on drift',
  usage: 'doctor [--repair] [--page-size <1-100>] [--lost-after-ms <ms>] [--max-findings <n>]',
  options: { repair: { type: 'boolean' }, 'page-size': { type: 'string' }, 'lost-after-ms': { type: 'string' }, 'max-findings': { type: 'string' } },
  async run(ctx) {
    const f = ctx.flags
    f.args(0, '')
    const pageSize = f.int('page-size')
    const lostJobAfterMs = f.int('lost-after-ms')
    const maxFindings = f.int('max-findings')
    const opts = {
      ...(pageSize !== undefined ? { pageSize } : {}),
      ...(lostJobAfterMs !== undefined ? { lostJobAfterMs } : {}),
      ...(maxFindings !== undefined ? { maxFindings } : {}),
    }
    const repair = f.bool('repair')
    const report = await ctx.board.doctor({ ...opts, repair })
    // after a repair, what is left is what a fresh check finds
    const left = repair && report.findings.length > 0 ? await ctx.board.doctor(opts) : null
    const drift = (left ?? report).findings.length > 0
    print(ctx, left ? { ...report, left: left.findings } : report, () => doctorText(report, left))
    return drift ? EXIT_DRIFT : 0
  },
}

function doctorText(r: DoctorReport, left: DoctorReport | null): string {
  const lines = [`checked ${r.checked.tasks} task numbers and ${r.checked.runs} run numbers in ${r.passes} passes: ${r.findings.length} findings`]
  if (r.findings.length) {
    lines.push(
      table(
        ['ID', 'CHECK', 'DETAIL'],
        r.findings.map((x) => [x.id, x.check, JSON.stringify(x.detail)]),
      ),
    )
    if (r.truncated) lines.push('(more findings than --max-findings: the list stops there)')
  }
  if (left) {
    lines.push(`repaired ${r.repaired.length} (each a 'repaired' event), promoted ${r.promoted.length}, filed for dispatch again ${r.requeued.length}`)
    lines.push(left.findings.length ? `left after the repair: ${left.findings.map((x) => `${x.id} ${x.check}`).join(', ')}` : 'no drift left')
  } else if (r.findings.length) {
    lines.push('dry run: nothing written (kanban doctor --repair repairs it)')
  }
  return lines.join('\n')
}

export const doctorCommands: Command[] = [doctor]
