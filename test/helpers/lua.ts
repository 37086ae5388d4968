/**
 * Lua contract-test fixture: a fresh board driven straight through `Scripts.call` (no Board
 * class in between), plus raw reads of the keys a script must have written. Every board
 * and connection opened here is removed/closed after each test.
 */
import { afterEach, expect } from 'vitest'
import { Redis } from 'ioredis'
import { Scripts } from '../../src/scripts.js'
import { scriptSource } from '../../src/scriptLoader.js'
import type { CreateNodeArg, ScriptArgs, ScriptName, ScriptReplies } from '../../src/scriptContract.js'
import { boardKeys, type BoardKeys } from '../../src/keys.js'
import { decodeEvent, parseStreamEntries } from '../../src/reads.js'
import type { KanbanEvent } from '../../src/types.js'
import { STATUSES, type Status } from '../../src/status.js'
import { deleteBoardKeys, redisUrl, uniqueBoardName } from './redis.js'

/** An event as the API returns it. */
export type Ev = KanbanEvent

const opened: LuaBoard[] = []

afterEach(async () => {
  for (const b of opened.splice(0)) {
    await b.redis.quit().catch(() => b.redis.disconnect())
    await deleteBoardKeys(redisUrl(), b.name)
  }
})

export async function luaBoard(prefix = 'lua'): Promise<LuaBoard> {
  const b = new LuaBoard(uniqueBoardName(prefix))
  opened.push(b)
  await b.redis.ping()
  return b
}

export class LuaBoard {
  readonly keys: BoardKeys
  readonly redis: Redis
  readonly scripts: Scripts

  constructor(readonly name: string) {
    this.keys = boardKeys(name)
    this.redis = new Redis(redisUrl(), { maxRetriesPerRequest: 2 })
    this.scripts = new Scripts(this.redis, this.keys)
  }

  call<N extends ScriptName>(name: N, args: ScriptArgs[N]): Promise<ScriptReplies[N]> {
    return this.scripts.call(name, args)
  }

  /** The script's reply exactly as Lua encoded it (no `{ err }` -> error mapping). */
  async raw<N extends ScriptName>(name: N, args: ScriptArgs[N]): Promise<Record<string, unknown>> {
    const out = await this.redis.eval(scriptSource(name), 1, this.keys.settings, this.keys.prefix, JSON.stringify(args))
    return JSON.parse(out as string) as Record<string, unknown>
  }

  /** Creates one task through createTasks and returns its id. */
  async create(node: Partial<CreateNodeArg> = {}): Promise<string> {
    const r = await this.call('createTasks', {
      nodes: [{ ref: 'n', title: 'task', priority: 0, parentIds: [], parentRefs: [], ...node }],
    })
    return r.ids.n!
  }

  /** Claims a ready/review task and returns the run id (fails the test if refused). */
  async claim(id: string, claimer = 'w1', ttlMs?: number): Promise<string> {
    const r = await this.call('claimTask', { id, claimer, ttlMs })
    if (!r.ok) throw new Error(`claim of ${id} refused: ${JSON.stringify(r)}`)
    return r.runId
  }

  /** Claims and fails the task with `crashed` until the breaker trips (status blocked, not sticky). */
  async breakerBlock(id: string): Promise<void> {
    for (let i = 0; i < 50; i++) {
      const runId = await this.claim(id)
      const r = await this.call('recordFailure', { id, runId, outcome: 'crashed', error: `boom ${i}` })
      if (r.tripped) return
    }
    throw new Error(`breaker never tripped for ${id}`)
  }

  /**
   * The task hash, with the counters and flags a hash leaves out at 0 shown as '0'
   * (consecutiveFailures, blockRecurrences, sticky, pending: absent = 0, as every reader
   * takes them). `hash` is the hash exactly as stored.
   */
  async task(id: string): Promise<Record<string, string>> {
    const h = await this.hash(id)
    if (Object.keys(h).length === 0) return h
    return { consecutiveFailures: '0', blockRecurrences: '0', sticky: '0', pending: '0', ...h }
  }

