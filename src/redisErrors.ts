/**
 * Redis refusing a command, as the library reports it: one coded error instead of a raw
 * reply (docs/security.md). Used where the scripts run (scripts.ts), so every write
 * of the board reports them alike.
 * - OUT_OF_MEMORY: at maxmemory under noeviction, a script, a command or a transaction
 *   (EXECABORT with an OOM among its queued commands). Redis refuses a script that may
 *   write before it runs, and a transaction before any of it runs: nothing was written.
 * - NO_PERMISSION: the ACL user may not run the command or touch the key (NOPERM). The
 *   command itself is refused before it runs; inside a script, the refused command ends
 *   the script, and every key a script touches is its board's, so for a user of the
 *   board with read-only rights the refused command is the script's first write.
 */
import { KanbanError } from './errors.js'

const OOM = /^OOM\b/
/** refused at the door (NOPERM), or inside a script, where Redis words it as an ERR */
const NOPERM = /^NOPERM\b|^ERR The user executing the script can't/

export function fromRedisError(op: string, e: unknown): unknown {
  if (!(e instanceof Error)) return e
  const prior = (e as Error & { previousErrors?: Error[] }).previousErrors ?? []
  const all = [e, ...prior]
  if (all.some((x) => OOM.test(x.message))) {
    return new KanbanError(
      'OUT_OF_MEMORY',
      `${op}: Redis is out of memory (used memory > maxmemory, policy noeviction) and refused the write; nothing was written — retry once memory is freed`,
      {},
      e,
    )
  }
  const denied = all.find((x) => NOPERM.test(x.message))
  if (denied) {
    return new KanbanError('NO_PERMISSION', `${op}: the Redis user may not do this (${denied.message}); see docs/security.md#redis-users-per-role`, {}, e)
  }
  return e
}
