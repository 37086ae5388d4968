/**
 * Scenario — shell: a fleet of subprocess handlers (commandHandler, docs/fleet.md), each
 * task a no-op shell command that calls `kanban complete` (the compiled CLI,
 * dist/cli/kanban.js, as `npm run build` left it): before, the CLI connects to
 * Redis itself (the worker's channel off); after, it goes through the worker's channel
 * (docs/handler-protocol.md). Beside them, the in-process handler (ctx.complete) on the same
 * worker layout, and a Python handler that speaks the channel protocol itself (no CLI
 * process: what the channel allows a handler in another language). Per mode: tasks/s and CPU per task — the worker process, the handler
 * processes (sh and the CLI: the worker's reaped children) and Redis — with the load
 * average, since these runs are CPU-bound on a small machine.
 *
 *   npm run bench -- --only shell [--quick] [--shell-before <kanban bin>]
 *
 * --shell-before adds a row: the same shell handler running another `kanban` bin (e.g. an
 * older checkout's) over its own Redis connection, so before and after share one report.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { WorkerSpec } from '../procs/protocol.js'
import type { Ctx } from '../lib/context.js'
import { medianOf } from '../lib/stats.js'
import { throughputRun, type ThroughputRun } from '../lib/throughput.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

export const SHELL_MODES = ['in-process', 'shell via Redis, another CLI', 'shell via Redis', 'shell via channel', 'python via channel'] as const
export type ShellMode = (typeof SHELL_MODES)[number]

export interface ShellRun extends ThroughputRun {
  mode: ShellMode
  /** 1-minute load average when the run started */
  load: number
}

export interface ShellResult {
  tasks: number
  procs: number
  concurrency: number
  command: string
  /** --shell-before: the other kanban bin of the "shell via Redis, another CLI" row */
  beforeBin?: string
  reps: ShellRun[]
  medians: ShellRun[]
}

/** A no-op Python handler: one `complete` over the channel, standard library only. */
const python = (exe: string) =>
  `"${exe}" -c 'import json, os, socket; s = socket.socket(socket.AF_UNIX); s.connect(os.environ["KANBAN_CHANNEL"]); ` +
  `s.sendall((json.dumps({"op": "complete", "secret": os.environ["KANBAN_CHANNEL_SECRET"]}) + "\\n").encode()); ` +
  `r = json.loads(s.makefile().readline()); assert r["ok"] and r["result"], r'`

/** The interpreter itself, not a version manager's shim (pyenv's costs ~0.5 CPU-s per start); null without python3. */
function python3(): string | null {
  try {
    return execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim() || null
  } catch {
    return null
  }
}

/** The in-process handler costs ~1000× less per task: more tasks, so its run is not all start-up. */
const IN_PROCESS_FACTOR = 10

