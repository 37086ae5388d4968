/**
 * Names the Lua scripts seen in SLOWLOG / MONITOR-like output: EVALSHA carries only the
 * SHA1 of the script text, so we hash every script we know — ours (src/lua, with includes
 * inlined exactly as src/scriptLoader.ts makes them) and BullMQ's (the same text ioredis'
 * defineCommand hashes) — and map the SHA back to `ours:<name>` / `bullmq:<name>`.
 */
import { createHash } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { scriptSource } from '../../src/scriptLoader.js'

const here = dirname(fileURLToPath(import.meta.url))
const sha1 = (s: string) => createHash('sha1').update(s).digest('hex')

export interface ScriptNames {
  /** sha1 -> name */
  bySha: Map<string, string>
  /** the first 100 characters of a script's text -> name (EVAL fallbacks show the text) */
  byPrefix: Map<string, string>
  /** which script a SLOWLOG / commandstats entry is: 'ours:completeTask', 'bullmq:moveToActive', or the command */
  name(args: string[]): string
}

let cached: Promise<ScriptNames> | null = null

export function scriptNames(): Promise<ScriptNames> {
  cached ??= load()
  return cached
}

async function load(): Promise<ScriptNames> {
  const bySha = new Map<string, string>()
  const byPrefix = new Map<string, string>()
  const add = (name: string, text: string) => {
    bySha.set(sha1(text), name)
    byPrefix.set(text.slice(0, 100), name)
  }
  const luaDir = join(here, '..', '..', 'src', 'lua')
  for (const f of readdirSync(luaDir)) {
    if (f.endsWith('.lua')) add(`ours:${f.slice(0, -4)}`, scriptSource(f.slice(0, -4)))
  }
  const require = createRequire(import.meta.url)
  const bullDir = join(dirname(require.resolve('bullmq/package.json')), 'dist', 'esm', 'scripts')
  for (const f of readdirSync(bullDir)) {
    if (!f.endsWith('.js') || f === 'index.js') continue
    const mod = (await import(pathToFileURL(join(bullDir, f)).href)) as Record<string, { name?: string; content?: string }>
    for (const v of Object.values(mod)) {
      if (v && typeof v.content === 'string' && typeof v.name === 'string') add(`bullmq:${v.name}`, v.content)
    }
  }
  const name = (args: string[]): string => {
    const cmd = (args[0] ?? '?').toLowerCase()
    if (cmd === 'evalsha' || cmd === 'evalsha_ro') return bySha.get(String(args[1]).toLowerCase()) ?? `evalsha:${String(args[1]).slice(0, 8)}`
    // ours run as functions of one library: kb_<tag>_<script> (src/scripts.ts)
    if (cmd === 'fcall' || cmd === 'fcall_ro') {
      const m = /^kb_[0-9a-f]+_(\w+)$/.exec(String(args[1] ?? ''))
      return m ? `ours:${m[1]}` : `fcall:${String(args[1])}`
    }
    if (cmd === 'eval' || cmd === 'eval_ro') {
      const text = String(args[1] ?? '')
      for (const [prefix, n] of byPrefix) if (text.startsWith(prefix.slice(0, Math.min(prefix.length, text.length, 100)))) return n
      return 'eval:?'
    }
    return cmd
  }
  return { bySha, byPrefix, name }
}
