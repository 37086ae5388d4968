/**
 * Repeated errors, logged once per window (docs/security.md#memory-and-eviction): a Redis
 * at maxmemory refuses every fetch of a BullMQ worker, which retries at once — thousands
 * of identical errors a second that would bury the log (and fill the disk it writes to).
 * The first of a kind is logged at once; the rest of its window as one line with a count.
 */
import type { Log } from './run.js'

export function throttleErrors(log: Log, windowMs = 5000): Log {
  const seen = new Map<string, { until: number; suppressed: number }>()
  return {
    info: (m, f) => log.info(m, f),
    error(msg, fields) {
      const key = `${msg}\0${String(fields?.error ?? '')}`
      const now = Date.now()
      const s = seen.get(key)
      if (s && now < s.until) {
        s.suppressed++
        return
      }
      if (seen.size > 1000) seen.clear() // distinct messages are few; a flood of distinct ones is not held
      seen.set(key, { until: now + windowMs, suppressed: 0 })
      log.error(msg, s?.suppressed ? { ...fields, repeated: s.suppressed } : fields)
    },
  }
}
