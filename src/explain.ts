/**
 * Why is a task not running? In words and as data. Pure: takes a snapshot of the task,
 * its parents and the board settings, so it is cheap to test and to call from any surface.
 */
import type { BoardSettings, Explanation, ExplainCode, PauseState, Task } from './types.js'

/** Dispatch state of a ready task: handed to BullMQ, and how full its lane and the board are. */
export interface DispatchView {
  queued: boolean
  laneInFlight: number
  boardInFlight: number
  /** the pause that holds the task's lane back: the board's, else the lane's */
  paused?: PauseState | null
  /** the lanes live workers announce (docs/fleet.md#liveness); absent: not known, nothing said */
  lanesServed?: string[]
}

export function explainTask(
  task: Task,
  parents: Task[],
  settings: BoardSettings,
  now: number,
  dispatch: DispatchView = { queued: false, laneInFlight: 0, boardInFlight: 0 },
): Explanation {
  const reasons: Explanation['reasons'] = []
  const add = (code: ExplainCode, message: string, data: Record<string, unknown> = {}) => reasons.push({ code, message, data })
  const limit = task.maxRetries ?? settings.failureLimit
  const limitSource = task.maxRetries !== null ? 'task' : settings.failureLimitSource
  const waiting = parents.filter((p) => p.status !== 'done' && p.status !== 'archived')

  switch (task.status) {
    case 'running':
      add('running', `running as run ${task.currentRunId}, lease until ${iso(task.leaseExpiresAt)}`, {
        runId: task.currentRunId,
        leaseExpiresAt: task.leaseExpiresAt,
        lastHeartbeatAt: task.lastHeartbeatAt,
      })
      break
    case 'done':
      add('done', `done at ${iso(task.completedAt)}`, { completedAt: task.completedAt })
      break
    case 'archived':
      add('archived', 'archived: hidden from listings, satisfies its children')
      break
    case 'triage': {
      // only creation and a block loop lead to triage, so a count means a loop (docs/blocks-and-breaker.md#block-loops-go-to-triage)
      const limit = settings.blockRecurrenceLimit
      const loop = task.blockRecurrences > 0 ? `; block loop: ${task.blockRecurrences} blocks of kind ${task.blockKind ?? '(none)'} (limit ${limit})` : ''
      add('triage', `in triage: a human must specify it (kanban specify ${task.id})${loop}${task.blockReason ? `; last block: ${task.blockReason}` : ''}`, {
        blockKind: task.blockKind,
        blockRecurrences: task.blockRecurrences,
        blockRecurrenceLimit: limit,
      })
      break
    }
    case 'scheduled':
      add('scheduled', task.runAt !== null ? `scheduled until ${iso(task.runAt)}` : `scheduled with no time: released only by kanban unblock ${task.id}`, {
        runAt: task.runAt,
      })
      break
    case 'blocked':
      if (task.sticky) {
        add('sticky_block', `blocked by a worker or operator (sticky): ${task.blockReason ?? 'no reason given'}; only kanban unblock ${task.id} releases it`, {
          reason: task.blockReason,
          kind: task.blockKind,
        })
      } else if (task.consecutiveFailures >= limit) {
        add(
          'breaker_open',
          `circuit breaker open at ${task.consecutiveFailures}/${limit} failures (limit from ${limitSource}); last error: ${task.lastFailureError ?? 'none'}; raise the limit, unblock or reclaim it`,
          {
            failures: task.consecutiveFailures,
            limit,
            limitSource,
            lastError: task.lastFailureError,
          },
        )
      } else {
        add('breaker_recoverable', `breaker block below the limit (${task.consecutiveFailures}/${limit}): the next recompute releases it`, {
          failures: task.consecutiveFailures,
          limit,
          limitSource,
        })
      }
      break
    case 'review':
      add('review', `waiting for a reviewer${task.assignee ? ` in lane ${task.assignee}` : ''}`, { assignee: task.assignee })
      break
    default:
      break
  }
  if (waiting.length > 0) {
    add('waiting_on_parents', `waiting on ${waiting.length} parent(s): ${waiting.map((p) => `${p.id} (${p.status})`).join(', ')}`, {
      parents: waiting.map((p) => ({ id: p.id, status: p.status, title: p.title })),
    })
  }
  if (task.cooldownUntil !== null && task.cooldownUntil > now) {
    if (task.cooldownReason === 'backoff') {
      // the wait after a counted failure (docs/blocks-and-breaker.md#retry-backoff)
      add(
        'backoff',
        `retry backoff after failure ${task.consecutiveFailures}/${limit}: dispatched again from ${iso(task.cooldownUntil)} (in ${seconds(task.cooldownUntil - now)})${task.lastFailureError ? `; last error: ${task.lastFailureError}` : ''}`,
        { until: task.cooldownUntil, failures: task.consecutiveFailures, limit, lastError: task.lastFailureError },
      )
    } else {
      add('cooldown', `rate-limited: cooling down until ${iso(task.cooldownUntil)}`, { until: task.cooldownUntil })
    }
  }
  if ((task.status === 'ready' || task.status === 'review') && !task.assignee && !settings.defaultAssignee) {
    add('unassigned', 'no assignee and no board defaultAssignee: no worker lane will take it', {})
  }
  const dispatchable = task.status === 'ready' || task.status === 'review'
  if (dispatchable && dispatch.queued) {
    add('queued', `handed to BullMQ (lane ${task.assignee ?? settings.defaultAssignee}): waiting for a worker of that lane`, {
      lane: task.assignee,
    })
  } else if (dispatchable && dispatch.paused) {
    const p = dispatch.paused
    add(
      'paused',
      `${p.lane === null ? 'the board is paused' : `lane ${p.lane} is paused`} by ${p.by} since ${iso(p.since)}${p.reason ? `: ${p.reason}` : ''}; kanban resume${p.lane === null ? '' : ` --lane ${p.lane}`} lets it run`,
      { lane: p.lane, by: p.by, since: p.since, reason: p.reason },
    )
  } else if (dispatchable && (task.assignee || settings.defaultAssignee)) {
    const lane = task.assignee ?? settings.defaultAssignee
    if (settings.maxInProgressPerAssignee > 0 && dispatch.laneInFlight >= settings.maxInProgressPerAssignee) {
      add('lane_at_capacity', `lane ${lane} is at capacity: ${dispatch.laneInFlight}/${settings.maxInProgressPerAssignee} in progress`, {
        lane,
        inFlight: dispatch.laneInFlight,
        cap: settings.maxInProgressPerAssignee,
      })
    }
    if (settings.maxInProgress > 0 && dispatch.boardInFlight >= settings.maxInProgress) {
      add('board_at_capacity', `the board is at capacity: ${dispatch.boardInFlight}/${settings.maxInProgress} in progress`, {
        inFlight: dispatch.boardInFlight,
        cap: settings.maxInProgress,
      })
    }
  }
  const runnable = dispatchable && !reasons.some((r) => r.code !== 'review' && r.code !== 'queued')
  if (task.status === 'ready' && runnable && !dispatch.queued) add('runnable', 'ready: the next dispatch hands it to a worker', {})
  // when nothing on the board holds it back, the fleet may: runnable stays as the board sees it
  if (runnable) noLiveWorker(task, settings, dispatch, add)
  return { id: task.id, status: task.status, runnable, reasons, text: reasons.map((r) => r.message).join('\n') }
}

/**
 * A runnable task whose lane no live worker announces (docs/fleet.md#liveness): the
 * dispatcher still hands it to BullMQ, where it waits until a worker of the lane starts.
 * Said only when nothing on the board holds the task back (a pause, a cap, ... comes first),
 * and about the fleet, not the board, so it leaves `runnable` as it is.
 */
function noLiveWorker(
  task: Task,
  settings: BoardSettings,
  dispatch: DispatchView,
  add: (code: ExplainCode, message: string, data?: Record<string, unknown>) => void,
) {
  if (!dispatch.lanesServed || (task.status !== 'ready' && task.status !== 'review')) return
  const lane = task.assignee ?? settings.defaultAssignee
  if (!lane || dispatch.lanesServed.includes(lane)) return
  add('no_live_worker', `no live worker serves lane ${lane} (kanban workers): it waits in BullMQ until one starts (kanban worker --lane ${lane})`, { lane })
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`
}

function iso(ms: number | null): string {
  return ms === null ? 'unknown' : new Date(ms).toISOString()
}
