/**
 * The demo fleet's handler: what each kind of demo task does (metadata.kind).
 *   work     sleeps a few ms, completes with a result
 *   flaky    always throws: the breaker trips it after the board's failureLimit
 *   human    hands the task to a person with a sticky block
 *   review   the coder asks the reviewer lane for a review; the reviewer approves
 */
import type { Handler } from '../../src/index.js'

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true })
  })

export const demoHandler: Handler = async (task, ctx) => {
  const kind = String(task.metadata.kind ?? 'work')
  await sleep(5 + Math.floor(Math.random() * 25), ctx.signal)
  if (kind === 'flaky') throw new Error('upload failed: connection reset by peer')
  if (kind === 'human') {
    await ctx.block({ reason: 'needs a human: confirm the release notes wording', kind: 'needs_input' })
    return
  }
  if (kind === 'review' && task.assignee !== 'reviewer') {
    await ctx.requestReview({ reviewer: 'reviewer', summary: 'diff ready for review' })
    return
  }
  const parents = task.parents.length
  await ctx.complete({ result: `${task.title}: ok`, summary: `done by ${ctx.runId} after ${parents} parent(s)` })
}
