/**
 * The bench's boards scenario at toy size, as a real process (`bench/run.ts --quick --only
 * boards`): it ticked the idle boards it says, with one dispatcher and with two sharing them,
 * and the spread run finished every task on one node and on a 3-master cluster. Figures are
 * never asserted; the command count of an idle tick not growing with the number of boards
 * is a property of the tick, not a speed.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import type { BenchResults } from '../../bench/lib/report.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const out = mkdtempSync(join(tmpdir(), 'kanban-bench-boards-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

describe('npm run bench -- --only boards (smoke)', () => {
  it('measures idle ticks per board and the spread run on both topologies', { timeout: 240_000 }, () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', '--quick', '--only', 'boards', '--boards-idle', '5,20', '--boards-spread', '4x25', '--out', out],
      { cwd: ROOT, encoding: 'utf8', timeout: 230_000 },
    )
    expect(run.status, run.stderr.slice(-3000)).toBe(0)
    const json = readdirSync(out).find((f) => f.endsWith('.json'))!
    const r = JSON.parse(readFileSync(join(out, json), 'utf8')) as BenchResults
    const { idle, spread } = r.boards!
    expect(idle.map((x) => x.boards)).toEqual([5, 20])
    for (const x of idle) {
      // 5 measured rounds, each ticking every board (one dispatcher owns them all); the
      // measure starts within a round
      expect(x.ticks, `${x.boards} boards`).toBeGreaterThanOrEqual(4 * x.boards)
      expect(x.scriptCallsPerTick).toBeGreaterThan(0)
      // two dispatchers shared the boards: each ran some of the ticks
      expect(x.pairTickShare).toBeGreaterThan(0)
      expect(x.pairTickShare).toBeLessThan(1)
    }
    // an idle tick's commands do not grow with the number of boards
    expect(Math.abs(idle[1]!.commandsPerTick - idle[0]!.commandsPerTick)).toBeLessThan(2)
    expect(spread.map((x) => [x.topology, x.tasks, x.nodeBusy.length]).sort()).toEqual([
      ['cluster of 3 masters', 100, 3],
      ['one node', 100, 1],
    ])
    const md = readFileSync(join(out, json.replace(/\.json$/, '.md')), 'utf8')
    expect(md).toContain('## Boards — many boards, few processes')
  })
})
