/**
 * Turns the results into `bench/results/<stamp>.json` (everything, every repetition) and
 * `<stamp>.md` (the tables: medians, ratios ours/BullMQ, the targets) — see tables.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BenchConfig } from './context.js'
import type { FlatResult } from '../scenarios/flat.js'
import type { EnqueueResult } from '../scenarios/enqueue.js'
import type { DagResult } from '../scenarios/dag.js'
import type { PromotionResult } from '../scenarios/promotion.js'
import type { ScaleResult } from '../scenarios/scale.js'
import type { FleetResult } from '../scenarios/fleet.js'
import type { Calibration, ProfileRun } from '../scenarios/profile.js'
import type { ShellResult } from '../scenarios/shell.js'
import type { CliResult } from '../scenarios/cli.js'
import type { SoakResult } from '../scenarios/soak.js'
import type { QueryResult } from '../scenarios/query.js'
import type { BoardsResult } from '../scenarios/boards.js'
import type { HttpResult } from '../scenarios/http.js'
import { markdown } from './tables.js'

export interface Machine {
  cpu: string
  cores: number
  memoryGb: number
  platform: string
  node: string
  redis: string
  bullmq: string
  /** 1-minute load average when the run started and ended (other work on the machine) */
  loadStart: number
  loadEnd?: number
  /** with --redis-nice: the nice value the bench's redis-server ran at */
  redisNice?: number
  /** with --redis-rt: the SCHED_FIFO priority the bench's redis-server ran at */
  redisRt?: number
}

export interface BenchResults {
  startedAt: string
  finishedAt?: string
  mode: 'quick' | 'full'
  command: string
  machine: Machine
  config: BenchConfig
  flat?: FlatResult
  enqueue?: EnqueueResult
  dag?: DagResult
  promotion?: PromotionResult
  scale?: ScaleResult
  fleet?: FleetResult
  profile?: { runs: ProfileRun[]; calibration: Calibration }
  shell?: ShellResult
  cli?: CliResult
  soak?: SoakResult
  query?: QueryResult
  boards?: BoardsResult
  http?: HttpResult
  /** scenarios that threw: name -> message */
  failed: Record<string, string>
}

/** Writes both files; returns their paths and the markdown. */
export function writeReport(dir: string, stamp: string, r: BenchResults): { json: string; md: string; text: string } {
  mkdirSync(dir, { recursive: true })
  const json = join(dir, `${stamp}.json`)
  const md = join(dir, `${stamp}.md`)
  // the profile's slowlog entries are not kept; everything else is
  writeFileSync(json, JSON.stringify(r, null, 2) + '\n')
  const text = markdown(r)
  writeFileSync(md, text)
  return { json, md, text }
}
