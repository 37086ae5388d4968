/** Pure pieces of the worker context: clip(). */
import { describe, expect, it } from 'vitest'
import { clip } from '../../src/workerContext.js'

describe('clip', () => {
  const bytes = (s: string) => Buffer.byteLength(s, 'utf8')

  it('gives a text that fits back as it is', () => {
    const s = 'x'.repeat(300)
    expect(clip(s, 300)).toBe(s)
  })

  it('cuts to at most maxBytes, marker included, on a character boundary, keeping a prefix', () => {
    for (const unit of ['a', 'é', '€', '😀']) {
      const s = unit.repeat(5000)
      for (const max of [256, 257, 258, 259, 1000, 4097]) {
        const c = clip(s, max)
        expect(bytes(c), `${unit} ${max}`).toBeLessThanOrEqual(max)
        const m = /\n…\[truncated: (\d+) bytes, first (\d+) shown\]$/.exec(c)!
        expect(Number(m[1])).toBe(bytes(s))
        const kept = c.slice(0, m.index)
        expect(bytes(kept)).toBe(Number(m[2]))
        expect(s.startsWith(kept)).toBe(true)
        // no more than one character short of the room the marker leaves
        expect(max - bytes(c)).toBeLessThan(bytes(unit) + 4)
      }
    }
  })
})
