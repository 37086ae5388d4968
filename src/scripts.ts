/**
 * Runs the Lua scripts of src/lua. On Redis 7 every script is a function of one Redis
 * Functions library (FUNCTION LOAD once per server, FCALL per call): the includes of
 * src/lua/includes/ are made once when the library loads instead of at every call (an
 * empty script call spent ~95k instructions making them anew), and a library survives
 * restarts and failovers with the data. The library's name carries a hash of its code, so
 * two versions of kanban-queue can share a server. Where FUNCTION is missing, each script
 * is one EVALSHA script with its `--@include name` lines inlined (each include once), with
 * a fallback to EVAL when the server does not have it yet.
 *
 * Every script takes KEYS[1] = the board's settings key (which routes the call to the
 * board's cluster slot), ARGV[1] = the key prefix and ARGV[2] = its named arguments as
 * JSON. `ScriptArgs` and `ScriptReplies` below are the typed contract of each script; the
 * header of each .lua file says the same in Lua terms.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
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
  /** a wide node of a large createTasks: its parents are linked by link calls (create.ts#wide) */
  linkLater?: boolean
  /** a wide node's write part: how many parents it has (they come in its link calls) */
  links?: number
}

/** A node as a check part of a large createTasks sees it (createTasks.lua's header). */
export type CheckNodeArg = Pick<CreateNodeArg, 'ref' | 'idempotencyKey' | 'parentIds' | 'linkLater'> & {
  /** a wide node: its refs to nodes with an idempotency key, and how many others it has */
  keyedRefs?: string[]
  newRefs?: number
}

/** One part of a createTasks written as several calls in one MULTI / EXEC. */
export interface CreatePart {
  id: string
  check?: boolean
  last?: boolean
  /** a write part: its refs that later calls name */
  keep?: string[]
  /** a link call: a slice of a wide node's parents */
  link?: { ref: string; parentIds?: string[]; parentRefs?: string[] }
}

export interface ScriptArgs {
  createTasks:
    | { nodes: CreateNodeArg[]; enqueue?: boolean; batch?: CreatePart & { check?: false } }
    | { nodes: CheckNodeArg[]; batch: CreatePart & { check: true }; count?: number; lanes?: Record<string, number> }
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
  createTasks: {
    ok: true
    ids: Record<string, string>
    created: string[]
    jobs: ReservedJob[]
    toEnqueue: string[]
    /** a write part after a failed check part: it wrote nothing */
    skipped?: true
    /** a check part: how many nodes it checked */
    checked?: number
  }
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

/** an include line, and every include line of a text */
const INCLUDE_LINE = /^--@include (\w+)\s*$/
const INCLUDE = new RegExp(INCLUDE_LINE.source, 'gm')
const includeText = (inc: string) => readFileSync(join(LUA_DIR, 'includes', `${inc}.lua`), 'utf8')

/**
 * Source of a script as one EVAL script: its includes inlined, then begin(KEYS, ARGV), then
 * its body; exported for the Lua contract tests.
 */
export function scriptSource(name: string): string {
  const seen = new Set<string>()
  const expand = (text: string): string =>
    text.replace(INCLUDE, (_line, inc: string) => {
      if (seen.has(inc)) return `-- (${inc} already included)`
      seen.add(inc)
      return expand(includeText(inc))
    })
  const text = readFileSync(join(LUA_DIR, `${name}.lua`), 'utf8')
  // the call begins after the last include (base.lua#begin)
  const lines = text.split('\n')
  const last = lines.map((l, i) => (INCLUDE_LINE.test(l) ? i : -1)).reduce((a, b) => Math.max(a, b), -1)
  lines.splice(last + 1, 0, 'begin(KEYS, ARGV)')
  return expand(lines.join('\n'))
}

/**
 * The Redis Functions library: every include once, in an order that keeps each script's
 * own include order, then one function per script (`kb_<tag>_<script>`) whose body is the
 * script's, after begin(KEYS, ARGV). `tag` is a hash of the code.
 */
function librarySource(): { code: string; tag: string } {
  const names = readdirSync(LUA_DIR)
    .filter((f) => f.endsWith('.lua'))
    .map((f) => f.slice(0, -4))
    .sort()
  const texts = new Map(names.map((n) => [n, readFileSync(join(LUA_DIR, `${n}.lua`), 'utf8')]))
  const order = mergeOrders(names.map((n) => [...texts.get(n)!.matchAll(INCLUDE)].map((m) => m[1]!)))
  const parts = order.map((inc) => `-- ==== include ${inc}\n${includeText(inc)}`)
  for (const n of names) {
    const body = texts.get(n)!.replace(INCLUDE, '')
    parts.push(`-- ==== ${n}\nredis.register_function('kb_TAG_${n}', function(KEYS, ARGV)\nbegin(KEYS, ARGV)\n${body}\nend)`)
  }
  const inner = parts.join('\n')
  const tag = createHash('sha1').update(inner).digest('hex').slice(0, 12)
  return { code: `#!lua name=kanban_${tag}\n${inner.replaceAll('kb_TAG_', `kb_${tag}_`)}`, tag }
}

/** One order of every include that keeps the relative order each script includes them in. */
function mergeOrders(orders: string[][]): string[] {
  const after = new Map<string, Set<string>>()
  const seen: string[] = []
  for (const o of orders) {
    for (const [i, inc] of o.entries()) {
      if (!after.has(inc)) {
        after.set(inc, new Set())
        seen.push(inc)
      }
      if (i > 0) after.get(inc)!.add(o[i - 1]!)
    }
  }
  const out: string[] = []
  const done = new Set<string>()
  while (out.length < seen.length) {
    const next = seen.find((inc) => !done.has(inc) && [...after.get(inc)!].every((d) => done.has(d)))
    if (!next) throw new Error(`src/lua: the scripts include ${seen.filter((s) => !done.has(s)).join(', ')} in orders that contradict each other`)
    out.push(next)
    done.add(next)
  }
  return out
}

let library: { code: string; tag: string } | undefined
/** The Redis Functions library of every script (built once per process). */
export const scriptLibrary = () => (library ??= librarySource())
/** The function name of a script in the library. */
export const functionName = (name: string) => `kb_${scriptLibrary().tag}_${name}`

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
function decode<N extends ScriptName>(name: N, op: string, raw: unknown): ScriptReplies[N] {
  const reply = JSON.parse(raw as string) as ScriptReplies[N] | ScriptErr
  if (reply && typeof reply === 'object' && 'err' in reply && typeof reply.err === 'string') throw fromScriptError(op, reply)
  return arrays(name, reply as ScriptReplies[N])
}

export class Scripts {
  /** scripts callMany has loaded on this handle (EVALSHA mode: it loads the others before its pipeline) */
  private readonly known = new Set<ScriptName>()
  /** 'fn': FCALL into the library; 'eval': EVALSHA scripts (a server without FUNCTION) */
  private mode: 'fn' | 'eval' = 'fn'
  private loading: Promise<void> | null = null
  private loaded = false

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly keys: BoardKeys,
  ) {}

