/**
 * Board's public type is the library API only: what the worker, the tick and the lanes
 * need of a board reaches them through its context (src/context.ts), not through members
 * marked internal. Reads the declarations the build emitted (the global setup builds dist/).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { boardContext } from '../../src/context.js'

const DIST = join(dirname(fileURLToPath(import.meta.url)), '../../dist')

describe("Board's declared type", () => {
  const dts = readFileSync(join(DIST, 'board.d.ts'), 'utf8')

  it('has no @internal tag, and no declaration anywhere in dist/ has one', () => {
    const files = readdirSync(DIST, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.d.ts'))
    expect(files).toContain('board.d.ts')
    for (const f of files) expect(readFileSync(join(DIST, f), 'utf8'), f).not.toMatch(/@internal/)
  })

  it('exposes none of the runner, the lane queues or the worker-only calls', () => {
    const cls = dts.slice(dts.indexOf('export declare class Board'))
    const body = cls.slice(0, cls.indexOf('\n}'))
    const publicMembers = [...body.matchAll(/^ {4}(?!private\b)(?:readonly |static |get )?(\w+)[(<:;?]/gm)].map((m) => m[1])
    expect(publicMembers).toEqual(expect.arrayContaining(['name', 'keys', 'redis', 'open', 'createTask', 'completeTask']))
    for (const internal of ['scripts', 'lanes', 'recomputeBatch', 'notePromoted', 'claimForWorker', 'renewLease', 'completeForWorker', 'ctx']) {
      expect(publicMembers, internal).not.toContain(internal)
    }
  })

  it('the context is reached only through a board that Board.open made', () => {
    expect(() => boardContext({ name: 'x', keys: {}, redis: {} })).toThrow(/expected a Board from Board.open/)
  })
})
