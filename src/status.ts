/**
 * Task statuses and the transitions between them. The README's state diagram mirrors this
 * table; every transition is performed by exactly one Lua script (src/lua/<script>.lua).
 */
export const STATUSES = [
  'triage',
  'todo',
  'scheduled',
  'ready',
  'running',
  'blocked',
  'review',
  'done',
  'archived',
] as const
export type Status = (typeof STATUSES)[number]

/** A parent in one of these statuses satisfies its children. */
export const SATISFIED: readonly Status[] = ['done', 'archived']

/** Statuses the dispatcher hands to workers. */
export const DISPATCHABLE: readonly Status[] = ['ready', 'review']

export const BLOCK_KINDS = ['dependency', 'needs_input', 'capability', 'transient'] as const
export type BlockKind = (typeof BLOCK_KINDS)[number]

export const RUN_OUTCOMES = [
  'completed',
  'blocked',
  'scheduled',
  'crashed',
  'protocol_violation',
  'rate_limited',
  'timed_out',
  'stale',
  'reclaimed',
  'gave_up',
  'review_requested',
] as const
export type RunOutcome = (typeof RUN_OUTCOMES)[number]

/** Outcomes `recordFailure` accepts. The first four count towards the breaker. */
export const FAILURE_OUTCOMES = [
  'crashed',
  'protocol_violation',
  'timed_out',
  'reclaimed',
  'rate_limited',
  'stale',
] as const
export type FailureOutcome = (typeof FAILURE_OUTCOMES)[number]
export const NEUTRAL_OUTCOMES: readonly FailureOutcome[] = ['rate_limited', 'stale']

/**
 * from-status → the operations that may move a task out of it, and where to.
 * Documentation as data: the scripts enforce it, `test/unit/status.test.ts` keeps the
 * README diagram and this table in step.
 */
export const TRANSITIONS: Record<string, { from: readonly Status[]; to: readonly Status[] }> = {
  createTask: { from: [], to: ['blocked', 'triage', 'scheduled', 'todo', 'ready'] },
  claimTask: { from: ['ready', 'review'], to: ['running', 'todo'] },
  completeTask: { from: ['running', 'ready', 'blocked'], to: ['done'] },
  blockTask: { from: ['running', 'ready'], to: ['blocked', 'todo', 'triage'] },
  unblockTask: { from: ['blocked', 'scheduled'], to: ['ready', 'todo'] },
  scheduleTask: { from: ['todo', 'ready', 'running', 'blocked'], to: ['scheduled'] },
  specifyTask: { from: ['triage'], to: ['todo', 'ready'] },
  promoteTask: { from: ['todo', 'blocked'], to: ['ready'] },
  reclaimTask: { from: ['running'], to: ['ready', 'todo'] },
  requestReview: { from: ['running'], to: ['review'] },
  requestChanges: { from: ['review', 'running'], to: ['ready', 'todo'] },
  recordFailure: { from: ['running', 'ready', 'review', 'blocked'], to: ['ready', 'review', 'blocked'] },
  // todo -> ready by the same rule happens in the script that satisfies the last parent
  // (includes/promote.lua, releaseChildren); the sweep only meets breaker-parked tasks
  recomputeReady: { from: ['blocked'], to: ['ready'] },
  archiveTask: {
    from: ['triage', 'todo', 'scheduled', 'ready', 'running', 'blocked', 'review', 'done'],
    to: ['archived'],
  },
}
