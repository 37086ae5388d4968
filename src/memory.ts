/**
 * Redis memory and the board (docs/security.md#memory-and-eviction). A board's keys are its
 * state — a task, an index entry, a lease — so a Redis that may evict keys can lose a task
 * or leave half of one behind without anyone writing it. The processes refuse such a server
 * at start (`checkEvictionPolicy`); at `maxmemory` under `noeviction` Redis refuses a
 * script before it runs, which redisErrors.ts turns into one coded error.
 */
import type { Cluster, Redis } from 'ioredis'
import { KanbanError } from './errors.js'

/** The one policy under which Redis never drops a key on its own. */
export const SAFE_POLICY = 'noeviction'

export interface MemoryPolicy {
  policy: string
  /** where it was read: CONFIG GET, or INFO memory where CONFIG is refused (an ACL, a managed Redis) */
  source: 'config' | 'info'
}

/** The `maxmemory-policy` of one server, or undefined when neither CONFIG nor INFO tells it. */
async function policyOf(node: Redis): Promise<MemoryPolicy | undefined> {
  try {
    const r = (await node.call('CONFIG', 'GET', 'maxmemory-policy')) as string[]
    if (Array.isArray(r) && typeof r[1] === 'string') return { policy: r[1], source: 'config' }
  } catch {
    // NOPERM, or CONFIG renamed away (managed Redis): INFO has it too
  }
  try {
    const m = /^maxmemory_policy:(\S+)/m.exec(await node.info('memory'))
    if (m) return { policy: m[1]!, source: 'info' }
  } catch {
    /* neither: unknown */
  }
  return undefined
}

export interface EvictionCheck {
  /** the policies seen (one per master of a cluster); empty when none could be read */
  policies: MemoryPolicy[]
  /** why the check let a risky or unknown server pass (allowEviction, or nothing readable) */
  warning?: string
}

/**
 * Refuses (EVICTION_POLICY) a Redis whose `maxmemory-policy` is not `noeviction` — every
 * master of a cluster — unless `allowEviction`; then, or when the policy cannot be read at
 * all, it passes with a warning for the caller to log.
 */
export async function checkEvictionPolicy(redis: Redis | Cluster, opts: { allowEviction?: boolean } = {}): Promise<EvictionCheck> {
  const nodes = (redis as Cluster).isCluster ? (redis as Cluster).nodes('master') : [redis as Redis]
  const seen = await Promise.all(nodes.map(policyOf))
  const policies = seen.filter((p): p is MemoryPolicy => p !== undefined)
  const risky = policies.find((p) => p.policy !== SAFE_POLICY)
  if (risky) {
    const what = `Redis maxmemory-policy is ${risky.policy}: at maxmemory Redis may evict board keys (tasks, leases, indexes) and lose work`
    if (opts.allowEviction) return { policies, warning: `${what}; running anyway (KANBAN_ALLOW_EVICTION=1)` }
    throw new KanbanError(
      'EVICTION_POLICY',
      `${what}. Set maxmemory-policy noeviction (CONFIG SET maxmemory-policy noeviction, or your provider's parameter group), or set KANBAN_ALLOW_EVICTION=1 to run anyway`,
      { policy: risky.policy, source: risky.source },
    )
  }
  if (policies.length < nodes.length)
    return { policies, warning: 'could not read maxmemory-policy (CONFIG GET and INFO memory refused); make sure it is noeviction' }
  return { policies }
}
