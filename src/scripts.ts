/**
 * Loads the Lua scripts of src/lua, inlines their `--@include name` lines (each include
 * once, from src/lua/includes/), and calls them by SHA with a fallback to EVAL when the
 * server does not have them yet (a restart, a failover, a new cluster node).
 *
 * Every script takes KEYS[1] = the board's settings key (which routes the call to the
 * board's cluster slot), ARGV[1] = the key prefix and ARGV[2] = its named arguments as
 * JSON. `ScriptArgs` and `ScriptReplies` below are the typed contract of each script; the
 * header of each .lua file says the same in Lua terms.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ChainableCommander, Cluster, Redis } from 'ioredis'
import type { BoardKeys } from './keys.js'
import { fromScriptError, type ScriptErr } from './errors.js'

const LUA_DIR = join(dirname(fileURLToPath(import.meta.url)), 'lua')

interface Refusal {
  ok: false
  status: string
  reason?: string
}
type IdArg = { id: string }
/** A task reserved for BullMQ and the lane job it goes in (tasks sharing a jobId share a job). */
export type ReservedJob = { id: string; lane: string; jobId: string }

export interface CreateNodeArg {
  ref: string
  title: string
  body?: string
  assignee?: string
  priority?: number
  tenant?: string
  createdBy?: string
  maxRetries?: number
  maxRuntimeMs?: number
  idempotencyKey?: string
  triage?: boolean
  blocked?: boolean
  runAt?: number
  metadata?: string
  parentIds?: string[]
  parentRefs?: string[]
}

export interface ScriptArgs {
  createTasks: { nodes: CreateNodeArg[]; enqueue?: boolean }
  claimTask: IdArg & { claimer: string; ttlMs?: number; queueToken?: string }
  claimBatch: { ids: string[]; tokens: string[]; claimer: string; ttlMs?: number }
  heartbeat: IdArg & { runId: string; note?: string; leaseOnly?: boolean }
  completeTask: IdArg & { runId?: string; result?: string; summary?: string; metadata?: string; enqueue?: boolean; handoff?: Handoff }
  completeBatch: { items: (IdArg & { runId?: string; result?: string; summary?: string; metadata?: string; handoff?: Handoff })[]; enqueue?: boolean }
  blockTask: IdArg & { reason: string; kind?: string; runId?: string }
  unblockTask: IdArg & { actor?: string }
  scheduleTask: IdArg & { reason?: string; runId?: string; runAt?: number }
  specifyTask: IdArg & { title?: string; body?: string; assignee?: string; author?: string }
  promoteTask: IdArg & { actor: string; reason?: string; force?: boolean }
  reclaimTask: IdArg & { reason?: string }
  assignTask: IdArg & { assignee: string | null }
  updateTask: IdArg & { patch: Record<string, string | number | null> }
  requestReview: IdArg & { runId?: string; reviewer?: string; summary?: string }
  requestChanges: IdArg & { runId?: string; reason: string }
  archiveTask: IdArg
  deleteTask: IdArg
  addComment: IdArg & { author: string; body: string }
  recordFailure: IdArg & { runId?: string; outcome: string; error?: string; cooldownMs?: number }
  recomputeReady: { count: number; fence?: string; fenceHolder?: string }
  linkTasks: { parent: string; child: string; maxVisit: number }
  unlinkTasks: { parent: string; child: string }
  configure: { set: Record<string, string | number>; clear: string[] }
  acquireLeader: { holder: string; ttlMs: number } | { release: true; fence: string } | { release: true; holder: string }
  expireRuns: { mode: 'lease' | 'stale' | 'timeout'; count: number; fence?: string; fenceHolder?: string }
  releaseDue: { count: number; fence?: string; fenceHolder?: string }
  reserveDispatch: { count: number; scan: number; ids?: string[]; fence?: string; releaseIfDone?: boolean; lostBefore?: number }
  requeueLost: { lost: string[]; alive: string[]; fence?: string; token?: string }
  releaseTask: IdArg & { runId: string; reason: string }
  announceLanes: { lanes: string[]; concurrency: number }
}

/** A worker completing its own task: it can take over one child the completion promotes. */
export type Handoff = { claimer: string; lanes: string[] }
/** A claim that carries the claimed task as it now is (claimBatch, a completion's hand-off). */
export type ClaimWithTask = { ok: true; runId: string; leaseExpiresAt: number; ttlMs: number; task: Record<string, string>; parents: string[] | Record<string, never> }

