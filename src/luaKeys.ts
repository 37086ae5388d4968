/**
 * The Lua scripts' `keys` include, made from src/keys.ts when the scripts load, so that
 * the scripts and the TypeScript build every key from one scheme (boardKeys) and the two
 * cannot drift. boardKeys is read for a sample board, and each key is written back as
 * the prefix P (ARGV[1]) and what follows it:
 *   a board-wide key  boardKeys(b).queued        -> K.queued
 *   a key per thing   boardKeys(b).task(id)      -> taskKey(id)
 *   every board-wide key                          -> boardWideKeys() (deleteBoard)
 * The text depends only on keys.ts, so the library's hash stays the same for one code
 * version. A key that is not the prefix and a plain suffix (and argument) is refused here.
 */
import { boardKeys, type BoardKeys } from './keys.js'

/** Keys of BoardKeys the scripts do not build: the prefix itself, and BullMQ's prefix. */
const NOT_SCRIPT_KEYS = new Set<keyof BoardKeys>(['prefix', 'bullPrefix'])
/** An argument no key part contains, to find where a key function puts its argument. */
const ARG = '\u0001'
const SAFE = /^[\w:.-]*$/

const lua = (s: string) => {
  if (!SAFE.test(s)) throw new Error(`src/keys.ts: ${JSON.stringify(s)} is not a plain key part`)
  return `'${s}'`
}

/** The `keys` include's Lua text. */
export function keysInclude(): string {
  const keys = boardKeys('sample')
  const suffix = (name: string, key: string) => {
    if (!key.startsWith(keys.prefix)) throw new Error(`src/keys.ts: ${name} does not start with the board's prefix`)
    return key.slice(keys.prefix.length)
  }
  const fixed: string[] = []
  const fns: string[] = []
  for (const [name, v] of Object.entries(keys) as [keyof BoardKeys, BoardKeys[keyof BoardKeys]][]) {
    if (NOT_SCRIPT_KEYS.has(name)) continue
    if (typeof v === 'string') {
      fixed.push(`${name} = ${lua(suffix(name, v))}`)
      continue
    }
    if (v.length !== 1) throw new Error(`src/keys.ts: ${name} takes ${v.length} arguments; a script key takes one`)
    const parts = suffix(name, (v as (x: string) => string)(ARG)).split(ARG)
    if (parts.length !== 2) throw new Error(`src/keys.ts: ${name} uses its argument ${parts.length - 1} times`)
    const expr = ['P', parts[0] ? lua(parts[0]) : '', 'x', parts[1] ? lua(parts[1]) : ''].filter(Boolean).join(' .. ')
    fns.push(`local function ${name}Key(x) return ${expr} end`)
  }
  return [
    '-- keys: every key of a board, made from src/keys.ts (boardKeys) when the scripts load',
    '-- (src/luaKeys.ts): not a file — change src/keys.ts, and the scripts follow.',
    '--   K.<name>      a board-wide key, boardKeys(board).<name>: K.queued, K.leases, ...',
    '--   <name>Key(x)  a key per task, run, status, ...: taskKey(id), parentsKey(id), runKey(runId), ...',
    '-- P is the prefix {kb:<board>}: (ARGV[1]), set by setPrefix when a call begins; K makes each',
    '-- board-wide key once per call, when first used, and refuses a name keys.ts does not have.',
    'local P, K',
    `local KEY_SUFFIXES = { ${fixed.join(', ')} }`,
    'local KEYS_META = {',
    '  __index = function(k, name)',
    '    local suffix = KEY_SUFFIXES[name]',
    "    if not suffix then error('src/keys.ts has no board key ' .. tostring(name)) end",
    '    local key = P .. suffix',
    '    rawset(k, name, key)',
    '    return key',
    '  end,',
    '}',
    'local function setPrefix(prefix)',
    '  P = prefix',
    '  K = setmetatable({}, KEYS_META)',
    'end',
    '-- boardWideKeys() -> every board-wide key (K.<name> for each name keys.ts has): deleteBoard',
    '-- removes them all, including keys added to keys.ts after it was written',
    'local function boardWideKeys()',
    '  local out = {}',
    '  for name in pairs(KEY_SUFFIXES) do out[#out + 1] = K[name] end',
    '  return out',
    'end',
    ...fns,
    '',
  ].join('\n')
}