  /** Runs one script; `{ err }` replies become typed errors (errors.ts#fromScriptError). */
  async call<N extends ScriptName>(name: N, args: ScriptArgs[N], op: string = name): Promise<ScriptReplies[N]> {
    return decode(name, op, await this.run(name, JSON.stringify(args)))
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
    await this.ready([name])
    const p = this.redis.pipeline()
    this.queue(p, name, JSON.stringify(args))
    then(p)
    const res = (await p.exec()) ?? []
    const [err, raw] = res[0] ?? [new Error('empty pipeline reply'), null]
    if (err) {
      if (!this.missing(err)) throw err
      await this.reload(name) // then again: the reads must follow the script
      return this.callThen(name, args, then)
    }
    return [decode(name, name, raw), res.slice(1).map(([e, v]) => (e ? undefined : v))]
  }

  /**
   * Runs several scripts — and then the plain reads `then` adds — in one pipeline: one round
   * trip, executed in the given order. For calls that are each correct on their own (the
   * steps of a tick): a script the server did not have yet runs again on its own after the
   * others, and the first `{ err }` among the replies is thrown once all have run.
   */
  async callMany(calls: AnyCall[], then?: (p: ChainableCommander) => void): Promise<{ replies: unknown[]; reads: unknown[] }> {
    // what this handle has not run yet is loaded first, so that the pipeline runs in the
    // given order (a missing script re-runs alone after the others) unless Redis lost it
    // meanwhile; the tick relies on its lease running before its steps
    await this.ready([...new Set(calls.map(([name]) => name))])
    const p = this.redis.pipeline()
    for (const [name, args] of calls) this.queue(p, name, JSON.stringify(args))
    then?.(p)
    const res = (await p.exec()) ?? []
    const replies: unknown[] = []
    for (const [i, [name, args]] of calls.entries()) {
      const [err, raw] = res[i] ?? [new Error('empty pipeline reply'), null]
      if (err && !this.missing(err)) throw err
      replies.push(err ? await this.call(name, args as never) : decode(name, name, raw))
    }
    return { replies, reads: res.slice(calls.length).map(([e, v]) => (e ? undefined : v)) }
  }