export interface ScriptReplies {
  createTasks: { ok: true; ids: Record<string, string>; created: string[]; jobs: ReservedJob[]; toEnqueue: string[] }
  claimTask: { ok: true; runId: string; leaseExpiresAt: number; ttlMs: number } | Refusal
  claimBatch: { results: (ClaimWithTask | Refusal | ScriptErr)[] }
  heartbeat: { ok: true; leaseExpiresAt: number } | Refusal
  completeTask: { ok: true; promoted: string[]; jobs: ReservedJob[]; rest: string[]; handoff?: ClaimWithTask & IdArg } | Refusal
  completeBatch: { results: ({ ok: true; promoted: string[]; handoff?: ClaimWithTask & IdArg } | Refusal | ScriptErr)[]; jobs: ReservedJob[]; rest: string[] }
  blockTask: { ok: true; status: string } | Refusal
  unblockTask: { ok: true; status: string } | Refusal
  scheduleTask: { ok: true } | Refusal
  specifyTask: { ok: true; status: string } | Refusal
  promoteTask: { ok: true } | Refusal
  reclaimTask: { ok: true; status: string; runId: string | null } | Refusal
  assignTask: { ok: true; changed: boolean } | Refusal
  updateTask: { ok: true; changed: string[] }
  requestReview: { ok: true } | Refusal
  requestChanges: { ok: true; status: string } | Refusal
  archiveTask: { ok: true; promoted: string[] } | Refusal
  deleteTask: { ok: true; promoted: string[] }
  addComment: { ok: true; eventId: number }
  recordFailure: {
    ok: true
    tripped: boolean
    failures: number
    limit: number
    limitSource: 'task' | 'board' | 'default'
    status: string
  }
  recomputeReady: { done: boolean; promoted: string[] }
  linkTasks: { ok: true; linked: boolean; demoted: boolean }
  unlinkTasks: { ok: true; unlinked: boolean; promoted: string[] }
  configure: { ok: true }
  acquireLeader: { ok: true; fence: string; expiresAt: number } | { ok: false; holder: string; expiresAt: number }
  expireRuns: { ids: string[]; tripped: string[] }
  releaseDue: { released: string[]; cooled: string[] }
  reserveDispatch: {
    jobs: ReservedJob[]
    skippedCapped: number
    skippedUnassigned: number
    skippedCooldown: number
    /** with releaseIfDone: the leader lease was released by this call */
    released?: boolean
  }
  requeueLost: { requeued: string[] }
  releaseTask: { ok: true; status: string } | Refusal
  announceLanes: { ok: true; window: number }
}

export type ScriptName = keyof ScriptArgs
/** One script call of a pipeline: its name and its arguments. */
export type AnyCall = { [N in ScriptName]: [N, ScriptArgs[N]] }[ScriptName]

interface LoadedScript {
  lua: string
  sha: string
}

/** Source of a script with its includes inlined; exported for the Lua contract tests. */
export function scriptSource(name: string): string {
  const seen = new Set<string>()
  const expand = (text: string): string =>
    text.replace(/^--@include (\w+)\s*$/gm, (_line, inc: string) => {
      if (seen.has(inc)) return `-- (${inc} already included)`
      seen.add(inc)
      return expand(readFileSync(join(LUA_DIR, 'includes', `${inc}.lua`), 'utf8'))
    })
  return expand(readFileSync(join(LUA_DIR, `${name}.lua`), 'utf8'))
}

const cache = new Map<string, LoadedScript>()
function load(name: string): LoadedScript {
  let s = cache.get(name)
  if (!s) {
    const lua = scriptSource(name)
    s = { lua, sha: createHash('sha1').update(lua).digest('hex') }
    cache.set(name, s)
  }
  return s
}

/** Empty Lua tables come back from cjson as `{}`; the scripts' lists are arrays. */
const MAP_FIELDS = new Set(['createTasks.ids'])
function arrays<T>(name: string, reply: T): T {
  if (reply && typeof reply === 'object') {
    for (const [k, v] of Object.entries(reply as Record<string, unknown>)) {
      if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0 && !MAP_FIELDS.has(`${name}.${k}`)) {
        ;(reply as Record<string, unknown>)[k] = []
      }
    }
  }
  return reply
}

