/**
 * BullMQ side of a board: one queue per assignee lane (`lane-<assignee>`) and the
 * dispatcher's `dispatch` queue, all under the board's hash-tagged prefix so that a
 * board's queues live in the same cluster slot as its tasks.
 */
import type { JobsOptions, Queue } from 'bullmq'
import type { Cluster, Redis } from 'ioredis'
import type { BoardKeys } from './keys.js'
import type { ReservedJob } from './scriptContract.js'

export const laneQueueName = (lane: string) => `lane-${lane}`
export const DISPATCH_QUEUE = 'dispatch'

/**
 * What a lane job carries: just enough to claim its tasks; the tasks themselves are in
 * Redis. One job holds up to the board's `tasksPerJob` tasks of one lane, so BullMQ's
 * per-job cost is paid once per group, not once per task.
 */
export interface LaneJobData {
  taskIds: string[]
  /** the tasks' queue token at reservation; a claim with another token is refused */
  token: string
}

const JOB_OPTIONS: JobsOptions = { removeOnComplete: true, removeOnFail: true }

/** What the lane queues need of a board: its connection and BullMQ prefix. */
export type LaneConnection = { redis: Redis | Cluster; keys: Pick<BoardKeys, 'bullPrefix'> }

/**
 * BullMQ is loaded when a queue is first made, not with the board: a process that adds no
 * lane job (most CLI commands, a producer without autoEnqueue) never loads it.
 */
let bullmq: Promise<typeof import('bullmq')> | undefined
const loadBullmq = () => (bullmq ??= import('bullmq'))

export class LaneQueues {
  private readonly queues = new Map<string, Queue<LaneJobData>>()
  constructor(private readonly board: LaneConnection) {}

  async get(lane: string): Promise<Queue<LaneJobData>> {
    let q = this.queues.get(lane)
    if (!q) {
      const { Queue } = await loadBullmq()
      q = this.queues.get(lane) // made by a concurrent call meanwhile
      if (q) return q
      q = new Queue<LaneJobData>(laneQueueName(lane), {
        connection: this.board.redis,
        prefix: this.board.keys.bullPrefix,
        defaultJobOptions: JOB_OPTIONS,
      })
      this.queues.set(lane, q)
    }
    return q
  }

  /** Adds one job per distinct jobId of a reservation; BullMQ ignores a job id it already holds. */
  async add(reserved: ReservedJob[]): Promise<void> {
    const jobs = new Map<string, { lane: string; taskIds: string[] }>()
    for (const r of reserved) {
      const j = jobs.get(r.jobId)
      if (j) j.taskIds.push(r.id)
      else jobs.set(r.jobId, { lane: r.lane, taskIds: [r.id] })
    }
    const byLane = new Map<string, { name: string; data: LaneJobData; opts: JobsOptions }[]>()
    for (const [jobId, { lane, taskIds }] of jobs) {
      const list = byLane.get(lane) ?? []
      list.push({ name: 'tasks', data: { taskIds, token: tokenOf(jobId) }, opts: { ...JOB_OPTIONS, jobId } })
      byLane.set(lane, list)
    }
    await Promise.all([...byLane].map(async ([lane, list]) => (await this.get(lane)).addBulk(list)))
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()))
    this.queues.clear()
  }
}

/** A lane job's id is `j<token>` (reserveDispatch.lua). */
export const jobIdOf = (token: string) => `j${token}`
export const tokenOf = (jobId: string) => jobId.slice(1)
