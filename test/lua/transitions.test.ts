/**
 * TRANSITIONS (src/status.ts) lists every script that changes a task's status, and only
 * those: a static scan of the Lua finds the scripts that write a status field — themselves,
 * or through an include's function that does, at any depth — and compares. No Redis.
 */
import { describe, expect, it } from 'vitest'
import { TRANSITIONS } from '../../src/status.js'
import { includeNames, includeText, scriptNames, scriptText } from '../../src/scriptLoader.js'
import { luaFunctions, luaMentions } from '../helpers/luaSource.js'

/**
 * Code that writes a task's `status` field: the literal 'status' anywhere but a read of it
 * (HGET / HMGET); setStatus (includes/status.lua) and a new task's hash
 * (includes/createNodes.lua) are the two places.
 */
const writesStatus = (body: string) =>
  body
    .split('\n')
    .map((l) => l.replace(/--.*$/, ''))
    .some((l) => /'status'/.test(l) && !/'HM?GET'/.test(l))

/** Every include function that writes a status, itself or through another one it calls. */
function statusWriters(): Set<string> {
  const bodies = new Map<string, string>()
  for (const inc of includeNames()) for (const [name, body] of luaFunctions(includeText(inc)).functions) bodies.set(name, body)
  const writers = new Set([...bodies].filter(([, b]) => writesStatus(b)).map(([n]) => n))
  for (let grew = true; grew;) {
    grew = false
    for (const [name, body] of bodies) {
      if (writers.has(name)) continue
      if ([...luaMentions(body)].some((m) => m !== name && writers.has(m))) {
        writers.add(name)
        grew = true
      }
    }
  }
  return writers
}

describe('TRANSITIONS lists every script that changes a status', () => {
  const writers = statusWriters()
  // a script's own code: what it calls of its includes, or a status it writes itself
  const changesStatus = (s: string) => {
    const text = scriptText(s)
    return writesStatus(text.replace(/--\[\[[\s\S]*?\]\]/g, '')) || [...luaMentions(text)].some((m) => writers.has(m))
  }

  it('found the writers (the check is not vacuous)', () => {
    expect([...writers]).toEqual(
      expect.arrayContaining(['setStatus', 'writeNodes', 'tryPromote', 'releaseChildren', 'failTask', 'claimOne', 'completeOne', 'takeOver']),
    )
    expect(writers.has('dispatchIndex')).toBe(false)
    expect(writers.has('reserve')).toBe(false)
  })

  it('the scripts that write a status are exactly the keys of TRANSITIONS', () => {
    const changing = scriptNames().filter(changesStatus).sort()
    expect(changing).toEqual(Object.keys(TRANSITIONS).sort())
    // and a few that must not be there: they move no task between statuses
    for (const s of ['reserveDispatch', 'requeueLost', 'assignTask', 'updateTask', 'createCheck', 'createLink', 'heartbeat'])
      expect(changing, s).not.toContain(s)
  })

  it('a script that moves other tasks than its own says so (others)', () => {
    // releaseChildren: a parent satisfied or gone releases its children (completeOne calls
    // it); takeOver: a completing worker claims a promoted child
    const bodies = new Map(includeNames().flatMap((inc) => [...luaFunctions(includeText(inc)).functions]))
    expect(luaMentions(bodies.get('completeOne')!).has('releaseChildren')).toBe(true)
    expect(luaMentions(bodies.get('removeTask')!).has('releaseChildren')).toBe(true)
    for (const [s, t] of Object.entries(TRANSITIONS)) {
      const calls = luaMentions(scriptText(s))
      const movesOthers = ['releaseChildren', 'takeOver', 'completeOne', 'removeTask'].some((f) => calls.has(f))
      expect(t.others !== undefined, `${s}: others`).toBe(movesOthers)
    }
  })
})
