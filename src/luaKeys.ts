/**
 * The Lua scripts' `keys` include, made from src/keys.ts when the scripts load, so that
 * the scripts and the TypeScript build every key from one scheme (boardKeys) and the two
 * cannot drift. boardKeys is read for a sample board, and each key is written back as
 * the prefix P (ARGV[1]) and what follows it:
 *   a board-wide key  boardKeys(b).queued        -> K.queued
 *   a key per thing   boardKeys(b).task(id)      -> taskKey(id)
 *   every board-wide key                          -> boardWideKeys() (deleteBoard)
 *   one per two things boardKeys(b).statusLane(s, lane) -> statusLaneKey(x, y)
 * The text depends only on keys.ts, so the library's hash stays the same for one code
 * version. A key that is not the prefix and a plain suffix (and argument) is refused here.
 */
import { boardKeys, type BoardKeys } from './keys.js'

/** Keys of BoardKeys the scripts do not build: the prefix itself, and BullMQ's prefix. */
const NOT_SCRIPT_KEYS = new Set<keyof BoardKeys>(['prefix', 'bullPrefix'])
/** Arguments no key part contains, to find where a key function puts each of its arguments. */
const ARGS = ['\u0001', '\u0002', '\u0003']
const PARAMS = ['x', 'y', 'z']
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
    const n = v.length
    if (n < 1 || n > ARGS.length) throw new Error(`src/keys.ts: ${name} takes ${n} arguments; a script key takes 1 to ${ARGS.length}`)
    const key = suffix(name, (v as (...a: string[]) => string)(...ARGS.slice(0, n)))
    // the key as literal parts and parameters, in order; each argument used exactly once
    const expr = ['P']
    let rest = key
    const seen: string[] = []
    for (;;) {
      const at = ARGS.map((a) => rest.indexOf(a)).filter((i) => i >= 0)
      if (at.length === 0) break
      const i = Math.min(...at)
      const arg = ARGS.indexOf(rest[i]!)
      if (i > 0) expr.push(lua(rest.slice(0, i)))
      expr.push(PARAMS[arg]!)
      seen.push(PARAMS[arg]!)
      rest = rest.slice(i + 1)
    }
    if (rest) expr.push(lua(rest))
    const params = PARAMS.slice(0, n)
    if (seen.length !== n || params.some((x) => !seen.includes(x))) throw new Error(`src/keys.ts: ${name} must use each of its ${n} arguments once`)
    fns.push(`local function ${name}Key(${params.join(', ')}) return ${expr.join(' .. ')} end`)
  }
  return [
    '-- keys: every key of a board, made from src/keys.ts (boardKeys) when the scripts load',
    '-- (src/luaKeys.ts): not a file — change src/keys.ts, and the scripts follow.',
    '--   K.<name>      a board-wide key, boardKeys(board).<name>: K.queued, K.leases, ...',
    '--   <name>Key(x)  a key per task, run, status, ...: taskKey(id), parentsKey(id), runKey(runId), ...',
    '--                 (or per two, three things: statusLaneKey(status, lane), ...)',
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
