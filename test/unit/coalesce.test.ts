import { describe, expect, it } from 'vitest'
import { Coalescer } from '../../src/coalesce.js'

/** A batch operation whose calls the test completes by hand, to see what went out together. */
function manual() {
  const calls: { items: number[]; done: (outs: string[]) => void; fail: (e: Error) => void }[] = []
  const send = (items: number[]) =>
    new Promise<string[]>((done, fail) => {
      calls.push({ items, done, fail })
    })
  return { calls, send }
}

const tick = () => new Promise((r) => setImmediate(r))

describe('Coalescer', () => {
  it('sends a lone call at once; calls made while maxInFlight batches are out go together in the next', async () => {
    const m = manual()
    const c = new Coalescer(m.send, 2, 3)
    const r = [1, 2, 3, 4, 5, 6].map((i) => c.call(i))
    expect(m.calls.map((x) => x.items)).toEqual([[1], [2]])
    m.calls[0]!.done(['a1'])
    await tick()
    expect(m.calls.map((x) => x.items)).toEqual([[1], [2], [3, 4, 5]])
    m.calls[1]!.done(['a2'])
    await tick()
    expect(m.calls.map((x) => x.items)).toEqual([[1], [2], [3, 4, 5], [6]])
    m.calls[2]!.done(['a3', 'a4', 'a5'])
    m.calls[3]!.done(['a6'])
    expect(await Promise.all(r)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6'])
  })

  it('a failed batch rejects each of its callers and no other', async () => {
    const m = manual()
    const c = new Coalescer(m.send, 1, 10)
    const first = c.call(1)
    const [second, third] = [c.call(2), c.call(3)]
    m.calls[0]!.done(['ok'])
    await tick()
    m.calls[1]!.fail(new Error('redis went away'))
    await expect(first).resolves.toBe('ok')
    await expect(second).rejects.toThrow('redis went away')
    await expect(third).rejects.toThrow('redis went away')
    // and the coalescer keeps working
    const fourth = c.call(4)
    m.calls[2]!.done(['again'])
    await expect(fourth).resolves.toBe('again')
  })

  it('idle() resolves once nothing is queued or on the wire', async () => {
    const m = manual()
    const c = new Coalescer(m.send, 1, 10)
    await c.idle() // nothing to wait for
    const a = c.call(1)
    const b = c.call(2)
    let idle = false
    const waiting = c.idle().then(() => (idle = true))
    m.calls[0]!.done(['x'])
    await tick()
    expect(idle).toBe(false) // the second call went out and is on the wire
    m.calls[1]!.done(['y'])
    await waiting
    expect(await Promise.all([a, b])).toEqual(['x', 'y'])
  })
})
