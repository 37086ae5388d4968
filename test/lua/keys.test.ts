/**
 * One key scheme: the scripts build every key through the `keys` include, which is made
 * from src/keys.ts (src/luaKeys.ts). These fail when the Lua and keys.ts drift: a key the
 * Lua builds for a board differs from boardKeys', a script names a key keys.ts lacks, or a
 * script builds a key by hand from the prefix.
 */
import { afterAll, describe, expect, it, vi } from 'vitest'
import { Redis } from 'ioredis'
import { boardKeys, type BoardKeys } from '../../src/keys.js'
import { evalSource, includeNames, includeText, scriptNames, scriptText } from '../../src/scriptLoader.js'
import { redisUrl, uniqueBoardName } from '../helpers/redis.js'
import { luaCode as code } from '../helpers/luaSource.js'

const redis = new Redis(redisUrl(), { maxRetriesPerRequest: 2 })
afterAll(() => redis.quit())

const sample = boardKeys('sample')
const fixedNames = Object.keys(sample).filter((k) => typeof sample[k as keyof BoardKeys] === 'string' && k !== 'prefix' && k !== 'bullPrefix')
const fnNames = Object.keys(sample).filter((k) => typeof sample[k as keyof BoardKeys] === 'function')
/** sample arguments for a key function: as many as it takes, each different */
const argsOf = (n: string) => ['some-id:1', 'lane-2', 'tenant x'].slice(0, (sample[n as keyof BoardKeys] as (...x: string[]) => string).length)

/** Runs a snippet after the prelude (keys, base) for a board, as a script would. */
async function run(board: string, lua: string): Promise<unknown> {
  const keys = boardKeys(board)
  return redis.eval(evalSource(lua, 'keys-check'), 1, keys.settings, keys.prefix, '{}')
}

const sources = [
  ...scriptNames().map((s) => [`${s}.lua`, scriptText(s)] as const),
  ...includeNames()
    .filter((i) => i !== 'keys')
    .map((i) => [`includes/${i}.lua`, includeText(i)] as const),
]

describe('one key scheme: the Lua keys come from src/keys.ts', () => {
  it('every key the Lua builds for a board is the key boardKeys builds', async () => {
    expect(fixedNames).toEqual(expect.arrayContaining(['settings', 'events', 'queued', 'dispatchQueue', 'heartbeats']))
    expect(fnNames).toEqual(expect.arrayContaining(['task', 'parents', 'children', 'run', 'status', 'laneCap', 'createBatch', 'statusLaneTenant']))
    for (const board of [uniqueBoardName('keys'), 'a', 'x_9-y']) {
      const lua = [
        'local out = {}',
        ...fixedNames.map((n) => `out.${n} = K.${n}`),
        ...fnNames.map(
          (n) =>
            `out.${n} = ${n}Key(${argsOf(n)
              .map((a) => `'${a}'`)
              .join(', ')})`,
        ),
        'return cjson.encode(out)',
      ].join('\n')
      const got = JSON.parse((await run(board, lua)) as string) as Record<string, string>
      const keys = boardKeys(board)
      const want = Object.fromEntries([
        ...fixedNames.map((n) => [n, keys[n as keyof BoardKeys]]),
        ...fnNames.map((n) => [n, (keys[n as keyof BoardKeys] as (...x: string[]) => string)(...argsOf(n))]),
      ])
      expect(got).toEqual(want)
      expect(got.settings).toBe(keys.settings)
    }
  })

  it('a board-wide key keys.ts does not have is an error, not a nil key', async () => {
    await expect(run('a', 'return K.nope')).rejects.toThrow(/src\/keys\.ts has no board key nope/)
  })

  it('the scripts name only keys that keys.ts has', () => {
    const named = new Set<string>()
    for (const [file, text] of sources) {
      for (const [, k] of code(text).matchAll(/\bK\.(\w+)/g)) {
        expect(fixedNames, `${file}: K.${k}`).toContain(k)
        named.add(k)
      }
      for (const [, fn] of code(text).matchAll(/\b(\w+)Key\(/g)) expect(fnNames, `${file}: ${fn}Key(`).toContain(fn)
    }
    // not vacuous: the scripts use most of the scheme
    expect(named.size).toBeGreaterThan(12)
  })

  it('no script builds a key by hand: no prefix, no suffix added to a key', () => {
    for (const [file, text] of sources) {
      const c = code(text)
      expect(c, `${file} uses the prefix P`).not.toMatch(/(?<![.\w])P(?!\w)/)
      expect(c, `${file} extends a key`).not.toMatch(/(Key\([^()]*\)|\bK\.\w+)\s*\.\./)
      // a key part appended as a string literal (`.. ':p'`, `.. 'lanecap:'`): hash fields
      // such as createTasks' `'x:' .. ref` come first and are not keys
      expect(text.replace(/--[^\n]*/g, ''), `${file} appends a key part`).not.toMatch(/\.\.\s*'\w*:\w*'/)
    }
  })

  it('the include is the same text for the same keys.ts, so the library keeps its name', async () => {
    const first = await import('../../src/scriptLoader.js')
    const { code: lib, tag } = first.scriptLibrary()
    expect(lib).toContain(includeText('keys').replace(/^--@include \w+\s*$/gm, ''))
    vi.resetModules()
    const again = await import('../../src/scriptLoader.js')
    expect(again).not.toBe(first)
    expect(again.scriptLibrary().tag).toBe(tag)
  })
})
