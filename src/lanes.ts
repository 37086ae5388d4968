/**
 * BullMQ side of a board: one queue per assignee lane (`lane-<assignee>`) and the
 * dispatcher's `dispatch` queue, all under the board's hash-tagged prefix so that a
 * board's queues live in the same cluster slot as its tasks.
 */
import { Queue, type JobsOptions } from 'bullmq'
import type { Board } from './board.js'

export const laneQueueName = (lane: string) => `lane-${lane}`
export const DISPATCH_QUEUE = 'dispatch'

/** What a lane job carries: just enough to claim the task; the task itself is in Redis. */
export interface LaneJobData {
  taskId: string
  /** the task's queue token at reservation; a claim with an older token is refused */
  token: string
}

const JOB_OPTIONS: JobsOptions = { removeOnComplete: true, removeOnFail: true }

export class LaneQueues {
  private readonly queues = new Map<string, Queue<LaneJobData>>()
  constructor(private readonly board: Board) {}

  get(lane: string): Queue<LaneJobData> {
    let q = this.queues.get(lane)
    if (!q) {
      q = new Queue<LaneJobData>(laneQueueName(lane), {
        connection: this.board.redis,
        prefix: this.board.keys.bullPrefix,
        defaultJobOptions: JOB_OPTIONS,
      })
      this.queues.set(lane, q)
    }
    return q
  }

  /** Adds one job per reservation; BullMQ ignores a job id it already holds. */
  async add(jobs: { id: string; lane: string; jobId: string }[]): Promise<void> {
    const byLane = new Map<string, typeof jobs>()
    for (const j of jobs) byLane.set(j.lane, [...(byLane.get(j.lane) ?? []), j])
    await Promise.all(
      [...byLane].map(([lane, js]) =>
        this.get(lane).addBulk(
          js.map((j) => ({
            name: 'task',
            data: { taskId: j.id, token: tokenOf(j.jobId) },
            opts: { ...JOB_OPTIONS, jobId: j.jobId },
          })),
        ),
      ),
    )
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()))
    this.queues.clear()
  }
}

export function tokenOf(jobId: string): string {
  return jobId.slice(jobId.lastIndexOf('-') + 1)
}
