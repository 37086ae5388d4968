/**
 * What a worker's claim tells the metrics (includes/claim.lua; docs/operations.md#metrics):
 * the status the task left, and from `ready` when it became ready — the lane's ready-since
 * score, read before the claim removes it — so the ready-to-claimed wait needs no read.
 */
import { describe, expect, it } from 'vitest'
import { luaBoard } from '../helpers/lua.js'

describe('claimBatch.lua: the claim reply for metrics', () => {
  it('carries from = ready and readySince = the ready-since score; a review claim carries from = review only', async () => {
    const b = await luaBoard('claimm')
    const id = await b.create({ assignee: 'lane' })
    const since = await b.zscore(b.keys.readySince('lane'), id)
    expect(since).not.toBeNull()
    await b.call('reserveDispatch', { count: 10, scan: 10 })
    const token = (await b.task(id)).queueToken!
    const [c] = (await b.call('claimBatch', { ids: [id], tokens: [token], claimer: 'w' })).results
    expect(c).toMatchObject({ ok: true, from: 'ready', readySince: Number(since) })
    // the claim is what ends the wait: its lease starts at claim time, after readySince
    if (!c || !('ok' in c) || !c.ok) throw new Error('refused')
    expect(c.leaseExpiresAt - c.ttlMs).toBeGreaterThanOrEqual(Number(since))
    expect(await b.zscore(b.keys.readySince('lane'), id)).toBeNull()

    await b.call('requestReview', { id, runId: c.runId })
    await b.call('reserveDispatch', { count: 10, scan: 10 })
    const again = (await b.task(id)).queueToken!
    const [r] = (await b.call('claimBatch', { ids: [id], tokens: [again], claimer: 'reviewer' })).results
    expect(r).toMatchObject({ ok: true, from: 'review' })
    expect(r).not.toHaveProperty('readySince')
  })
})
