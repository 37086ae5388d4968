/**
 * deploy/prometheus/alerts.yml (docs/operations.md#alert-rules): checked by promtool
 * (`check rules`, and the unit tests of alerts.test.yml) when it is installed — .ci/run
 * installs Debian's prometheus package for it — and always parsed and checked against the
 * metrics the code exports.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import { checkExpr, metricsIn } from '../helpers/promql.js'

const DIR = 'deploy/prometheus'
const promtool = spawnSync('promtool', ['--version']).status === 0

interface Rule {
  alert: string
  expr: string
  for?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
}
const rules = (parse(readFileSync(`${DIR}/alerts.yml`, 'utf8')) as { groups: { name: string; rules: Rule[] }[] }).groups.flatMap((g) => g.rules)
const tests = parse(readFileSync(`${DIR}/alerts.test.yml`, 'utf8')) as { tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[] }

describe('alert rules', () => {
  it.skipIf(!promtool)('pass promtool check rules', () => {
    const out = execFileSync('promtool', ['check', 'rules', `${DIR}/alerts.yml`], { encoding: 'utf8' })
    expect(out).toMatch(new RegExp(`SUCCESS: ${rules.length} rules found`))
  })

  it.skipIf(!promtool)('pass their unit tests (promtool test rules alerts.test.yml)', () => {
    const r = spawnSync('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: DIR, encoding: 'utf8' })
    expect(r.stdout + r.stderr).toMatch(/SUCCESS/)
    expect(r.status, r.stdout + r.stderr).toBe(0)
  })

  it('name only metrics and labels the code exports', () => {
    expect(rules.length).toBeGreaterThanOrEqual(9)
    for (const r of rules) expect(checkExpr(r.expr), r.alert).toEqual([])
  })

  it('cover what docs/operations.md promises, each with a severity and a summary', () => {
    const reads = (alert: string) => metricsIn(rules.find((r) => r.alert === alert)?.expr ?? '')
    expect(reads('KanbanReadyBacklogOld')).toEqual(['kanban_ready_oldest_timestamp_seconds'])
    expect(reads('KanbanLaneWithoutWorkers')).toEqual(['kanban_ready_tasks', 'kanban_live_workers'])
    expect(reads('KanbanHighFailureRatio')).toEqual(['kanban_runs_finished_total'])
    expect(reads('KanbanLeaseExpiries')).toEqual(['kanban_lease_expirations_total'])
    expect(reads('KanbanBreakerParked')).toEqual(['kanban_breaker_parked_tasks'])
    expect(reads('KanbanHumanWaitOverSLA')).toEqual(['kanban_human_wait_oldest_timestamp_seconds'])
    expect(reads('KanbanReviewOverSLA')).toEqual(['kanban_human_wait_oldest_timestamp_seconds'])
    expect(reads('KanbanDispatcherStale')).toEqual(['kanban_dispatcher_last_tick_timestamp_seconds'])
    expect(reads('KanbanLeaderNotOne')).toEqual(['kanban_dispatcher_leader'])
    expect(reads('KanbanFencingRefusals')).toEqual(['kanban_fencing_refusals_total'])
    for (const r of rules) {
      expect(['warning', 'critical'], r.alert).toContain(r.labels?.severity)
      expect(r.annotations?.summary, r.alert).toBeTruthy()
    }
    const doc = readFileSync('docs/operations.md', 'utf8')
    for (const r of rules) expect(doc, `docs/operations.md explains ${r.alert}`).toContain(r.alert)
  })

  it('each rule has a unit test in which it fires', () => {
    const fired = new Set(tests.tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)))
    expect([...fired].sort()).toEqual(rules.map((r) => r.alert).sort())
  })
})
