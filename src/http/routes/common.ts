/** What the route files share: the action response, refusals as 409, task briefs. */
import type { Board } from '../../board.js'
import { NotFoundError } from '../../errors.js'
import type { Task } from '../../types.js'
import type { BodyName } from '../bodies.js'
import type { Call, Param, Response_ } from '../define.js'
import { HttpError } from '../errors.js'

export const brief = (t: Task) => ({ id: t.id, title: t.title, status: t.status, sticky: t.sticky, assignee: t.assignee })

export async function briefs(board: Board, ids: string[]) {
  const tasks = await Promise.all(ids.map((id) => board.getTask(id)))
  return tasks.filter((t): t is Task => t !== null).map(brief)
}

export async function mustGet(board: Board, id: string): Promise<Task> {
  const t = await board.getTask(id)
  if (!t) throw new NotFoundError(id)
  return t
}

/**
 * The end of a boolean operation: ok -> 200 `{ ok: true, task }`; refused -> 409 with why
 * (a stale run id, else the task's status) and the task as it is now.
 */
export async function action<B extends BodyName | undefined>(
  call: Call<B>,
  ok: boolean,
  id: string,
  opts: { runId?: string; why?: (t: Task) => string | undefined } = {},
): Promise<Response> {
  const task = await call.reader.getTask(id)
  if (ok) return call.c.json({ ok: true, task })
  if (!task) throw new NotFoundError(id)
  throw refusal(task, opts.runId, opts.why?.(task))
}

export function refusal(task: Task, runId?: string, why?: string): HttpError {
  if (runId !== undefined && task.currentRunId !== runId) {
    return new HttpError(409, 'STALE_RUN', `refused: run ${runId} is not the open run of ${task.id} (${task.currentRunId ?? 'none'}; status ${task.status})`, {
      details: { id: task.id, runId, openRunId: task.currentRunId, status: task.status },
      body: { ok: false, task },
    })
  }
  return new HttpError(
    409,
    'INVALID_STATE',
    `refused: ${why ?? `task ${task.id} is ${task.status}${task.currentRunId ? ` (open run ${task.currentRunId})` : ''}`}`,
    {
      details: { id: task.id, status: task.status },
      body: { ok: false, task },
    },
  )
}

/** Drops undefined fields (the library's strict schemas take absent, not undefined, fields). */
export function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}

export const R = {
  action: { description: 'done: the task as it is now', schema: 'Action' } as Response_,
  refused: { description: "refused by the task's status (INVALID_STATE) or a stale run id (STALE_RUN); nothing changed", schema: 'Refused' } as Response_,
  notFound: { description: 'no such task (TASK_NOT_FOUND) or board (BOARD_NOT_FOUND)', schema: 'Error' } as Response_,
}

export const B = '/api/boards/{board}'

export const EVENTS_QUERY: Param[] = [
  { name: 'after', type: 'integer', min: 0, description: 'events after this event id' },
  { name: 'limit', type: 'integer', min: 1, max: 10_000, default: 1000, description: 'most events returned' },
]
