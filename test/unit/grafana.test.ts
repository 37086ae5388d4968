/**
 * deploy/grafana/kanban.json (docs/operations.md#grafana-dashboard): every query names
 * metrics and labels the code exports, and every metric is on the dashboard or in an
 * alert rule.
 */
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import { METRICS } from '../../src/metrics/catalog.js'
import { checkExpr, metricsIn } from '../helpers/promql.js'

interface Panel {
  type: string
  title: string
  targets?: { expr: string }[]
  panels?: Panel[]
}
const dash = JSON.parse(readFileSync('deploy/grafana/kanban.json', 'utf8')) as {
  uid: string
  panels: Panel[]
  templating: { list: { name: string; definition?: string }[] }
}
const panels = dash.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row')
const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr })))

describe('the Grafana dashboard', () => {
  it('queries only metrics and labels the code exports', () => {
    expect(exprs.length).toBeGreaterThan(20)
    for (const { title, expr } of exprs) expect(checkExpr(expr), `${title}: ${expr}`).toEqual([])
    const board = dash.templating.list.find((v) => v.name === 'board')
    expect(checkExpr(board!.definition!)).toEqual([])
  })

  it('has a query in every panel', () => {
    for (const p of panels) expect(p.targets?.length, p.title).toBeGreaterThan(0)
  })

  it('shows every exported metric, or alerts on it', () => {
    const alerts = parse(readFileSync('deploy/prometheus/alerts.yml', 'utf8')) as { groups: { rules: { expr: string }[] }[] }
    const used = new Set(
      [...exprs.map((e) => e.expr), ...alerts.groups.flatMap((g) => g.rules.map((r) => r.expr))]
        .flatMap(metricsIn)
        .map((n) => n.replace(/_(bucket|sum|count)$/, '')),
    )
    for (const m of METRICS) expect(used, m.name).toContain(m.name)
  })
})
