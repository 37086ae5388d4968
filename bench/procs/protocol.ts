/** IPC messages between the bench (parent) and its worker processes. */

export type Impl = 'ours' | 'bullmq'

export interface WorkerSpec {
  impl: Impl
  url: string
  /** ours: the board name; bullmq: the queue's hash-tagged prefix, e.g. `{bq:run1}` */
  name: string
  /** ours: the lane (assignee); bullmq: the queue name */
  queue: string
  /** ours: more lanes the same worker serves (the promotion scenario's cross-lane pairs) */
  moreLanes?: string[]
  concurrency: number
  /** ours: run this shell command per task (commandHandler) instead of the in-process no-op */
  command?: string
  /** with `command`: false = no channel, the command's CLI reports over its own Redis connection */
  channel?: boolean
  /** ours: an OpenTelemetry SDK registered in the process for the run, sampling this ratio of traces (bench/lib/tracingSdk.ts) */
  tracing?: number
}

export interface WorkerReport {
  processed: number
  errors: string[]
  /** process CPU between start and stop, ms */
  cpuUserMs: number
  cpuSysMs: number
  /** CPU of the child processes that ended between start and stop (subprocess handlers), ms */
  childCpuMs: number
}

export type RequestBody = { op: 'start'; spec: WorkerSpec } | { op: 'stop' } | { op: 'exit' }
export type Request = RequestBody & { id: number }

export type Reply = { id: number; ok: true; report?: WorkerReport } | { id: number; ok: false; error: string }

/** What a started implementation gives back to the host. */
export interface Running {
  stop(): Promise<{ processed: number; errors: string[] }>
}
