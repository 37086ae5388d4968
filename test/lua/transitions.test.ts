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

const includeBodies = () => new Map(includeNames().flatMap((inc) => [...luaFunctions(includeText(inc)).functions]))

/** Every include function that writes a status, itself or through another one it calls. */
function statusWriters(): Set<string> {
  return callersOf(new Set([...includeBodies()].filter(([, b]) => writesStatus(b)).map(([n]) => n)))
}

/** The include functions in `start`, and every include function that calls one of them, at any depth. */
function callersOf(start: Set<string>): Set<string> {
  const bodies = includeBodies()
  const found = new Set(start)
  for (let grew = true; grew;) {
    grew = false
    for (const [name, body] of bodies) {
      if (found.has(name)) continue
      if ([...luaMentions(body)].some((m) => m !== name && found.has(m))) {
        found.add(name)
        grew = true
      }
    }
  }
  return found
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
    // releaseChildren: a parent satisfied or gone releases its children (completeOne,
    // removeTask, archiveOne call it); takeOver: a completing worker claims a promoted child;
    // rerunDownstream: a re-run sends children and descendants back to waiting
    const movers = callersOf(new Set(['releaseChildren', 'takeOver', 'rerunDownstream']))
    expect([...movers]).toEqual(expect.arrayContaining(['completeOne', 'removeTask', 'archiveOne', 'dropTasks']))
    // The retention sweep archives only done tasks and deletes only archived ones, through
    // archiveOne and removeTask; both statuses satisfy children, so neither releases one
    // there (test/lua/sweepRetention.test.ts checks that the children stay as they are).
    const releasesNone = new Set(['sweepRetention'])
    for (const [s, t] of Object.entries(TRANSITIONS)) {
      const calls = luaMentions(scriptText(s))
      const movesOthers = [...movers].some((f) => calls.has(f)) && !releasesNone.has(s)
      expect(t.others !== undefined, `${s}: others`).toBe(movesOthers)
    }
  })
})