/** A script's JSON reply: `{ err }` becomes a typed error (errors.ts#fromScriptError). */
function decode<N extends ScriptName>(name: N, op: string, raw: string): ScriptReplies[N] {
  const reply = JSON.parse(raw) as ScriptReplies[N] | ScriptErr
  if (reply && typeof reply === 'object' && 'err' in reply && typeof reply.err === 'string') throw fromScriptError(op, reply)
  return arrays(name, reply as ScriptReplies[N])
}

export class Scripts {
  /** scripts callMany has loaded on this handle (it loads the others before its pipeline) */
  private readonly known = new Set<ScriptName>()

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly keys: BoardKeys,
  ) {}

  /** Runs one script; `{ err }` replies become typed errors (errors.ts#fromScriptError). */
  async call<N extends ScriptName>(name: N, args: ScriptArgs[N], op: string = name): Promise<ScriptReplies[N]> {
    return decode(name, op, await this.eval(name, JSON.stringify(args)))
  }

  /**
   * Runs one script and, in the same pipeline (one round trip, no MULTI), the plain reads
   * `then` adds; they run right after the script on the same connection. Plain reads cost
   * Redis less than returning the same data from inside the script.
   */
  async callThen<N extends ScriptName>(
    name: N,
    args: ScriptArgs[N],
    then: (p: ChainableCommander) => void,
  ): Promise<[ScriptReplies[N], unknown[]]> {
    const { lua, sha } = load(name)
    const p = this.redis.pipeline()
    p.evalsha(sha, 1, this.keys.settings, this.keys.prefix, JSON.stringify(args))
    then(p)
    const res = (await p.exec()) ?? []
    const [err, raw] = res[0] ?? [new Error('empty pipeline reply'), null]
    if (err) {
      if (!err.message.includes('NOSCRIPT')) throw err
      await this.redis.script('LOAD', lua) // then again: the reads must follow the script
      return this.callThen(name, args, then)
    }
    return [decode(name, name, raw as string), res.slice(1).map(([e, v]) => (e ? undefined : v))]
  }

  /**
   * Runs several scripts — and then the plain reads `then` adds — in one pipeline: one round
   * trip, executed in the given order. For calls that are each correct on their own (the
   * steps of a tick): a script the server did not have yet runs again on its own after the
   * others, and the first `{ err }` among the replies is thrown once all have run.
   */
  async callMany(calls: AnyCall[], then?: (p: ChainableCommander) => void): Promise<{ replies: unknown[]; reads: unknown[] }> {
    // scripts this handle has not run yet are loaded first, so that the pipeline runs in the
    // given order (a NOSCRIPT call re-runs alone after the others) unless Redis lost its
    // script cache meanwhile; the tick relies on its lease running before its steps
    const missing = [...new Set(calls.map(([name]) => name))].filter((n) => !this.known.has(n))
    if (missing.length > 0) {
      // the board's key routes the pipeline to the board's node in a Redis Cluster
      const lp = this.redis.pipeline().exists(this.keys.settings)
      for (const n of missing) lp.script('LOAD', load(n).lua)
      await lp.exec()
      for (const n of missing) this.known.add(n)
    }
    const p = this.redis.pipeline()
    for (const [name, args] of calls) p.evalsha(load(name).sha, 1, this.keys.settings, this.keys.prefix, JSON.stringify(args))
    then?.(p)
    const res = (await p.exec()) ?? []
    const replies: unknown[] = []
    for (const [i, [name, args]] of calls.entries()) {
      const [err, raw] = res[i] ?? [new Error('empty pipeline reply'), null]
      if (err && !err.message.includes('NOSCRIPT')) throw err
      replies.push(err ? await this.call(name, args as never) : decode(name, name, raw as string))
    }
    return { replies, reads: res.slice(calls.length).map(([e, v]) => (e ? undefined : v)) }
  }

  private async eval(name: ScriptName, json: string): Promise<string> {
    const { lua, sha } = load(name)
    try {
      return (await this.redis.evalsha(sha, 1, this.keys.settings, this.keys.prefix, json)) as string
    } catch (e) {
      if (e instanceof Error && e.message.includes('NOSCRIPT')) {
        return (await this.redis.eval(lua, 1, this.keys.settings, this.keys.prefix, json)) as string
      }
      throw e
    }
  }
}
