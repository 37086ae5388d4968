/**
 * Every kind of event a board writes (docs/events.md#kinds): a subscriber's kind filter is
 * checked against it, so a misspelt kind is refused instead of silently matching nothing.
 * test/unit/eventKinds.test.ts keeps it equal to the kinds the Lua writes and the docs list.
 */
import { FAILURE_OUTCOMES } from './status.js'

export const EVENT_KINDS = [
  'created',
  'claimed',
  'claim_rejected',
  'heartbeat',
  'completed',
  'promoted',
  'promoted_manual',
  'blocked',
  'dependency_wait',
  'block_loop_detected',
  'unblocked',
  'scheduled',
  'released',
  'specified',
  // a failure's event is its outcome (includes/breaker.lua)
  ...FAILURE_OUTCOMES,
  'gave_up',
  'assigned',
  'updated',
  'linked',
  'unlinked',
  'review_requested',
  'changes_requested',
  'archived',
  'deleted',
  // a re-run (rerunTask, includes/reopen.lua)
  'reopened',
  'demoted',
  'commented',
  'settings_changed',
  'paused',
  'resumed',
  // kanban doctor --repair (src/doctor.ts)
  'repaired',
] as const
export type EventKind = (typeof EVENT_KINDS)[number]
