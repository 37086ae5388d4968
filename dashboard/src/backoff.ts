/**
 * The retry backoff as the task page says it (docs/blocks-and-breaker.md#retry-backoff):
 * which backoff applies to a task, and — when explain says it is waiting one out — after
 * which failure, until when, and the last error. Pure: the unit tests check it directly.
 */
import { age } from './format.js'
import type { BoardSettings, Explanation, Task } from './types.js'

const ms = (n: number) => (n % 1000 === 0 ? `${n / 1000} s` : `${n} ms`)

/** The backoff in effect: the task's own base, else the board's; doubling per failure up to the board's cap. */
export function backoffSetting(t: Task, settings: BoardSettings | null): string {
  const cap = settings ? ` up to ${ms(settings.retryBackoffMaxMs)}` : ''
  if (t.retryBackoffMs !== null)
    return t.retryBackoffMs === 0
      ? 'off for this task (its own setting)'
      : `from ${ms(t.retryBackoffMs)}, doubling per failure${cap}, with jitter (this task's)`
  if (!settings) return "the board's"
  return settings.retryBackoffMs === 0
    ? "off (the board's setting)"
    : `from ${ms(settings.retryBackoffMs)}, doubling per failure${cap}, with jitter (the board's)`
}

/** What a cooldown waits out (`Task.cooldownReason`). */
export const COOLDOWN_LABEL = { rate_limited: 'rate limited', backoff: 'retry backoff after a failure' } as const

export interface RetryBackoff {
  /** when it is dispatched again (the server's clock) */
  until: number
  failures: number
  limit: number | null
  lastError: string | null
}

/** The backoff a task is waiting out, from explain's `backoff` reason; null when it is not. */
export function retryBackoff(task: Task, explain: Explanation): RetryBackoff | null {
  const r = explain.reasons.find((x) => x.code === 'backoff')
  if (!r) return null
  const d = r.data as { until?: number; failures?: number; limit?: number; lastError?: string | null }
  return {
    until: d.until ?? task.cooldownUntil ?? 0,
    failures: d.failures ?? task.consecutiveFailures,
    limit: d.limit ?? null,
    lastError: d.lastError ?? task.lastFailureError,
  }
}

/** "after failure 1 of 3, dispatched again in about 4s" (or "now, at the next tick" once it is over) */
export function backoffText(b: RetryBackoff, now: number): string {
  const left = b.until - now
  return `after failure ${b.failures}${b.limit !== null ? ` of ${b.limit}` : ''}, dispatched again ${left > 0 ? `in about ${age(left)}` : 'now, at the next tick'}`
}