  /**
   * Runs several script calls as one MULTI / EXEC: one atomic step (no other client's
   * command runs between them), each call no longer than itself. Replies in order; the
   * first `{ err }` among them is thrown. Every call must do nothing when an earlier one
   * failed (createTasks' parts check a scratch key for that). Where the library is missing,
   * none of the calls ran (they all name one library): it is loaded and the step runs again.
   * In EVALSHA mode the calls go as EVAL with their source, so no NOSCRIPT can fail one of
   * them alone.
   */
  async callAtomic(calls: AnyCall[], op?: string): Promise<unknown[]> {
    // (EVALSHA mode sends the source: nothing to load first)
    if (this.mode === 'fn' && !this.loaded) await this.loadLibrary()
    const m = this.redis.multi()
    for (const [name, args] of calls) {
      const json = JSON.stringify(args)
      if (this.mode === 'fn') m.fcall(functionName(name), 1, this.keys.settings, this.keys.prefix, json)
      else m.eval(load(name).lua, 1, this.keys.settings, this.keys.prefix, json)
    }
    const res = await m.exec()
    if (!res) throw new Error(`${op ?? calls[0]![0]}: the transaction was aborted`)
    const first = res[0]?.[0]
    if (first && this.missing(first)) {
      await this.reload(calls[0]![0])
      return this.callAtomic(calls, op)
    }
    return calls.map(([name], i) => {
      const [err, raw] = res[i] ?? [new Error('empty transaction reply'), null]
      if (err) throw err
      return decode(name, op ?? name, raw)
    })
  }

  /** The server has the library (or, EVALSHA mode, these scripts): loaded once per handle. */
  private async ready(names: ScriptName[]): Promise<void> {
    if (this.mode === 'fn') {
      if (!this.loaded) await this.loadLibrary()
      if (this.mode === 'fn') return
    }
    const missing = names.filter((n) => !this.known.has(n))
    if (missing.length === 0) return
    // the board's key routes the pipeline to the board's node in a Redis Cluster
    const lp = this.redis.pipeline().exists(this.keys.settings)
    for (const n of missing) lp.script('LOAD', load(n).lua)
    await lp.exec()
    for (const n of missing) this.known.add(n)
  }

  /**
   * FUNCTION LOAD on the server — on every master of a Redis Cluster, since a function is
   * not routed by key. "Already exists" is success: the name carries the code's hash. A
   * server without FUNCTION (Redis < 7, or not permitted to this user) switches this handle
   * to EVALSHA scripts.
   */
  private loadLibrary(): Promise<void> {
    this.loading ??= (async () => {
      const { code } = scriptLibrary()
      const cluster = (this.redis as Cluster).isCluster === true
      const nodes: (Redis | Cluster)[] = cluster ? (this.redis as Cluster).nodes('master') : [this.redis]
      try {
        await Promise.all(
          nodes.map(async (n) => {
            try {
              await n.call('FUNCTION', 'LOAD', code)
            } catch (e) {
              if (!(e instanceof Error && /already exists/i.test(e.message))) throw e
            }
          }),
        )
        this.loaded = true
      } catch (e) {
        // Redis < 7, a command renamed away, or an ACL user without FUNCTION: EVALSHA scripts
        if (e instanceof Error && /unknown command|unknown subcommand|NOPERM/i.test(e.message)) this.mode = 'eval'
        else throw e
      } finally {
        this.loading = null
      }
    })()
    return this.loading
  }

  /** After a "not found": load again (a flushed or new server) before the retry. */
  private async reload(name: ScriptName): Promise<void> {
    if (this.mode === 'fn') {
      this.loaded = false
      await this.loadLibrary()
    } else {
      this.known.delete(name)
      await this.redis.script('LOAD', load(name).lua)
      this.known.add(name)
    }
  }

  /** A reply saying the server lacks the function / script. */
  private missing(e: Error): boolean {
    return e.message.includes('NOSCRIPT') || /function not found/i.test(e.message)
  }

  private queue(p: ChainableCommander, name: ScriptName, json: string): void {
    if (this.mode === 'fn') p.fcall(functionName(name), 1, this.keys.settings, this.keys.prefix, json)
    else p.evalsha(load(name).sha, 1, this.keys.settings, this.keys.prefix, json)
  }

  private async run(name: ScriptName, json: string): Promise<unknown> {
    if (this.mode === 'fn' && !this.loaded) await this.loadLibrary()
    if (this.mode === 'fn') {
      try {
        return await this.redis.fcall(functionName(name), 1, this.keys.settings, this.keys.prefix, json)
      } catch (e) {
        if (!(e instanceof Error && this.missing(e))) throw e
        await this.reload(name)
        return await this.redis.fcall(functionName(name), 1, this.keys.settings, this.keys.prefix, json)
      }
    }
    const { lua, sha } = load(name)
    try {
      return await this.redis.evalsha(sha, 1, this.keys.settings, this.keys.prefix, json)
    } catch (e) {
      if (e instanceof Error && e.message.includes('NOSCRIPT')) {
        return await this.redis.eval(lua, 1, this.keys.settings, this.keys.prefix, json)
      }
      throw e
    }
  }
}
