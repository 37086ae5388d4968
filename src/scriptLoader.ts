/**
 * Loads the Lua of src/lua for the runner (scripts.ts), in the two forms a server takes:
 * - the Redis Functions library (Redis 7): every include once, then one function per
 *   script (`kb_<tag>_<script>`), FUNCTION LOADed once per server. The includes are made
 *   once when the library loads instead of at every call (an empty script call spent ~95k
 *   instructions making them anew), and a library survives restarts and failovers with
 *   the data. Its name carries a hash of its code, so two versions of kanban-queue can
 *   share a server.
 * - one EVAL script per script (a server without FUNCTION): its `--@include name` lines
 *   inlined, each include once, then begin(KEYS, ARGV), then its body.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const LUA_DIR = join(dirname(fileURLToPath(import.meta.url)), 'lua')

export interface LoadedScript {
  lua: string
  sha: string
}

/** an include line, and every include line of a text */
const INCLUDE_LINE = /^--@include (\w+)\s*$/
const INCLUDE = new RegExp(INCLUDE_LINE.source, 'gm')
const includeText = (inc: string) => readFileSync(join(LUA_DIR, 'includes', `${inc}.lua`), 'utf8')

/**
 * Source of a script as one EVAL script: its includes inlined, then begin(KEYS, ARGV), then
 * its body; exported for the Lua contract tests.
 */
export function scriptSource(name: string): string {
  const seen = new Set<string>()
  const expand = (text: string): string =>
    text.replace(INCLUDE, (_line, inc: string) => {
      if (seen.has(inc)) return `-- (${inc} already included)`
      seen.add(inc)
      return expand(includeText(inc))
    })
  const text = readFileSync(join(LUA_DIR, `${name}.lua`), 'utf8')
  // the call begins after the last include (base.lua#begin)
  const lines = text.split('\n')
  const last = lines.map((l, i) => (INCLUDE_LINE.test(l) ? i : -1)).reduce((a, b) => Math.max(a, b), -1)
  lines.splice(last + 1, 0, 'begin(KEYS, ARGV)')
  return expand(lines.join('\n'))
}

/**
 * The Redis Functions library: every include once, in an order that keeps each script's
 * own include order, then one function per script (`kb_<tag>_<script>`) whose body is the
 * script's, after begin(KEYS, ARGV). `tag` is a hash of the code.
 */
function librarySource(): { code: string; tag: string } {
  const names = readdirSync(LUA_DIR)
    .filter((f) => f.endsWith('.lua'))
    .map((f) => f.slice(0, -4))
    .sort()
  const texts = new Map(names.map((n) => [n, readFileSync(join(LUA_DIR, `${n}.lua`), 'utf8')]))
  const order = mergeOrders(names.map((n) => [...texts.get(n)!.matchAll(INCLUDE)].map((m) => m[1]!)))
  const parts = order.map((inc) => `-- ==== include ${inc}\n${includeText(inc)}`)
  for (const n of names) {
    const body = texts.get(n)!.replace(INCLUDE, '')
    parts.push(`-- ==== ${n}\nredis.register_function('kb_TAG_${n}', function(KEYS, ARGV)\nbegin(KEYS, ARGV)\n${body}\nend)`)
  }
  const inner = parts.join('\n')
  const tag = createHash('sha1').update(inner).digest('hex').slice(0, 12)
  return { code: `#!lua name=kanban_${tag}\n${inner.replaceAll('kb_TAG_', `kb_${tag}_`)}`, tag }
}

/** One order of every include that keeps the relative order each script includes them in. */
function mergeOrders(orders: string[][]): string[] {
  const after = new Map<string, Set<string>>()
  const seen: string[] = []
  for (const o of orders) {
    for (const [i, inc] of o.entries()) {
      if (!after.has(inc)) {
        after.set(inc, new Set())
        seen.push(inc)
      }
      if (i > 0) after.get(inc)!.add(o[i - 1]!)
    }
  }
  const out: string[] = []
  const done = new Set<string>()
  while (out.length < seen.length) {
    const next = seen.find((inc) => !done.has(inc) && [...after.get(inc)!].every((d) => done.has(d)))
    if (!next) throw new Error(`src/lua: the scripts include ${seen.filter((s) => !done.has(s)).join(', ')} in orders that contradict each other`)
    out.push(next)
    done.add(next)
  }
  return out
}

let library: { code: string; tag: string } | undefined
/** The Redis Functions library of every script (built once per process). */
export const scriptLibrary = () => (library ??= librarySource())
/** The function name of a script in the library. */
export const functionName = (name: string) => `kb_${scriptLibrary().tag}_${name}`

const cache = new Map<string, LoadedScript>()
/** A script as one EVAL script and its SHA (EVALSHA mode), made once per process. */
export function loadScript(name: string): LoadedScript {
  let s = cache.get(name)
  if (!s) {
    const lua = scriptSource(name)
    s = { lua, sha: createHash('sha1').update(lua).digest('hex') }
    cache.set(name, s)
  }
  return s
}
