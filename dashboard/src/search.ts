/** The search box's text, read on the page only to pick the board's columns; the server does the searching. */
import { STATUSES, type Status } from './types.js'

const BOARD_COLUMNS = STATUSES.filter((s) => s !== 'archived')

/** The columns a query asks for: its status: qualifiers, else every status but archived. */
export function columnsFor(q: string): Status[] {
  const asked = new Set<Status>()
  for (const term of q.split(/\s+/)) {
    const m = /^status:(.+)$/i.exec(term)
    if (m) for (const s of m[1]!.toLowerCase().split(',')) if ((STATUSES as readonly string[]).includes(s)) asked.add(s as Status)
  }
  return asked.size > 0 ? STATUSES.filter((s) => asked.has(s)) : [...BOARD_COLUMNS]
}
