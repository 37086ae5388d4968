/**
 * Task statuses and the transitions between them. The state diagram of docs/lifecycle.md
 * mirrors this table; every Lua script that changes a status (src/lua/<script>.lua) is in
 * TRANSITIONS, keyed by its name.
 */
export const STATUSES = ['triage', 'todo', 'scheduled', 'ready', 'running', 'blocked', 'review', 'done', 'archived'] as const
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
export const FAILURE_OUTCOMES = ['crashed', 'protocol_violation', 'timed_out', 'reclaimed', 'rate_limited', 'stale'] as const
export type FailureOutcome = (typeof FAILURE_OUTCOMES)[number]
export const NEUTRAL_OUTCOMES: readonly FailureOutcome[] = ['rate_limited', 'stale']

/** What one script does to statuses: its own task's move, and the other tasks it moves. */
export interface Transition {
  /** statuses its task leaves ([]: the task is new, or the script moves no task of its own) */
  from: readonly Status[]
  /** statuses its task may end in */
  to: readonly Status[]
  /**
   * other tasks it moves: children released by a parent that became satisfied or went away
   * (todo | blocked -> ready, includes/promote.lua), a child a completing worker takes over
   * (ready -> running, includes/takeover.lua), the children and descendants a re-run sends
   * back to waiting (rerunTask.lua: reopen, demote)
   */
  others?: { from: readonly Status[]; to: readonly Status[] }
}

const RELEASED = { from: ['todo', 'blocked'], to: ['ready'] } as const
const RELEASED_OR_TAKEN = { from: ['todo', 'blocked', 'ready'], to: ['ready', 'running'] } as const

/**
 * Every script that changes a task's status (src/lua/<script>.lua), and how: documentation
 * as data. The scripts enforce it; `test/unit/status.test.ts` checks each script's header
 * against its entry, and `test/lua/transitions.test.ts` that the scripts which write a
 * status are exactly these.
 */
export const TRANSITIONS: Record<string, Transition> = {
  // createTask and createTasks; createWrite is a part of a large createTasks
  createTasks: { from: [], to: ['blocked', 'triage', 'scheduled', 'todo', 'ready'] },
  createWrite: { from: [], to: ['blocked', 'triage', 'scheduled', 'todo', 'ready'] },
  claimTask: { from: ['ready', 'review'], to: ['running', 'todo'] },
  claimBatch: { from: ['ready', 'review'], to: ['running', 'todo'] },
  completeTask: { from: ['running', 'ready', 'blocked'], to: ['done'], others: RELEASED_OR_TAKEN },
  completeBatch: { from: ['running', 'ready', 'blocked'], to: ['done'], others: RELEASED_OR_TAKEN },
  blockTask: { from: ['running', 'ready'], to: ['blocked', 'todo', 'triage'] },
  unblockTask: { from: ['blocked', 'scheduled'], to: ['ready', 'todo'] },
  scheduleTask: { from: ['todo', 'ready', 'running', 'blocked'], to: ['scheduled'] },
  specifyTask: { from: ['triage'], to: ['todo', 'ready'] },
  promoteTask: { from: ['todo', 'blocked'], to: ['ready'] },
  reclaimTask: { from: ['running'], to: ['ready', 'todo'] },
  releaseTask: { from: ['running'], to: ['ready', 'review', 'todo'] },
  requestReview: { from: ['running'], to: ['review'] },
  requestChanges: { from: ['review', 'running'], to: ['ready', 'todo'] },
  recordFailure: { from: ['running', 'ready', 'review', 'blocked'], to: ['ready', 'review', 'blocked'] },
  // a tick's run sweeps: expired leases, stale runs, timeouts, through the same breaker
  expireRuns: { from: ['running'], to: ['ready', 'review', 'blocked'] },
  releaseDue: { from: ['scheduled'], to: ['ready', 'todo'] },
  // todo -> ready by the same rule happens in the script that satisfies the last parent
  // (includes/promote.lua, releaseChildren); the sweep only meets breaker-parked tasks
  recomputeReady: { from: ['blocked'], to: ['ready'] },
  // kanban doctor's repair of a wrong pending count (its other repairs move no status)
  doctorRepair: { from: ['todo'], to: ['ready'] },
  // the child of the edge
  linkTasks: { from: ['ready'], to: ['todo'] },
  unlinkTasks: { from: ['todo', 'blocked'], to: ['ready'] },
  archiveTask: {
    from: ['triage', 'todo', 'scheduled', 'ready', 'running', 'blocked', 'review', 'done'],
    to: ['archived'],
    others: RELEASED,
  },
  // the task is removed, in any status: no status of its own changes
  deleteTask: { from: [], to: [], others: RELEASED },
  // a step of a bulk operation (src/bulk.ts): unblock and retry as unblockTask, archive as
  // archiveTask; reassign and delete change no status of their own
  bulkTasks: {
    from: ['triage', 'todo', 'scheduled', 'ready', 'running', 'blocked', 'review', 'done'],
    to: ['ready', 'todo', 'archived'],
    others: RELEASED,
  },
  // a done task reopened; its children (with subtree, its descendants) wait for it again
  rerunTask: { from: ['done'], to: ['ready', 'todo'], others: { from: ['ready', 'review', 'running', 'done'], to: ['todo', 'ready'] } },
  // retention: due done tasks are archived (and due archived ones deleted); both statuses
  // satisfy children, so no child is released (no `others`)
  sweepRetention: { from: ['done'], to: ['archived'] },
  // a part of deleteBoard: tasks removed in any status, as deleteTask
  deleteBoard: { from: [], to: [], others: RELEASED },
}
