/**
 * Reading the Lua of src/lua as code, for the static checks (test/lua/includes, keys,
 * transitions): without comments and string literals, the names a file defines at its top
 * level, the names its code mentions, and its top-level functions with their bodies.
 */

/** Lua without comments, and with every string literal emptied: only code is left. */
export const luaCode = (text: string): string =>
  text
    .replace(/--\[\[[\s\S]*?\]\]/g, '')
    .replace(/--[^\n]*/g, '')
    .replace(/'(\\.|[^'\\\n])*'/g, "''")
    .replace(/"(\\.|[^"\\\n])*"/g, '""')

/** Names a file defines at its top level (`local function f`, `local a, b = ...`). */
export function luaDefinitions(text: string): string[] {
  const out: string[] = []
  for (const line of luaCode(text).split('\n')) {
    const fn = /^local function (\w+)/.exec(line)
    if (fn) out.push(fn[1]!)
    else {
      const vars = /^local ([\w, ]+?)\s*(=|$)/.exec(line)
      if (vars) out.push(...vars[1]!.split(',').map((v) => v.trim()))
    }
  }
  return out
}

/** Identifiers a text's code mentions, field names (`t.status`, `K.queued`'s `queued`) left out. */
export const luaMentions = (text: string): Set<string> => new Set([...luaCode(text).matchAll(/(?<![.:\w])([A-Za-z_]\w*)/g)].map((m) => m[1]!))

/**
 * A file's top-level functions, name -> body (from `local function name` to the first
 * `end` at the start of a line), and what is left: the file's code outside them.
 */
export function luaFunctions(text: string): { functions: Map<string, string>; rest: string } {
  const functions = new Map<string, string>()
  const rest: string[] = []
  let current: { name: string; lines: string[] } | null = null
  for (const line of text.split('\n')) {
    if (current) {
      current.lines.push(line)
      if (/^end\b/.test(line)) {
        functions.set(current.name, current.lines.join('\n'))
        current = null
      }
      continue
    }
    const fn = /^local function (\w+)/.exec(line)
    // a one-line function ends on its own line
    if (fn && /\bend\s*$/.test(line)) functions.set(fn[1]!, line)
    else if (fn) current = { name: fn[1]!, lines: [line] }
    else rest.push(line)
  }
  return { functions, rest: rest.join('\n') }
}
