/**
 * Static checks over the Lua sources (no Redis): one failure-limit resolver, and every
 * script bounded in the work it does per call.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { scriptSource } from '../../src/scriptLoader.js'

const LUA = join(dirname(fileURLToPath(import.meta.url)), '../../src/lua')
const scripts = readdirSync(LUA)
  .filter((f) => f.endsWith('.lua'))
  .map((f) => f.slice(0, -4))
const includes = readdirSync(join(LUA, 'includes'))
  .filter((f) => f.endsWith('.lua'))
  .map((f) => f.slice(0, -4))
/** Every raw source file, as `name -> text` (includes prefixed `includes/`). */
const raw = new Map<string, string>([
  ...scripts.map((s) => [`${s}.lua`, readFileSync(join(LUA, `${s}.lua`), 'utf8')] as const),
  ...includes.map((s) => [`includes/${s}.lua`, readFileSync(join(LUA, 'includes', `${s}.lua`), 'utf8')] as const),
])
/** Lua source without comments, so a header that mentions a command does not count. */
const code = (text: string) => text.replace(/--\[\[[\s\S]*?\]\]/g, '').replace(/--[^\n]*/g, '')

describe('the failure-limit resolver (docs/blocks-and-breaker.md#the-effective-limit)', () => {
  it('is defined in exactly one file, includes/effectiveLimit.lua', () => {
    const defining = [...raw].filter(([, t]) => /local function effectiveLimit\b/.test(t)).map(([f]) => f)
    expect(defining).toEqual(['includes/effectiveLimit.lua'])
  })

  it('the breaker (recordFailure) and recompute-ready (via tryPromote) each inline it exactly once', () => {
    for (const name of ['recordFailure', 'recomputeReady', 'expireRuns', 'completeTask', 'unlinkTasks']) {
      const src = scriptSource(name)
      expect(src.match(/local function effectiveLimit\b/g), name).toHaveLength(1)
      expect(src, name).not.toMatch(/^--@include/m)
    }
    // the breaker's trip decision and recovery's eligibility call the same function
    const failTask = scriptSource('recordFailure').split('local function failTask')[1]!
    expect(failTask).toMatch(/=\s*effectiveLimit\(t\)/)
    const tryPromote = scriptSource('recomputeReady').split('local function tryPromote')[1]!.split('\nend')[0]!
    expect(tryPromote).toMatch(/effectiveLimit\(t\)/)
    expect(tryPromote).toMatch(/consecutiveFailures, 0\) >= limit/)
  })

  it('every script that calls effectiveLimit has it defined once, before the first call', () => {
    for (const name of scripts) {
      const src = code(scriptSource(name))
      if (!/effectiveLimit\(/.test(src)) continue
      expect(src.match(/local function effectiveLimit\b/g), name).toHaveLength(1)
      // the first mention is the definition itself
      expect(src.indexOf('effectiveLimit('), name).toBe(src.indexOf('local function effectiveLimit(') + 'local function '.length)
    }
  })

  it('no other file reads the limit settings or hard-codes a default limit', () => {
    for (const [file, text] of raw) {
      if (file === 'includes/effectiveLimit.lua') continue
      // configure.lua only notices that the setting changed (to schedule a sweep); it never
      // resolves a limit, so the name alone is allowed there
      const c = file === 'configure.lua' ? code(text).replace(/'failureLimit'|\.failureLimit\b/g, '') : code(text)
      expect(c, file).not.toMatch(/failureLimit/)
      expect(c, file).not.toMatch(/DEFAULT_FAILURE_LIMIT/)
      expect(c, file).not.toMatch(/\bt\.maxRetries\b/)
      // a failure count compared with a number literal would be a second, hidden limit
      expect(c, file).not.toMatch(/(failures|consecutiveFailures)[^\n]*[<>]=?\s*\d/)
    }
    expect(code(raw.get('includes/effectiveLimit.lua')!)).toMatch(/DEFAULT_FAILURE_LIMIT = 2\b/)
  })
})

/**
 * Bounded work per call. Redis runs one script at a time, so a script whose cost grows with
 * the board (every task, every key) stalls every other client — workers' heartbeats,
 * claims, the dispatcher — for as long as it runs (docs/architecture.md#every-call-bounded). So:
 * no KEYS/SCAN of the keyspace, and any read of a board-wide collection (the tasks index,
 * the status indexes, nsblocked, leases, schedules, ...) must be a bounded page (LIMIT,
 * COUNT, or a ZRANGE with a finite stop). Per-task collections (a task's parents, children,
 * runs) are O(that task's links), as docs/architecture.md#readiness-without-a-scan says.
 */
