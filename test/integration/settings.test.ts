/** Board settings: set, shared, and back to their defaults with null (`kanban config unset`). */
import { describe, expect, it } from 'vitest'
import { openBoard, reopen } from '../helpers/board.js'

describe('settings', () => {
  it('null puts any setting back to its default, for every process', async () => {
    const board = await openBoard('settings')
    const other = await reopen(board)
    await board.configure({ claimTtlMs: 5000, maxInProgress: 3, staleTimeoutMs: 1000, failureLimit: 4 })
    expect(await other.settings()).toMatchObject({ claimTtlMs: 5000, maxInProgress: 3, staleTimeoutMs: 1000, failureLimit: 4, failureLimitSource: 'board' })
    await other.configure({ claimTtlMs: null, maxInProgress: null, staleTimeoutMs: null, failureLimit: null })
    expect(await board.settings()).toMatchObject({
      claimTtlMs: 60_000,
      maxInProgress: 0,
      staleTimeoutMs: 0,
      failureLimit: 2,
      failureLimitSource: 'default',
    })
    // and the claim uses the default lease again
    const id = await board.createTask({ title: 't' })
    const c = await board.claimTask(id, { claimer: 'w' })
    expect((await board.getTask(id))!.leaseExpiresAt! - c!.leaseExpiresAt).toBe(0)
    expect(c!.leaseExpiresAt - (await board.getTask(id))!.lastHeartbeatAt!).toBe(60_000)
  })
})
