/**
 * Lua includes declare their own dependencies (src/scriptLoader.ts#includeOrder): a file —
 * script or include — names in `--@include` lines exactly the includes whose definitions
 * it uses itself, base (and what base includes) being there implicitly. The loader then
 * inlines what a script needs transitively, each include once, after what it includes.
 * Static checks, no Redis.
 */
import { describe, expect, it } from 'vitest'
import { luaDefinitions as definitions, luaMentions as mentions } from '../helpers/luaSource.js'
import { PRELUDE, includeNames, includeOrder, includeText, includesOf, scriptNames, scriptSource, scriptText } from '../../src/scriptLoader.js'

const includes = includeNames()
const owner = new Map<string, string>()
for (const inc of includes) for (const name of definitions(includeText(inc))) owner.set(name, owner.has(name) ? `${owner.get(name)}+${inc}` : inc)
/** base and what base includes: every file has them without naming them */
const prelude = new Set(includeOrder([]))

/** The includes whose definitions a file uses itself (not counting the prelude or itself). */
function used(text: string, self?: string): string[] {
  const own = new Set(definitions(text))
  const incs = [...mentions(text)].filter((n) => !own.has(n) && owner.has(n)).map((n) => owner.get(n)!)
  return [...new Set(incs)].filter((inc) => inc !== self && !prelude.has(inc)).sort()
}

const files = [
  ...includes.map((inc) => ({ file: `includes/${inc}.lua`, text: includeText(inc), self: inc })),
  ...scriptNames().map((s) => ({ file: `${s}.lua`, text: scriptText(s), self: undefined })),
]

describe('Lua includes', () => {
  it('found the includes and what they define (the checks below are not vacuous)', () => {
    expect(includes).toEqual(expect.arrayContaining([PRELUDE, 'events', 'status', 'runs', 'promote', 'claim', 'takeover']))
    expect(owner.get('setStatus')).toBe('status')
    expect(owner.get('takeOver')).toBe('takeover')
    expect(used(scriptText('completeTask'))).toEqual(['complete', 'handover', 'takeover'])
  })

  it('no top-level name is defined by two includes (one library holds them all)', () => {
    expect([...owner].filter(([, inc]) => inc.includes('+'))).toEqual([])
  })

  it('every file names exactly the includes it uses itself, and only includes that exist', () => {
    for (const { file, text, self } of files) {
      const declared = includesOf(text)
      for (const d of declared) expect(includes, `${file}: --@include ${d}`).toContain(d)
      expect(new Set(declared).size, `${file}: an include named twice`).toBe(declared.length)
      if (self === PRELUDE || (self && prelude.has(self))) continue // the prelude's own files name what they use of each other
      expect([...declared].sort(), file).toEqual(used(text, self))
    }
  })

  it('nothing names the prelude: it is implicit', () => {
    for (const { file, text, self } of files) if (!prelude.has(self ?? '')) expect(includesOf(text), file).not.toContain(PRELUDE)
  })

  it('a script inlines what it needs transitively, each include once, after what that include names', () => {
    for (const s of scriptNames()) {
      const order = includeOrder(includesOf(scriptText(s)))
      expect(new Set(order).size, s).toBe(order.length)
      expect(order[0], s).toBe(includeOrder([])[0])
      for (const [i, inc] of order.entries()) {
        for (const dep of includesOf(includeText(inc))) expect(order.indexOf(dep), `${s}: ${dep} before ${inc}`).toBeLessThan(i)
      }
      // every definition a script's code uses is in its source before the call begins
      const src = scriptSource(s)
      const [defs, call] = [src.slice(0, src.indexOf('\nbegin(KEYS, ARGV)')), src.slice(src.indexOf('\nbegin(KEYS, ARGV)'))]
      for (const name of mentions(call)) if (owner.has(name)) expect(definitions(defs), `${s} uses ${name}`).toContain(name)
    }
  })

  it('an include that includes itself, directly or not, is refused with the path', () => {
    const graph: Record<string, string> = { [PRELUDE]: '', a: '--@include b', b: '--@include c', c: '--@include a' }
    expect(() => includeOrder(['a'], (inc) => graph[inc]!)).toThrow(/a -> b -> c -> a includes itself/)
    expect(includeOrder(['b'], (inc) => ({ ...graph, a: '' })[inc]!)).toEqual([PRELUDE, 'a', 'c', 'b'])
  })
})
