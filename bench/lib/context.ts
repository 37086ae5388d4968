/** What every scenario gets: the private Redis, the probe, the worker pool, the config. */
import { Redis } from 'ioredis'
import { Board } from '../../src/board.js'
import type { CreateNodeInput } from '../../src/index.js'
import { Queue, FlowProducer } from 'bullmq'
import type { Pool } from './procs.js'
import type { RedisProbe } from './redis.js'
import type { Impl, WorkerSpec } from '../procs/protocol.js'

export interface BenchConfig {
  quick: boolean
  reps: number
  /** flat scenario size, concurrency per process, worker processes */
  flatTasks: number
  /** the flat scenario also runs ours with an OpenTelemetry SDK registered, sampling this ratio of traces (--tracing R) */
  flatTracing?: number
  concurrency: number
  procs: number
  enqueueSingle: number
  enqueueBatches: number
  fanIn: number
  chain: number
  lattice: { layers: number; width: number }
  dagReps: number
  pairs: number
  pairWave: number
  scaleSizes: number[]
  fleetProcs: number[]
  fleetTasks: number
  fleetReps: number
  profileTasks: number
  /** the shell scenario: tasks per run, worker processes, concurrency each, repetitions */
  shellTasks: number
  shellProcs: number
  shellConcurrency: number
  shellReps: number
  /** cli scenario: sequential calls per command, repetitions of the eight concurrent creates, tasks of the CLI-made board */
  cliCalls: number
  cliConcurrentReps: number
  cliBoard: number
  /** boards scenario: idle board counts; the spread run's boards, tasks per board, worker processes, concurrency per board, repetitions */
  boardsIdle: number[]
  boardsSpread: { boards: number; tasks: number; procs: number; concurrency: number; reps: number }
  /** soak scenario: simulated days, real ms per simulated hour, tasks per simulated hour */
  soakDays: number
  soakHourMs: number
  soakRate: number
  /** query scenario: board sizes, and pages timed per filter */
  querySizes: number[]
  queryReps: number
  /** http scenario: task reads and completes (requests), requests in flight, SSE clients and events */
  httpReads: number
  httpCompletes: number
  httpConcurrency: number
  httpClients: number
  httpEvents: number
}

export interface Ctx {
  url: string
  probe: RedisProbe
  pool: Pool
  cfg: BenchConfig
  log: (msg: string) => void
  /** a fresh name for a board / queue prefix */
  name(tag: string): string
}

export const LANE = 'bench'
/** a second lane of the same workers: a child there cannot be handed over by its parent's completion */
export const LANE2 = 'bench2'

/** The worker spec for one run of `impl` on board / prefix `name`. */
export function workerSpec(ctx: Ctx, impl: Impl, name: string, concurrency = ctx.cfg.concurrency, moreLanes?: string[]): WorkerSpec {
  return impl === 'ours'
    ? { impl, url: ctx.url, name, queue: LANE, ...(moreLanes ? { moreLanes } : {}), concurrency }
    : { impl, url: ctx.url, name: bullPrefix(name), queue: `lane-${LANE}`, concurrency }
}

export const bullPrefix = (name: string) => `{bq:${name}}`

/**
 * Our side of a run in the parent: the producer's board handle. With autoEnqueue (how a
 * producer feeding a fleet opens it) createTasks returns once its ready tasks are in BullMQ.
 */
export async function openBoard(ctx: Ctx, name: string, o: { autoEnqueue?: boolean } = {}): Promise<Board> {
  return Board.open({ redis: ctx.url, board: name, autoEnqueue: o.autoEnqueue ?? false })
}

export function doneCount(board: Board): Promise<number> {
  return board.redis.zcard(board.keys.status('done'))
}

/** BullMQ side: a queue (and a flow producer) under the run's own prefix. */
export interface BullSide {
  conn: Redis
  queue: Queue
  flow: FlowProducer
  prefix: string
  completed(): Promise<number>
  jobField(id: string, field: string): Promise<string | null>
  close(): Promise<void>
}

export function openBull(ctx: Ctx, name: string): BullSide {
  const conn = new Redis(ctx.url, { maxRetriesPerRequest: null })
  const prefix = bullPrefix(name)
  const qname = `lane-${LANE}`
  const queue = new Queue(qname, { connection: conn, prefix })
  const flow = new FlowProducer({ connection: conn, prefix })
  return {
    conn,
    queue,
    flow,
    prefix,
    completed: () => conn.zcard(`${prefix}:${qname}:completed`),
    jobField: (id, field) => conn.hget(`${prefix}:${qname}:${id}`, field),
    async close() {
      await queue.close()
      await flow.close()
      conn.disconnect()
    },
  }
}

/** Alternate which implementation goes first, repetition by repetition. */
export const order = (rep: number): Impl[] => (rep % 2 === 0 ? ['ours', 'bullmq'] : ['bullmq', 'ours'])

/**
 * Nodes per createTasks call in the runtime scenarios. createTasks is atomic (docs/api.md#creating-tasks), so
 * one call costs ~20-30 µs of Redis per node; 100 nodes keep each call well under the 5 ms
 * aim (200 measured 6-7 ms with SLOWLOG on). A larger graph goes in several calls, later
 * ones naming earlier tasks by id — what docs/architecture.md#createtasks-in-parts recommends to users.
 */
export const CREATE_CHUNK = 100

/** createTasks in chunks of CREATE_CHUNK, in the given (topological) order; refs -> ids. */
export async function createInChunks(board: Board, nodes: CreateNodeInput[], chunk = CREATE_CHUNK): Promise<Record<string, string>> {
  const ids: Record<string, string> = {}
  for (let i = 0; i < nodes.length; i += chunk) {
    const part = nodes.slice(i, i + chunk).map((n) => (n.dependsOn ? { ...n, dependsOn: n.dependsOn.map((d) => ids[d] ?? d) } : n))
    Object.assign(ids, await board.createTasks(part))
  }
  return ids
}
