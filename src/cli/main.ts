/**
 * `kanban` — the command-line surface of the board (docs/cli.md). One subcommand per board
 * operation, `--json` for scripts, and exit codes scripts can trust:
 *   0  ok
 *   1  refused by the board's state (wrong status, stale run id, claim lost), task not
 *      found, or Redis unreachable
 *   2  bad input or usage: unknown subcommand or flag, missing flag, invalid value
 *   3  `kanban doctor` found drift (commands/doctor.ts)
 * Errors go to stderr as `kanban <command>: <message>`.
 */
import type { Board } from '../board.js'
import { KanbanError, ValidationError } from '../errors.js'
import { Flags, parse, splitCommand, UsageError } from './args.js'
import { boardNameOf, ConnectError, err, isConnectionError, out, redisUrlOf, type Command, type Ctx, type Exit, type Opened } from './context.js'
import { taskCommands } from './commands/tasks.js'
import { flowCommands } from './commands/flow.js'
import { boardCommands } from './commands/board.js'
import { processCommands } from './commands/procs.js'
import { batchCommands } from './commands/batch.js'
import { bulkCommands } from './commands/bulk.js'
import { subscriberCommands } from './commands/subscribers.js'
import { rerunCommands } from './commands/rerun.js'
import { listingCommands } from './commands/listing.js'
import { retentionCommands } from './commands/retention.js'
import { serveCommands } from './commands/serve.js'
import { workerCommands } from './commands/workers.js'
import { doctorCommands } from './commands/doctor.js'

const COMMANDS: Command[] = [
  ...taskCommands,
  ...batchCommands,
  ...flowCommands,
  ...rerunCommands,
  ...boardCommands,
  ...listingCommands,
  ...doctorCommands,
  ...retentionCommands,
  ...bulkCommands,
  ...subscriberCommands,
  ...processCommands,
  ...workerCommands,
  ...serveCommands,
]
const BY_NAME = new Map(COMMANDS.map((c) => [c.name, c]))

const GLOBAL_HELP = `global flags:
  --board <name>   board name (env KANBAN_BOARD, default "default")
  --redis <url>    Redis URL (env KANBAN_REDIS_URL, then REDIS_URL, default redis://127.0.0.1:6379)
  --json           machine-readable JSON on stdout
  -h, --help       this help
exit codes: 0 ok, 1 refused by state / not found / Redis unreachable, 2 bad input or usage, 3 kanban doctor found drift`

function usage(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length))
  return [
    'usage: kanban <command> [flags]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    GLOBAL_HELP,
    '',
    'kanban <command> --help shows the flags of one command.',
  ].join('\n')
}

const commandHelp = (c: Command) => `usage: kanban ${c.usage}\n\n${c.summary}\n\n${GLOBAL_HELP}`

export async function main(argv: string[]): Promise<Exit> {
  const { name, rest } = splitCommand(argv)
  if (name === undefined || name === 'help') {
    const topic = name === 'help' ? splitCommand(rest).name : undefined
    const c = topic ? BY_NAME.get(topic) : undefined
    if (c) {
      out(commandHelp(c))
      return 0
    }
    if (topic !== undefined) {
      err(`kanban: unknown command ${JSON.stringify(topic)}\n\n${usage()}`)
      return 2
    }
    if (argv.includes('--help') || argv.includes('-h') || name === 'help') {
      out(usage())
      return 0
    }
    err(usage())
    return 2
  }
  const cmd = BY_NAME.get(name)
  if (!cmd) {
    err(`kanban: unknown command ${JSON.stringify(name)}\n\n${usage()}`)
    return 2
  }
  let opened: Opened | undefined
  try {
    const { values, positionals } = parse(rest, cmd.options ?? {})
    if (values.help) {
      out(commandHelp(cmd))
      return 0
    }
    const flags = new Flags(values, positionals)
    const redisUrl = redisUrlOf(flags.str('redis'))
    const boardName = boardNameOf(flags.str('board'))
    if (cmd.board !== 'none') opened = await openBoard(cmd, redisUrl, boardName)
    const ctx: Ctx = { cmd: cmd.name, flags, json: flags.bool('json'), boardName, redisUrl, board: opened?.board as Board }
    return await cmd.run(ctx)
  } catch (e) {
    return report(cmd, e)
  } finally {
    await opened?.close()
  }
}

/**
 * How a command gets its board: everything above runs without it, so `--help` and usage
 * errors load no Redis client, no zod and no BullMQ; open.ts (ioredis, the library) is
 * loaded here, and BullMQ only by what adds a lane job (lanes.ts) or runs a worker or
 * dispatcher (docs/cli.md). Another transport for the board (the handler channel) goes
 * here, before the Redis one: an object with the Board methods its commands call.
 */
async function openBoard(cmd: Command, redisUrl: string, boardName: string): Promise<Opened> {
  // Inside a subprocess handler the reporting commands go to the worker that started it
  // (docs/handler-protocol.md): no Redis connection, no library loaded here.
  if (process.env.KANBAN_CHANNEL) {
    const channel = (await import('../channel/client.js')).handlerChannel(cmd.name, boardName)
    if (channel) return { board: channel as unknown as Board, close: () => channel.close() }
  }
  const { openRedisBoard } = await import('./open.js')
  return openRedisBoard(redisUrl, boardName, cmd.board !== false)
}

function report(cmd: Command, e: unknown): number {
  const where = `kanban ${cmd.name}`
  if (e instanceof UsageError) {
    err(`${where}: ${e.message}\nusage: kanban ${cmd.usage}`)
    return 2
  }
  if (e instanceof ValidationError) {
    err(`${where}: ${e.message}`)
    return 2
  }
  if (e instanceof KanbanError) {
    err(`${where}: ${e.message}`)
    return 1
  }
  if (e instanceof ConnectError) {
    err(`${where}: ${e.message}`)
    return 1
  }
  if (isConnectionError(e)) {
    err(`${where}: lost the connection to Redis: ${(e as Error).message}`)
    return 1
  }
  err(`${where}: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
  return 1
}

const code = await main(process.argv.slice(2))
if (code !== 'running') {
  // Exit as soon as the output is flushed: a finished command must not wait on a socket
  // or timer it no longer needs.
  process.exitCode = code
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)))
}
