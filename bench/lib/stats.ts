/** Small statistics helpers: medians of repetitions, latency percentiles. */

export const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0)

export function median(xs: number[]): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return NaN
  const m = v.length >> 1
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2
}

/** Nearest-rank percentile (p in 0..100) of the finite values. */
export function percentile(xs: number[], p: number): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return NaN
  const rank = Math.min(v.length, Math.max(1, Math.ceil((p / 100) * v.length)))
  return v[rank - 1]!
}

export interface Summary {
  n: number
  min: number
  p50: number
  p90: number
  p95: number
  p99: number
  max: number
  mean: number
}

export function summarize(xs: number[]): Summary {
  const v = xs.filter((x) => Number.isFinite(x))
  return {
    n: v.length,
    min: v.length ? Math.min(...v) : NaN,
    p50: percentile(v, 50),
    p90: percentile(v, 90),
    p95: percentile(v, 95),
    p99: percentile(v, 99),
    max: v.length ? v.reduce((a, b) => (b > a ? b : a), -Infinity) : NaN,
    mean: v.length ? sum(v) / v.length : NaN,
  }
}

/**
 * Median of each numeric field over repetitions of the same shape (first rep gives the
 * keys); nested objects are reduced the same way, other values are taken from the first.
 */
export function medianOf<T>(reps: T[]): T {
  if (reps.length === 0) throw new Error('medianOf: no repetitions')
  const first = reps[0] as Record<string, unknown>
  if (typeof first !== 'object' || first === null || Array.isArray(first)) return reps[0]!
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(first)) {
    const vals = reps.map((r) => (r as Record<string, unknown>)[k])
    if (typeof v === 'number') out[k] = median(vals as number[])
    else if (v && typeof v === 'object' && !Array.isArray(v)) out[k] = medianOf(vals as object[])
    else out[k] = v
  }
  return out as T
}

export const round = (x: number, digits = 0): number => {
  if (!Number.isFinite(x)) return x
  const f = 10 ** digits
  return Math.round(x * f) / f
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** Polls `check` every `everyMs` until it returns true; throws after `timeoutMs`. */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(everyMs)
  }
}
