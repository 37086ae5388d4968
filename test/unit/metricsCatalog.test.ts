/**
 * The metrics catalogue (src/metrics/catalog.ts) and the registry made from it: the naming
 * rules of docs/operations.md#metrics hold for every metric, no label can carry an id, and
 * a fresh registry exports exactly the catalogue.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createMetrics, METRICS } from '../../src/index.js'
import { parseExposition } from '../helpers/prom.js'

describe('metrics catalogue', () => {
  it('follows the naming rules: kanban_ prefix, _total counters, seconds, _timestamp_seconds', () => {
    for (const m of METRICS) {
      expect(m.name, m.name).toMatch(/^kanban_[a-z][a-z0-9_]*$/)
      if (m.type === 'counter') expect(m.name).toMatch(/_total$/)
      else expect(m.name).not.toMatch(/_total$/)
      if (m.type === 'histogram') expect(m.name, m.name).toMatch(/_seconds$/)
      if (/timestamp/.test(m.name)) expect(m.name).toMatch(/_timestamp_seconds$/)
      expect(m.name).not.toMatch(/_(ms|millis|milliseconds|minutes)(_|$)/)
    }
    expect(new Set(METRICS.map((m) => m.name)).size).toBe(METRICS.length)
  })

  it('never labels by a task, run or worker id', () => {
    for (const m of METRICS) for (const l of m.labels) expect(l, m.name).not.toMatch(/(^|_)(id|task|run|worker|holder|name|pid|host)$/)
  })

  it('every metric is in the tables of docs/operations.md, with its labels', () => {
    const doc = readFileSync('docs/operations.md', 'utf8')
    for (const m of METRICS) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${m.name}\` |`))
      expect(row, m.name).toBeDefined()
      expect(
        row!
          .split('|')[2]!
          .split(',')
          .map((l) => l.trim()),
        m.name,
      ).toEqual([...m.labels])
    }
  })

  it('a registry exports exactly the catalogue, in the text format, with build info', async () => {
    const metrics = await createMetrics()
    const e = await metrics.exposition()
    expect(e.contentType).toMatch(/^text\/plain; version=0\.0\.4/)
    const help = [...e.body.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]])
    expect(help.sort()).toEqual(METRICS.map((m) => [m.name, m.type]).sort())
    const samples = parseExposition(e.body)
    expect(samples.find((s) => s.name === 'kanban_build_info')).toMatchObject({ labels: { version: '0.1.0', node: process.versions.node }, value: 1 })
  })

  it("a run's histograms are cumulative buckets with +Inf, _sum and _count, as prom-client's are", async () => {
    const metrics = await createMetrics()
    const now = 1_000_000
    // ready waits of 0.02 s, 2 s and 9 h (past the last bucket)
    for (const waitedMs of [20, 2000, 9 * 3600_000]) {
      metrics.runStarted({ board: 'b', lane: 'l', from: 'ready', readySince: now - waitedMs, claimedAt: now, createdAt: now - waitedMs }).completed(true)
    }
    const samples = parseExposition((await metrics.exposition()).body).filter((x) => x.name.startsWith('kanban_ready_wait_seconds'))
    const bucket = (le: string) => samples.find((x) => x.name === 'kanban_ready_wait_seconds_bucket' && x.labels.le === le)?.value
    expect([bucket('0.01'), bucket('0.05'), bucket('1'), bucket('5'), bucket('21600'), bucket('+Inf')]).toEqual([0, 1, 1, 2, 2, 3])
    expect(samples.find((x) => x.name === 'kanban_ready_wait_seconds_count')?.value).toBe(3)
    expect(samples.find((x) => x.name === 'kanban_ready_wait_seconds_sum')?.value).toBeCloseTo(0.02 + 2 + 9 * 3600, 6)
    expect(samples.every((x) => x.labels.board === 'b' && x.labels.lane === 'l')).toBe(true)
  })
})