  async hash(id: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.keys.task(id))
  }

  /** Every status index that holds the task (a consistent board has exactly one). */
  async indexes(id: string): Promise<Status[]> {
    const out: Status[] = []
    for (const s of STATUSES) if ((await this.redis.zscore(this.keys.status(s), id)) !== null) out.push(s)
    return out
  }

  async nsblocked(): Promise<string[]> {
    return (await this.redis.smembers(this.keys.nsblocked)).sort()
  }

  async zscore(key: string, id: string): Promise<number | null> {
    const s = await this.redis.zscore(key, id)
    return s === null ? null : Number(s)
  }

  async run(runId: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.keys.run(runId))
  }

  async events(id: string): Promise<Ev[]> {
    return (await this.redis.lrange(this.keys.taskEvents(id), 0, -1)).map((e) => decodeEvent(e, id) as Ev)
  }

  async kinds(id: string): Promise<string[]> {
    return (await this.events(id)).map((e) => e.kind)
  }

  /** The board stream's entry `<eventId>-0`, or null. */
  async streamEvent(eventId: number): Promise<Ev | null> {
    const entries = await this.redis.xrange(this.keys.events, `${eventId}-0`, `${eventId}-0`)
    if (entries.length === 0) return null
    return parseStreamEntries(entries as [string, string[]][])[0] as Ev
  }

  /**
   * The task's last event; also asserts the board stream holds the same record under the
   * id `<eventId>-0`, since every event is written to both in the same script.
   */
  async lastEvent(id: string): Promise<Ev> {
    const raw = await this.redis.lindex(this.keys.taskEvents(id), -1)
    if (raw === null) throw new Error(`no events for ${id}`)
    const ev = decodeEvent(raw, id) as Ev
    expect(JSON.parse(raw)).not.toHaveProperty('taskId') // implied by the list key
    expect(await this.streamEvent(ev.id)).toEqual(ev)
    return ev
  }

  async lastStreamEvent(): Promise<Ev> {
    const entries = await this.redis.xrevrange(this.keys.events, '+', '-', 'COUNT', 1)
    const [entryId] = entries[0]!
    const ev = parseStreamEntries(entries as [string, string[]][])[0] as Ev
    expect(entryId).toBe(`${ev.id}-0`)
    return ev
  }

  /** The Redis server's clock, epoch ms (the scripts' NOW). */
  async now(): Promise<number> {
    const [s, us] = await this.redis.time()
    return Number(s) * 1000 + Math.floor(Number(us) / 1000)
  }

  /** Every key of the board and its content: equal dumps before/after = nothing written. */
  async dump(): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {}
    let cursor = '0'
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `\\{kb:${this.name}\\}*`, 'COUNT', 1000)
      cursor = next
      for (const k of keys) {
        const type = await this.redis.type(k)
        if (type === 'hash') out[k] = await this.redis.hgetall(k)
        else if (type === 'set') out[k] = (await this.redis.smembers(k)).sort()
        else if (type === 'zset') out[k] = await this.redis.zrange(k, 0, -1, 'WITHSCORES')
        else if (type === 'list') out[k] = await this.redis.lrange(k, 0, -1)
        else if (type === 'stream') out[k] = await this.redis.xrange(k, '-', '+')
        else out[k] = await this.redis.get(k)
      }
    } while (cursor !== '0')
    return out
  }

  /**
   * Moves a task to `status` by raw writes (hash field + status index), bypassing every
   * script: only for tests about a specific stored state that no script produces.
   */
  async forceStatus(id: string, status: Status): Promise<void> {
    const t = await this.task(id)
    await this.redis.zrem(this.keys.status(t.status as Status), id)
    await this.redis.zadd(this.keys.status(status), t.ord!, id)
    await this.redis.hset(this.keys.task(id), 'status', status)
  }
}

/** Asserts a call is within [before, after] of the server clock. */
export function expectNear(value: number | string | undefined, before: number, after: number): void {
  const n = Number(value)
  expect(n).toBeGreaterThanOrEqual(before)
  expect(n).toBeLessThanOrEqual(after)
}

/**
 * Sorted sets scored by a time (retention's `since:*`, a lane's ready-since `rs:<lane>`) list their members in the order the
 * clock gave them; a comparison of two boards made at different moments masks the times,
 * so it compares these members as a set: pairs sorted by member.
 */
export function byMemberWhereTimeScored(dump: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(dump)) {
    if (!/:(since:(done|archived)|rs:[^:]*)$/.test(k) || !Array.isArray(v)) continue
    const pairs: [unknown, unknown][] = []
    for (let i = 0; i < v.length; i += 2) pairs.push([v[i], v[i + 1]])
    pairs.sort((a, b) => String(a[0]).localeCompare(String(b[0])))
    dump[k] = pairs.flat()
  }
  return dump
}
