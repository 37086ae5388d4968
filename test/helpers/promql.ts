/**
 * What a PromQL expression names, for the tests that check the shipped alert rules and
 * dashboard against the code's metrics (src/metrics/catalog.ts): the kanban_ series it reads,
 * and the labels it groups, joins or matches by.
 */
import { METRICS, seriesNames } from '../../src/metrics/catalog.js'

const SERIES = seriesNames()
/** labels Prometheus adds to every scraped series, and histograms' bucket label */
const TARGET_LABELS = ['job', 'instance', 'le']

export function metricsIn(expr: string): string[] {
  return [...new Set([...expr.matchAll(/\bkanban_[a-z0-9_]+\b/g)].map((m) => m[0]))]
}

export function labelsIn(expr: string): string[] {
  const out = new Set<string>()
  for (const m of expr.matchAll(/\b(?:by|on|without|ignoring)\s*\(([^)]*)\)/g)) for (const l of m[1]!.split(',')) if (l.trim()) out.add(l.trim())
  for (const m of expr.matchAll(/\{([^}]*)\}/g)) for (const l of m[1]!.matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)) out.add(l[1]!)
  return [...out]
}

/** Problems with an expression: series the code does not export, labels none of its metrics has. */
export function checkExpr(expr: string): string[] {
  const problems: string[] = []
  const names = metricsIn(expr)
  if (names.length === 0) problems.push(`names no kanban_ metric: ${expr}`)
  for (const n of names) if (!SERIES.has(n)) problems.push(`${n} is not a metric the code exports`)
  const base = (n: string) => n.replace(/_(bucket|sum|count)$/, '')
  const defs = METRICS.filter((m) => names.some((n) => n === m.name || base(n) === m.name))
  const known = new Set([...TARGET_LABELS, ...defs.flatMap((m) => m.labels)])
  for (const l of labelsIn(expr)) if (!known.has(l)) problems.push(`label ${l} is on none of ${names.join(', ')}`)
  return problems
}
