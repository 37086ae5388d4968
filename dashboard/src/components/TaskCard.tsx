/** A task on the board: its title, lane, priority, failures against its limit, stickiness and age. */
import { memo } from 'react'
import { effectiveLimit, since } from '../format.js'
import { taskHref } from '../route.js'
import type { Task } from '../types.js'

export const TaskCard = memo(function TaskCard(props: { task: Task; board: string; boardLimit: number; now: number }) {
  const t = props.task
  const limit = effectiveLimit(t, props.boardLimit)
  const breaker = t.status === 'blocked' && !t.sticky
  return (
    <li className={`card status-${t.status}`} data-task={t.id}>
      <a href={taskHref(props.board, t.id)}>
        <span className="card-title">{t.title}</span>
        <span className="card-meta">
          <span className="id">{t.id}</span>
          <span className="lane" title="Lane (assignee)">
            {t.assignee ?? 'unassigned'}
          </span>
          {t.priority !== 0 && <span title="Priority">P{t.priority}</span>}
          <span
            className={`failures${t.consecutiveFailures >= limit ? ' over' : t.consecutiveFailures > 0 ? ' some' : ''}`}
            title="Consecutive failures / failure limit"
          >
            {t.consecutiveFailures}/{limit} failures
          </span>
          {t.sticky && (
            <span className="badge sticky" title={`Sticky block: ${t.blockReason ?? 'waits for a person'}`}>
              sticky
            </span>
          )}
          {breaker && (
            <span className="badge breaker" title="Circuit breaker open">
              breaker
            </span>
          )}
          <span className="age" title="Age">
            {since(t.createdAt, props.now)}
          </span>
        </span>
      </a>
    </li>
  )
})
