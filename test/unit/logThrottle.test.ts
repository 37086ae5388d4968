import { describe, expect, it, vi } from 'vitest'
import { throttleErrors } from '../../src/runtime/logThrottle.js'

describe('throttleErrors', () => {
  it('logs the first of a repeated error at once, then one line with the count per window', () => {
    vi.useFakeTimers()
    try {
      const lines: [string, Record<string, unknown> | undefined][] = []
      const log = throttleErrors({ info: () => undefined, error: (m, f) => void lines.push([m, f]) }, 1000)
      for (let i = 0; i < 500; i++) log.error('tick failed', { error: 'OOM command not allowed' })
      log.error('tick failed', { error: 'another' })
      expect(lines).toEqual([
        ['tick failed', { error: 'OOM command not allowed' }],
        ['tick failed', { error: 'another' }],
      ])
      vi.advanceTimersByTime(1001)
      log.error('tick failed', { error: 'OOM command not allowed' })
      expect(lines[2]).toEqual(['tick failed', { error: 'OOM command not allowed', repeated: 499 }])
    } finally {
      vi.useRealTimers()
    }
  })
})
