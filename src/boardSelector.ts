/**
 * Which boards a multi-board dispatcher or worker serves (docs/fleet.md#many-boards): a list
 * of board names and patterns, where `*` in a pattern stands for any run of board-name
 * characters (`*` is every board, `team-*` the boards whose name starts with `team-`).
 * Patterns are matched against the board registry (boards.ts), read in bounded pages —
 * never a scan of the keyspace; a name is served whether or not the registry has it yet,
 * as a single-board dispatcher serves its board.
 */
import type { Cluster, Redis } from 'ioredis'
import { openRedis } from './connection.js'
import { ValidationError, show } from './errors.js'
import { BOARD_NAME, BOARD_REGISTRY } from './keys.js'

/** a board name, or a pattern of board-name characters and `*` */
const ITEM = /^[a-z0-9_*-]{1,64}$/
/** ITEM as one regex, for the environment's schema (runtime/config.ts) */
export const BOARD_OR_PATTERN = /^(?:[a-z0-9][a-z0-9_-]{0,63}|(?=[a-z0-9_-]*\*)[a-z0-9_*-]{1,64})$/

export interface BoardSelector {
  /** board names served whatever the registry says */
  names: string[]
  /** patterns matched against the registry */
  patterns: string[]
}

/**
 * Checks a selector given as a list or a comma-separated string; INVALID_INPUT naming
 * `field` for anything else (an empty list, a name with other characters, a pattern too long).
 */
export function parseBoardSelector(op: string, field: string, value: unknown): BoardSelector {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined
  const expected = 'board names or patterns like "team-*" ([a-z0-9_-] and *, up to 64 characters), comma-separated'
  if (!items) throw new ValidationError('INVALID_INPUT', `${op}: ${field}: expected ${expected}, got ${show(value)}`, { field })
  const names = new Set<string>()
  const patterns = new Set<string>()
  for (const raw of items) {
    const item = typeof raw === 'string' ? raw.trim() : raw
    if (item === '') continue
    if (typeof item !== 'string' || !ITEM.test(item) || (!item.includes('*') && !BOARD_NAME.test(item)))
      throw new ValidationError('INVALID_INPUT', `${op}: ${field}: expected ${expected}, got ${show(item)}`, { field })
    ;(item.includes('*') ? patterns : names).add(item)
  }
  if (names.size + patterns.size === 0)
    throw new ValidationError('INVALID_INPUT', `${op}: ${field}: expected at least one board or pattern, got ${show(value)}`, { field })
  return { names: [...names], patterns: [...patterns] }
}

/** the pattern as a RegExp over board names: its other characters are not special in one */
const compiled = new Map<string, RegExp>()
function regexOf(pattern: string): RegExp {
  let re = compiled.get(pattern)
  if (!re) compiled.set(pattern, (re = new RegExp(`^${pattern.split('*').join('[a-z0-9_-]*')}$`)))
  return re
}

export const selects = (sel: BoardSelector, board: string): boolean => sel.names.includes(board) || sel.patterns.some((p) => regexOf(p).test(board))

/** registry entries per SSCAN page */
const PAGE = 1000

/**
 * The boards a selector picks now, sorted: its names, and the registry's boards that match
 * one of its patterns (SSCAN with MATCH, in pages of PAGE; Redis's glob `*` is the
 * selector's, board names hold no other glob character). Stops at `max` boards and says so
 * (`truncated`), so one discovery stays bounded whatever the registry holds.
 */
export async function discoverBoards(redis: Redis | Cluster, sel: BoardSelector, max: number): Promise<{ boards: string[]; truncated: boolean }> {
  const found = new Set(sel.names)
  // `*` matches everything: the other patterns would only repeat its pages
  const patterns = sel.patterns.includes('*') ? ['*'] : sel.patterns
  for (const pattern of patterns) {
    let cursor = '0'
    do {
      const [next, page] = await redis.sscan(BOARD_REGISTRY, cursor, 'MATCH', pattern, 'COUNT', PAGE)
      cursor = next
      for (const b of page) if (BOARD_NAME.test(b) && selects(sel, b)) found.add(b)
      if (found.size >= max) return { boards: [...found].sort().slice(0, max), truncated: true }
    } while (cursor !== '0')
  }
  return { boards: [...found].sort(), truncated: false }
}

/** An integer option of a many-boards process (`owner`: the class), `dflt` when absent; else INVALID_INPUT naming the field. */
export function intOption(owner: string, field: string, v: unknown, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new ValidationError('INVALID_INPUT', `${owner}: ${field}: expected an integer from ${min} to ${max}, got ${show(v)}`, { field })
  return v
}

/**
 * The connection of a many-boards process (`owner`: the class): a URL is opened here
 * (credentials, TLS and Sentinel from the URL and the environment, connection.ts) and
 * `owned` by the process, which closes it; an ioredis instance is the caller's.
 */
export async function processConnection(owner: string, r: unknown): Promise<{ redis: Redis | Cluster; owned: boolean }> {
  if (typeof r === 'string') {
    const conn = openRedis(r, { lazyConnect: true, maxRetriesPerRequest: 3 })
    // while Redis is away every reconnection attempt emits an error; the calls that fail
    // meanwhile reach onError, once each
    conn.on('error', () => undefined)
    await conn.connect()
    return { redis: conn, owned: true }
  }
  if (r && typeof r === 'object' && typeof (r as Redis).evalsha === 'function') return { redis: r as Redis | Cluster, owned: false }
  throw new ValidationError('INVALID_INPUT', `${owner}: redis: expected a Redis URL or an ioredis instance, got ${show(r)}`, { field: 'redis' })
}
