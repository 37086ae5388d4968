/**
 * The bounded chaos run (docs/reliability.md#chaos): 40 tasks, every fault kind at least
 * once — SIGKILL of workers, subprocess handlers and dispatchers, a frozen worker (SIGSTOP
 * past its lease, then SIGCONT), Redis SIGKILLed and restarted from its AOF
 * (appendfsync always), CLIENT KILL of every connection — then every invariant of the
 * final state (invariants.ts: the doctor's, and the chaos run's own). The seed is printed;
 * `npm run chaos -- --seed <n>` repeats the run's faults in the same order.
 */
import { describe, expect, it } from 'vitest'
import { FAULTS, runChaos } from './harness.js'

describe('chaos (bounded)', () => {
  it('every task done once, nothing acknowledged lost, zero drift, under every fault kind', { timeout: 300_000 }, async () => {
    const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31))
    console.log(`chaos seed ${seed} (CHAOS_SEED=${seed} to repeat)`)
    const report = await runChaos({ seed, tasks: 40, durationMs: 15_000, fsync: 'always', finishTimeoutMs: 120_000 })
    console.log(JSON.stringify({ ...report, frozenRuns: report.frozenRuns.length }))
    expect(report.violations, `seed ${seed}`).toEqual([])
    // 40, and a wave of 10 more each time the work ran out before every fault kind was injected
    expect(report.tasks).toBeGreaterThanOrEqual(40)
    // the faults were injected (each kind once at least while work remained), not skipped
    for (const f of FAULTS) expect(report.faults[f], `${f} (seed ${seed})`).toBeGreaterThan(0)
    expect(report.frozenRuns.length).toBeGreaterThan(0)
    // an acknowledgement may be lost while its completion lands (the reply went with a killed
    // connection); every one that came matches the task's one completed run
    expect(report.acks).toBeGreaterThan(report.tasks / 2)
    expect(report.acks).toBeLessThanOrEqual(report.tasks)
    expect(report.lostAcks).toBe(0)
  })
})
