/**
 * src/tracing.ts without an SDK (docs/tracing.md#cost): the api is not loaded until a
 * tracer provider is registered, and the W3C traceparent it stores reads back exactly.
 */
import * as api from '@opentelemetry/api'
import { describe, expect, it } from 'vitest'
import { otel, spanContextOf, traceCreate, traceparent } from '../../src/tracing.js'

describe('tracing helpers', () => {
  it('without a registered provider: no api, no spans, nothing added to a node', () => {
    expect(otel()).toBeUndefined()
    const node = { ref: 'a', title: 'a' }
    expect(traceCreate('b', [node])).toBeNull()
    expect(node).toEqual({ ref: 'a', title: 'a' })
  })

  it('a traceparent round-trips; malformed and all-zero ids are refused', () => {
    const sc = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 }
    const tp = traceparent(sc)
    expect(tp).toBe(`00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`)
    const back = spanContextOf(api, tp, 'k=v,x=y')!
    expect(back).toMatchObject({ ...sc, isRemote: true })
    expect(back.traceState!.get('x')).toBe('y')
    expect(spanContextOf(api, traceparent({ ...sc, traceFlags: 0 }))!.traceFlags).toBe(0)
    for (const bad of [
      undefined,
      '',
      'nope',
      `00-${'0'.repeat(32)}-${'b'.repeat(16)}-01`,
      `00-${'a'.repeat(32)}-${'0'.repeat(16)}-01`,
      `00-${'A'.repeat(32)}-${'b'.repeat(16)}-01`,
    ])
      expect(spanContextOf(api, bad)).toBeUndefined()
  })
})
