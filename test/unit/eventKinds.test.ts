/**
 * EVENT_KINDS (src/eventKinds.ts), which a subscriber's kind filter is checked against, is
 * exactly the kinds the Lua writes — every literal kind of an appendEvent call, and the
 * failure outcomes includes/breaker.lua writes as kinds — and every one is in the kinds
 * table of docs/events.md. A new kind fails here until it is in both.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { EVENT_KINDS } from '../../src/eventKinds.js'
import { FAILURE_OUTCOMES } from '../../src/status.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..')
const LUA = join(ROOT, 'src/lua')

function luaKinds(): { literal: Set<string>; dynamic: string[] } {
  const files = [...readdirSync(LUA).filter((f) => f.endsWith('.lua')), ...readdirSync(join(LUA, 'includes')).map((f) => `includes/${f}`)]
  const literal = new Set<string>()
  const dynamic: string[] = []
  for (const f of files) {
    const code = readFileSync(join(LUA, f), 'utf8')
      .replace(/--\[\[[\s\S]*?\]\]/g, '')
      .replace(/--[^\n]*/g, '')
    for (const m of code.matchAll(/(?<!function )appendEvent\([^,]+,\s*([^,)]+)/g)) {
      const k = /^'([a-z_]+)'$/.exec(m[1]!.trim())
      if (k) literal.add(k[1]!)
      else dynamic.push(`${f}: ${m[1]!.trim()}`)
    }
  }
  return { literal, dynamic }
}

describe('EVENT_KINDS', () => {
  const { literal, dynamic } = luaKinds()

  it('found the kinds the Lua writes (not vacuous)', () => {
    expect(literal.size).toBeGreaterThan(20)
    expect(literal).toContain('created')
  })

  it('is the literal kinds plus the failure outcomes (the only kind written from a variable)', () => {
    expect(dynamic).toEqual(['includes/breaker.lua: outcome'])
    expect([...EVENT_KINDS].sort()).toEqual([...new Set([...literal, ...FAILURE_OUTCOMES])].sort())
    expect(new Set(EVENT_KINDS).size).toBe(EVENT_KINDS.length)
  })

  it('every kind is in the kinds table of docs/events.md', () => {
    const doc = readFileSync(join(ROOT, 'docs/events.md'), 'utf8')
    const table = doc.slice(doc.indexOf('## Kinds'))
    const documented = new Set([...table.matchAll(/^\| ([^|]+) \|/gm)].flatMap((m) => [...m[1]!.matchAll(/`([a-z_]+)`/g)].map((k) => k[1]!)))
    for (const k of EVENT_KINDS) expect(documented, k).toContain(k)
  })
})