describe('bounded scripts', () => {
  const RANGE_READS = [
    'SMEMBERS',
    'SSCAN',
    'SRANDMEMBER',
    'SUNION',
    'SINTER',
    'SDIFF',
    'ZRANGE',
    'ZREVRANGE',
    'ZRANGEBYSCORE',
    'ZREVRANGEBYSCORE',
    'ZRANGEBYLEX',
    'ZSCAN',
    'HGETALL',
    'HKEYS',
    'HVALS',
    'HSCAN',
    'LRANGE',
    'XRANGE',
    'XREVRANGE',
    'SORT',
  ]

  const calls = [...raw].flatMap(([file, text]) =>
    [...code(text).matchAll(/redis\.call\(\s*'([A-Z]+)'\s*,([^\n]*)/g)].map((m) => ({
      file,
      cmd: m[1]!,
      args: m[2]!,
      text: `${file}: ${m[0].replace(/\)\)?\s*do.*$/, ')').trim()}`,
    })),
  )

  it('found the scripts and their calls (the check below is not vacuous)', () => {
    expect(scripts).toEqual(expect.arrayContaining(['recomputeReady', 'recordFailure', 'claimTask', 'createTasks']))
    expect(calls.length).toBeGreaterThan(100)
    expect(calls.some((c) => c.cmd === 'SSCAN')).toBe(true)
  })

  it('no KEYS, SCAN or FLUSH* anywhere', () => {
    const bad = calls.filter((c) => ['KEYS', 'SCAN', 'FLUSHDB', 'FLUSHALL', 'RANDOMKEY'].includes(c.cmd))
    expect(bad.map((c) => c.text)).toEqual([])
  })

  it('range reads of board-wide keys are bounded pages', () => {
    // the settings hash is one small hash whose fields the settings schema fixes; a large
    // createTasks' scratch keys hold one batch (≤ 5000 nodes) and live for one MULTI / EXEC
    const perTask = (args: string) => /^\s*((task|parents|children|taskEvents|comments|run)Key\(|SETTINGS\)|scratch)/.test(args)
    const bounded = (cmd: string, args: string) => /'LIMIT'|'COUNT'/.test(args) || (/^Z(REV)?RANGE$/.test(cmd) && !/,\s*0\s*,\s*-1\s*\)/.test(args))
    const bad = calls.filter((c) => RANGE_READS.includes(c.cmd) && !perTask(c.args) && !bounded(c.cmd, c.args)).map((c) => c.text)
    expect(bad).toEqual([])
  })

  it('nothing reads the tasks index or a status index in full', () => {
    const whole = calls.filter(
      (c) =>
        ['SMEMBERS', 'ZRANGE', 'ZREVRANGE', 'ZRANGEBYSCORE', 'ZREVRANGEBYSCORE', 'SORT'].includes(c.cmd) &&
        /K\.tasks\b|statusKey\(/.test(c.args) &&
        !/'LIMIT'/.test(c.args),
    )
    expect(whole.map((c) => c.text)).toEqual([])
  })

  it('the sweep pages nsblocked with SSCAN ... COUNT and nothing else', () => {
    const sweep = calls.filter((c) => c.file === 'recomputeReady.lua' && RANGE_READS.includes(c.cmd))
    expect(sweep.map((c) => c.cmd)).toEqual(['SSCAN'])
    expect(sweep[0]!.args).toMatch(/K\.nsblocked, cursor, 'COUNT', A\.count/)
  })
})

describe('every script replies through base (reply / fail / refused)', () => {
  // base's reply functions write the events a call buffered (includes/events.lua); a script
  // returning anything else would drop them
  it('no top-level script returns a value that did not come from reply, fail or refused', () => {
    for (const name of scripts) {
      const lines = code(raw.get(`${name}.lua`)!).split('\n')
      for (const line of lines.filter((l) => /\breturn\b/.test(l) && !/function/.test(l))) {
        const what = line
          .split(/\breturn\b/)[1]!
          .trim()
          .replace(/\s*end$/, '')
        // `stop` / `stale` are fenced() / checkRun() results, which are fail(...) replies, or
        // openPart() results, a reply(...)
        expect(/^(reply|fail|refused)\(/.test(what) || /^(stop|stale)$/.test(what), `${name}: ${line.trim()}`).toBe(true)
      }
    }
  })
})
