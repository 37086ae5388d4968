/**
 * The run metrics' hot path (docs/operations.md#what-metrics-cost): a worker counts a claim
 * and a close per task, and prom-client hashes the label set on every `inc` and `observe`,
 * even through `labels()`. These families keep each series' numbers in a plain object the
 * caller holds, and hand prom-client's registry the values when it is scraped (the
 * registry takes any object with `name`, `help`, `type`, `get()`).
 */
import type { MetricDef } from './catalog.js'

type Labels = Record<string, string>

export class Series {
  value = 0
  sum = 0
  readonly counts: number[]
  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = bounds.map(() => 0)
  }
  inc(n = 1): void {
    this.value += n
  }
  /** a histogram's observation: `value` is its count; counts[i] those <= bounds[i] (not yet cumulative) */
  observe(v: number): void {
    this.value++
    this.sum += v
    const b = this.bounds
    for (let i = 0; i < b.length; i++) {
      if (v <= b[i]!) {
        this.counts[i]!++
        return
      }
    }
  }
}

interface Value {
  value: number
  labels: Labels
  metricName?: string
}

export class Family {
  readonly name: string
  readonly help: string
  readonly type: 'counter' | 'histogram'
  readonly aggregator = 'sum'
  private readonly all = new Map<string, Series>()
  private readonly bounds: readonly number[]

  constructor(def: MetricDef) {
    if (def.type === 'gauge') throw new Error(`${def.name}: a gauge is not a fast family`)
    this.name = def.name
    this.help = def.help
    this.type = def.type
    this.bounds = def.buckets ?? []
  }

  /** The series of these labels; hold it, so the hot path looks nothing up. */
  series(labels: Labels): Series {
    const key = Object.values(labels).join('\u0000')
    let s = this.all.get(key)
    if (!s) this.all.set(key, (s = new Series(labels, this.bounds)))
    return s
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: Value[] } {
    const values: Value[] = []
    for (const s of this.all.values()) {
      if (this.type === 'counter') {
        values.push({ value: s.value, labels: s.labels })
        continue
      }
      let acc = 0
      this.bounds.forEach((le, i) => {
        acc += s.counts[i]!
        values.push({ value: acc, labels: { ...s.labels, le: String(le) }, metricName: `${this.name}_bucket` })
      })
      values.push({ value: s.value, labels: { ...s.labels, le: '+Inf' }, metricName: `${this.name}_bucket` })
      values.push({ value: s.sum, labels: s.labels, metricName: `${this.name}_sum` })
      values.push({ value: s.value, labels: s.labels, metricName: `${this.name}_count` })
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values }
  }

  reset(): void {
    this.all.clear()
  }
}
