/**
 * A bench worker process. The parent starts a pool of these once and, per run, tells
 * some of them to serve a board (ours) or a queue (BullMQ) over IPC, then to stop and
 * report what they processed and the CPU they used. Exits with the parent.
 */
import { startBull } from './bull.js'
import { startOurs } from './ours.js'

import type { Reply, Request, Running } from './protocol.js'
import { childrenCpuMs } from '../lib/childCpu.js'

let running: Running | null = null
let cpu0 = process.cpuUsage()
let children0 = 0

const send = (m: Reply | { ready: true }) => process.send?.(m)

async function handle(m: Request): Promise<Reply> {
  if (m.op === 'start') {
    if (running) await running.stop()
    running = m.spec.impl === 'ours' ? await startOurs(m.spec) : await startBull(m.spec)
    cpu0 = process.cpuUsage()
    children0 = childrenCpuMs()
    return { id: m.id, ok: true }
  }
  if (m.op === 'stop') {
    const cpu = process.cpuUsage(cpu0)
    const r = running ? await running.stop() : { processed: 0, errors: [] }
    running = null
    const childCpuMs = childrenCpuMs() - children0
    return { id: m.id, ok: true, report: { ...r, cpuUserMs: cpu.user / 1000, cpuSysMs: cpu.system / 1000, childCpuMs } }
  }
  setImmediate(() => process.exit(0))
  return { id: m.id, ok: true }
}

process.on('message', (m: Request) => {
  handle(m).then(send, (e: unknown) => send({ id: m.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }))
})
process.on('disconnect', () => process.exit(0))
send({ ready: true })
