/**
 * Runs the Lua scripts of src/lua: the typed `Scripts.call` and friends. On Redis 7 every
 * script is a function of one Redis Functions library (FCALL per call); where FUNCTION is
 * missing, each script is one EVALSHA script, with a fallback to EVAL when the server does
 * not have it yet (scriptLoader.ts makes both).
 *
 * Every script takes KEYS[1] = the board's settings key (which routes the call to the
 * board's cluster slot), ARGV[1] = the key prefix and ARGV[2] = its named arguments as
 * JSON; scriptContract.ts is the typed contract of each script.
 */
import type { ChainableCommander, Cluster, Redis } from 'ioredis'
import type { BoardKeys } from './keys.js'
import { fromScriptError, type ScriptErr } from './errors.js'
import type { AnyCall, ScriptArgs, ScriptName, ScriptReplies } from './scriptContract.js'
import { functionName, loadScript as load, scriptLibrary } from './scriptLoader.js'
import { TERMINAL_SCRIPTS, checkReplicated, type Durability } from './durability.js'

/** Empty Lua tables come back from cjson as `{}`; the scripts' lists are arrays. */
const MAP_FIELDS = new Set(['createTasks.ids', 'createWrite.ids', 'createLink.ids', 'listPage.parents'])
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
  private firstCall: Promise<unknown> | null = null

  /**
   * `onFirstCall`: run once, beside the handle's first script call (a Board registers its
   * board there, src/boards.ts); its failure is ignored, as the call does not depend on it.
   */
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly keys: BoardKeys,
    private readonly onFirstCall?: () => Promise<unknown>,
    /** who this handle acts for: sent as every call's `actor` argument, recorded on its events (includes/events.lua) */
    private readonly actor?: string,
    /** terminal transitions wait for replicas (durability.ts) */
    private readonly durability?: Durability,
  ) {}

  /** The first-call hook's promise (started by the first call, settled soon after). */
  private first(): Promise<unknown> {
    this.firstCall ??= this.onFirstCall ? this.onFirstCall().catch(() => undefined) : Promise.resolve()
    return this.firstCall
  }

  /** A call's ARGV[2]: its named arguments, with the handle's actor unless the call names one itself. */
  private json(args: unknown): string {
    if (this.actor === undefined || (args as { actor?: unknown }).actor !== undefined) return JSON.stringify(args)
    return JSON.stringify({ ...(args as object), actor: this.actor })
  }

  /** Runs one script; `{ err }` replies become typed errors (errors.ts#fromScriptError). */
  async call<N extends ScriptName>(name: N, args: ScriptArgs[N], op: string = name): Promise<ScriptReplies[N]> {
    if (this.durability && TERMINAL_SCRIPTS.has(name)) {
      const d = this.durability
      const [reply, [acked]] = await this.callThen(name, args, (p) => p.call('WAIT', d.replicas, d.timeoutMs))
      checkReplicated(op, reply, acked, d)
      return reply
    }
    const [raw] = await Promise.all([this.run(name, this.json(args)), this.first()])
    return decode(name, op, raw)
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
    retry = true,
  ): Promise<[ScriptReplies[N], unknown[]]> {
    // FCALL goes first and loads on a miss (run); EVALSHA scripts load first
    await Promise.all([this.mode === 'eval' ? this.ready([name]) : undefined, this.first()])
    const p = this.redis.pipeline()
    this.queue(p, name, this.json(args))
    then(p)
    const res = (await p.exec()) ?? []
    const [err, raw] = res[0] ?? [new Error('empty pipeline reply'), null]
    if (err) {
      if (!(retry && (this.missing(err) || this.noFunctions(err)))) throw err
      await this.reload(name) // then again: the reads must follow the script
      return this.callThen(name, args, then, false)
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
    await Promise.all([this.ready([...new Set(calls.map(([name]) => name))]), this.first()])
    const p = this.redis.pipeline()
    for (const [name, args] of calls) this.queue(p, name, this.json(args))
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
    await Promise.all([this.mode === 'fn' && !this.loaded ? this.loadLibrary() : undefined, this.first()])
    const m = this.redis.multi()
    for (const [name, args] of calls) {
      const json = this.json(args)
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
      await this.loadLibrary() // may switch this handle to EVALSHA scripts
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

  /** A reply saying FCALL itself is unavailable (Redis < 7, renamed away, an ACL without it). */
  private noFunctions(e: Error): boolean {
    return this.mode === 'fn' && /unknown command|NOPERM/i.test(e.message)
  }

  private queue(p: ChainableCommander, name: ScriptName, json: string): void {
    if (this.mode === 'fn') p.fcall(functionName(name), 1, this.keys.settings, this.keys.prefix, json)
    else p.evalsha(load(name).sha, 1, this.keys.settings, this.keys.prefix, json)
  }

  private async run(name: ScriptName, json: string, retry = true): Promise<unknown> {
    if (this.mode === 'fn') {
      // No FUNCTION LOAD before the first call: the library is on the server already unless
      // it is new, flushed or runs another version, and a process that makes one call (a
      // CLI command) would pay ~150 kB of upload for nothing. A miss loads it and calls again.
      try {
        return await this.redis.fcall(functionName(name), 1, this.keys.settings, this.keys.prefix, json)
      } catch (e) {
        if (!(retry && e instanceof Error && (this.missing(e) || this.noFunctions(e)))) throw e
        await this.reload(name)
        return await this.run(name, json, false)
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
