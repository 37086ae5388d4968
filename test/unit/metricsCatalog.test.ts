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
})