export async function shell(ctx: Ctx, beforeBin?: string): Promise<ShellResult> {
  const { shellTasks: tasks, shellProcs: procs, shellConcurrency: concurrency, shellReps: reps } = ctx.cfg
  // the handlers run the compiled CLI: built by `npm run build`, not here (a rebuild would
  // replace dist/ under anything else using it, such as a test run)
  const bin = join(root, 'dist', 'cli', 'kanban.js')
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build first`)
  const command = `"${process.execPath}" "${bin}" complete`
  const py = python3()
  const specs: Record<ShellMode, Partial<WorkerSpec> | undefined> = {
    'in-process': undefined,
    'shell via Redis, another CLI': beforeBin ? { command: `"${process.execPath}" "${beforeBin}" complete`, channel: false } : undefined,
    'shell via Redis': { command, channel: false },
    'shell via channel': { command, channel: true },
    'python via channel': py ? { command: python(py), channel: true } : undefined,
  }
  const modes = SHELL_MODES.filter((m) => m === 'in-process' || specs[m] !== undefined)
  const one = (mode: ShellMode, n: number) =>
    // a handler process per task: allow 2 s each on a loaded machine; count the done tasks
    // every 100 ms, not 5, so the counting is not most of Redis's work
    throughputRun(ctx, 'ours', { tasks: n, procs, concurrency, spec: specs[mode], timeoutMs: 60_000 + n * 2000, pollMs: mode === 'in-process' ? 5 : 100 })

  // warm-up, not recorded: the worker's JIT, the CLI's files in the page cache
  for (const mode of modes) await one(mode, mode === 'in-process' ? 200 : 2 * concurrency)

  const runs: ShellRun[] = []
  for (let rep = 0; rep < reps; rep++) {
    const order = rep % 2 === 0 ? modes : [...modes].reverse()
    for (const mode of order) {
      const load = os.loadavg()[0]!
      const r = await one(mode, mode === 'in-process' ? tasks * IN_PROCESS_FACTOR : tasks)
      const run = { ...r, mode, load }
      ctx.log(
        `shell rep ${rep + 1}/${reps} ${mode}: ${r.tasksPerSec.toFixed(1)} tasks/s, CPU ${f(cpuPerTaskMs(run), 1)} ms/task (worker ${f(r.clientCpuMs / r.tasks, 2)}, handlers ${f(r.handlerCpuMs / r.tasks, 1)}, Redis ${f(r.redis.cpuUsPerTask / 1000, 2)}), load ${load.toFixed(1)}${r.errors.length ? `, errors: ${r.errors[0]}` : ''}`,
      )
      runs.push(run)
    }
  }
  return {
    tasks,
    procs,
    concurrency,
    command: `sh -c 'node dist/cli/kanban.js complete'`,
    ...(beforeBin ? { beforeBin } : {}),
    reps: runs,
    medians: modes.map((mode) => ({ ...medianOf(runs.filter((r) => r.mode === mode)), mode })),
  }
}

/** Every CPU a task cost: the worker process, its handler processes, Redis; ms. */
export const cpuPerTaskMs = (r: ThroughputRun) => (r.clientCpuMs + r.handlerCpuMs + (r.redis.cpuUsPerTask * r.tasks) / 1000) / r.tasks

const f = (x: number | undefined, d = 0): string =>
  x === undefined || !Number.isFinite(x) ? '–' : x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d })

export function shellMarkdown(s: ShellResult, cores: number): string {
  const head = [
    'handler',
    'tasks',
    'tasks/s',
    'wall s',
    'CPU ms/task (all)',
    'worker ms/task',
    'handler processes ms/task',
    'Redis µs/task',
    'CPU-seconds (all)',
    'machine busy (cores)',
    'load at start',
  ]
  const rows = s.medians.map((r) => [
    r.mode,
    f(r.tasks),
    f(r.tasksPerSec, 1),
    f(r.wallMs / 1000, 1),
    f(cpuPerTaskMs(r), 2),
    f(r.clientCpuMs / r.tasks, 2),
    f(r.handlerCpuMs / r.tasks, 1),
    f(r.redis.cpuUsPerTask, 0),
    f((cpuPerTaskMs(r) * r.tasks) / 1000, 1),
    f(r.machineBusy, 2),
    f(r.load, 1),
  ])
  const before = s.medians.find((r) => r.mode === 'shell via Redis')
  const after = s.medians.find((r) => r.mode === 'shell via channel')
  const gain =
    before && after
      ? `\`kanban complete\` through the channel: ${f(after.tasksPerSec / before.tasksPerSec, 2)}× the tasks/s of the CLI's own Redis connection, at ${f(cpuPerTaskMs(after) / cpuPerTaskMs(before), 2)}× its CPU per task.`
      : ''
  return [
    `## Subprocess handlers — ${s.procs} worker process × concurrency ${s.concurrency}, ${cores} cores\n`,
    `Each task runs \`${s.command}\` (a no-op shell handler reporting with the CLI): "via Redis" is the CLI opening its own connection (the worker's channel off), "via channel" sends the call to the worker (docs/handler-protocol.md)${s.beforeBin ? `; "another CLI" runs \`${s.beforeBin}\` over its own connection` : ''}. "in-process" is a handler calling ctx.complete() in the worker (${IN_PROCESS_FACTOR}× the tasks). Handler processes' CPU = the worker's reaped children (sh and node); "python via channel" is a no-op \`python3 -c\` that sends one \`complete\` over the channel itself. Medians of ${s.reps.length / s.medians.length} repetition(s), modes alternating. CPU-bound on a small machine: read CPU per task, and the load beside it.\n`,
    [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n'),
    '',
    gain,
    '',
  ].join('\n')
}
