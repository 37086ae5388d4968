/**
 * `kanban create-dag <file|->`: createTasks — a whole DAG in one atomic step, from a JSON
 * or YAML file (or stdin): a list of nodes `{ ref, title, dependsOn?: [ref or id], ... }`
 * (the createTask fields), or `{ tasks: [...] }`. Validated completely before anything is
 * written (duplicate refs, unknown refs, cycles). With --batch-key a retry prints the ids of
 * the first run and writes nothing (docs/api.md#batch-keys).
 */
import { readFile } from 'node:fs/promises'
import type { CreateNodeInput } from '../../schemas.js'
import { UsageError } from '../args.js'
import { print, type Command } from '../context.js'
import { table } from '../format.js'
import { me } from './tasks.js'

async function readInput(path: string): Promise<string> {
  if (path !== '-') {
    try {
      return await readFile(path, 'utf8')
    } catch (e) {
      throw new UsageError(`cannot read ${JSON.stringify(path)}: ${(e as Error).message}`)
    }
  }
  const chunks: Buffer[] = []
  for await (const c of process.stdin) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

async function parseNodes(text: string, path: string): Promise<CreateNodeInput[]> {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    try {
      data = (await import('yaml')).parse(text)
    } catch (e) {
      throw new UsageError(`${path}: expected JSON or YAML, got a parse error: ${(e as Error).message.split('\n')[0]}`)
    }
  }
  const nodes = Array.isArray(data) ? data : (data as { tasks?: unknown })?.tasks
  if (!Array.isArray(nodes)) throw new UsageError(`${path}: expected a list of tasks (or { tasks: [...] })`)
  return nodes as CreateNodeInput[]
}

const createDag: Command = {
  name: 'create-dag',
  summary: 'create a whole DAG of tasks atomically from a JSON/YAML file or stdin',
  usage: 'create-dag <file|-> [--created-by <who>] [--batch-key <key>]',
  options: { 'created-by': { type: 'string' }, 'batch-key': { type: 'string' } },
  async run(ctx) {
    const [path] = ctx.flags.args(1, '<file|->')
    if (path === undefined) throw new UsageError('expected a file argument (or - for stdin)')
    const nodes = await parseNodes(await readInput(path), path)
    const by = ctx.flags.str('created-by') ?? me()
    const batchKey = ctx.flags.str('batch-key')
    const ids = await ctx.board.createTasks(
      nodes.map((n) => (n && typeof n === 'object' && !('createdBy' in n) ? { ...n, createdBy: by } : n)),
      batchKey !== undefined ? { batchKey } : undefined,
    )
    print(ctx, ids, () => table(['REF', 'ID'], Object.entries(ids)))
    return 0
  },
}

export const batchCommands: Command[] = [createDag]
