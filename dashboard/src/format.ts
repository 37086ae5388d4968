/** Words and numbers as the page shows them. */
import type { NeedKind, Status, Task } from './types.js'

/** "42s", "5m", "3h", "2d" */
export function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h}h`
  return `${Math.floor(h / 24)}d`
}

export const since = (at: number | null | undefined, now: number) => (at ? age(now - at) : '—')

export function when(at: number | null | undefined): string {
  if (!at) return '—'
  const d = new Date(at)
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' })
}

export const STATUS_LABEL: Record<Status, string> = {
  triage: 'Triage',
  todo: 'To do',
  scheduled: 'Scheduled',
  ready: 'Ready',
  running: 'Running',
  blocked: 'Blocked',
  review: 'Review',
  done: 'Done',
  archived: 'Archived',
}

export const NEED_LABEL: Record<NeedKind, string> = {
  sticky_block: 'Blocked for a person',
  breaker_open: 'Circuit breaker open',
  triage: 'Needs specifying',
  review: 'Waiting for review',
}

/** The failure limit that applies to a task: its own maxRetries, else the board's. */
export const effectiveLimit = (t: Task, boardLimit: number) => t.maxRetries ?? boardLimit

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`
