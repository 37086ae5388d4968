/**
 * Loads the Lua of src/lua for the runner (scripts.ts), in the two forms a server takes:
 * - the Redis Functions library (Redis 7): every include once, then one function per
 *   script (`kb_<tag>_<script>`), FUNCTION LOADed once per server. The includes are made
 *   once when the library loads instead of at every call (an empty script call spent ~95k
 *   instructions making them anew), and a library survives restarts and failovers with
 *   the data. Its name carries a hash of its code, so two versions of kanban-queue can
 *   share a server.
 * - one EVAL script per script (a server without FUNCTION): the includes it needs, then
 *   begin(KEYS, ARGV), then its body.
 * A file names in `--@include name` lines the includes it uses itself; what those use comes
 * with them (includeOrder). The `keys` include is no file: it is made from src/keys.ts.
 * A script that only reads says `--@flags no-writes`: Redis then runs it on a replica and
 * while it is at maxmemory, and refuses any write it would try.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { keysInclude } from './luaKeys.js'

const LUA_DIR = join(dirname(fileURLToPath(import.meta.url)), 'lua')

export interface LoadedScript {
  lua: string
  sha: string
}

/** every include line of a text */
const INCLUDE = /^--@include (\w+)\s*$/gm

/** What every script and include starts with, implicitly: base, and what base names (keys). */
export const PRELUDE = 'base'

/** A script that declares it only reads (`--@flags no-writes`). */
export const readsOnly = (text: string): boolean => /^--@flags no-writes\s*$/m.test(text)

/** The includes a text names itself (its `--@include` lines), in order. */
export const includesOf = (text: string): string[] => [...text.matchAll(INCLUDE)].map((m) => m[1]!)

const luaNames = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.lua'))
    .map((f) => f.slice(0, -4))
    .sort()
/** Every script of src/lua (one per file), sorted. */
export const scriptNames = () => luaNames(LUA_DIR)
/** Every include: the files of src/lua/includes and the generated `keys`, sorted. */
export const includeNames = () => [...luaNames(join(LUA_DIR, 'includes')), 'keys'].sort()

/** A script's source as written (its header, include lines and body). */
export const scriptText = (name: string) => readFileSync(join(LUA_DIR, `${name}.lua`), 'utf8')
/** An include's source as written; `keys` is made from src/keys.ts (luaKeys.ts). */
export const includeText = (inc: string) => (inc === 'keys' ? keysInclude() : readFileSync(join(LUA_DIR, 'includes', `${inc}.lua`), 'utf8'))

/**
 * The includes a script needs, each once, every include after the ones it includes
 * (depth first, in the order each file names them): the prelude first, then what the
 * script names, then what those name, transitively. An include names what it uses itself
 * (test/lua/includes.test.ts checks that), so a script names only what it calls.
 */
export function includeOrder(roots: string[], textOf: (inc: string) => string = includeText): string[] {
  const out: string[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (inc: string, path: string[], inPrelude: boolean) => {
    const s = state.get(inc)
    if (s === 'done') return
    if (s === 'visiting') throw new Error(`src/lua/includes: ${[...path, inc].join(' -> ')} includes itself`)
    state.set(inc, 'visiting')
    const deps = includesOf(textOf(inc))
    // everything but the prelude's own files starts from the prelude
    const prelude = inPrelude || inc === PRELUDE
    for (const d of prelude ? deps : [PRELUDE, ...deps]) visit(d, [...path, inc], prelude)
    state.set(inc, 'done')
    out.push(inc)
  }
  for (const r of [PRELUDE, ...roots]) visit(r, [], false)
  return out
}

const included = (inc: string) => `-- ==== include ${inc}\n${includeText(inc).replace(INCLUDE, '')}`
/** A script's body: its text with the include lines taken out (the includes come before it). */
const body = (text: string) => text.replace(INCLUDE, '')

/**
 * Source of a script as one EVAL script: its includes (includeOrder), then
 * begin(KEYS, ARGV) (base.lua), then the script; exported for the Lua contract tests.
 */
export const scriptSource = (name: string): string => evalSource(scriptText(name), name)

/**
 * A script text as one EVAL script (scriptSource; the tests' own snippets too). Its first
 * line names it: what SLOWLOG or an EVAL shows of a script is its beginning.
 */
export function evalSource(text: string, name = 'script'): string {
  const incs = includeOrder(includesOf(text)).map(included)
  // the flags line of an EVAL script is a shebang, its very first line
  return [...(readsOnly(text) ? ['#!lua flags=no-writes'] : []), `-- kanban-queue ${name}`, ...incs, `-- ==== ${name}`, 'begin(KEYS, ARGV)', body(text)].join('\n')
}

/**
 * The Redis Functions library: every include any script needs, once, in includeOrder of
 * them all, then one function per script (`kb_<tag>_<script>`) whose body is the
 * script's, after begin(KEYS, ARGV). `tag` is a hash of the code, which is all made from
 * the files of src/lua and src/keys.ts: the same code version, the same library name.
 */
function librarySource(): { code: string; tag: string } {
  const names = scriptNames()
  const texts = new Map(names.map((n) => [n, scriptText(n)]))
  const parts = includeOrder([...new Set(names.flatMap((n) => includesOf(texts.get(n)!)))].sort()).map(included)
  for (const n of names) {
    const text = texts.get(n)!
    const fn = `function(KEYS, ARGV)\nbegin(KEYS, ARGV)\n${body(text)}\nend`
    parts.push(
      readsOnly(text)
        ? `-- ==== ${n}\nredis.register_function{function_name = 'kb_TAG_${n}', flags = { 'no-writes' }, callback = ${fn}}`
        : `-- ==== ${n}\nredis.register_function('kb_TAG_${n}', ${fn})`,
    )
  }
  const inner = parts.join('\n')
  const tag = createHash('sha1').update(inner).digest('hex').slice(0, 12)
  return { code: `#!lua name=kanban_${tag}\n${inner.replaceAll('kb_TAG_', `kb_${tag}_`)}`, tag }
}

/**
 * The library as the build assembled it (scripts/build.mjs), in dist/lua only: a file whose
 * name does not end in `.lua`, so it is no script. Where it is missing (src/lua) the library
 * is assembled from the files.
 */
export const PREBUILT_LIBRARY = 'library.prebuilt'

function prebuiltLibrary(): { code: string; tag: string } | undefined {
  let code: string
  try {
    code = readFileSync(join(LUA_DIR, PREBUILT_LIBRARY), 'utf8')
  } catch {
    return undefined
  }
  const tag = /^#!lua name=kanban_(\w+)\n/.exec(code)?.[1]
  return tag ? { code, tag } : undefined
}

let library: { code: string; tag: string } | undefined
/** The Redis Functions library of every script (read or assembled once per process). */
export const scriptLibrary = () => (library ??= prebuiltLibrary() ?? librarySource())
/** The library assembled from the Lua files, whatever was prebuilt (the build's check). */
export const assembledLibrary = librarySource
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
