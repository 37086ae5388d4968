/**
 * The pool of worker processes (bench/procs/worker.ts), started once per bench run and
 * shared by every scenario and both implementations, so a run compares the same process
 * layout: `start(k, spec)` makes the first k processes serve `spec`, `stop()` stops them
 * and returns their reports.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Reply, Request, RequestBody, WorkerReport, WorkerSpec } from '../procs/protocol.js'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')
const entry = join(root, 'bench', 'procs', 'worker.ts')

class Child {
  private seq = 0
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>()
  readonly ready: Promise<void>

  constructor(readonly proc: ChildProcess) {
    this.ready = new Promise((resolve, reject) => {
      proc.once('error', reject)
      proc.once('exit', (code) => reject(new Error(`bench worker exited early (code ${code})`)))
      proc.on('message', (m: Reply | { ready: true }) => {
        if ('ready' in m) return resolve()
        const w = this.waiting.get(m.id)
        this.waiting.delete(m.id)
        w?.resolve(m)
      })
    })
    proc.on('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`bench worker ${proc.pid} exited (code ${code})`))
      this.waiting.clear()
    })
  }

  request(op: RequestBody, timeoutMs = 60_000): Promise<Reply> {
    const id = ++this.seq
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`bench worker ${this.proc.pid}: ${op.op} timed out`)), timeoutMs)
      this.waiting.set(id, {
        resolve: (r) => (clearTimeout(t), resolve(r)),
        reject: (e) => (clearTimeout(t), reject(e)),
      })
      this.proc.send({ ...op, id } as Request)
    })
  }
}

export class Pool {
  private active = 0

  private constructor(private readonly children: Child[]) {}

  get size(): number {
    return this.children.length
  }

  static async spawn(n: number): Promise<Pool> {
    const children = Array.from({ length: n }, () => {
      // BENCH_CPU_PROF=<dir>: each worker process writes a V8 CPU profile there when it exits
      const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : []
      const proc = spawn(process.execPath, [...prof, '--import', 'tsx', entry], {
        cwd: root,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      })
      return new Child(proc)
    })
    await Promise.all(children.map((c) => c.ready))
    return new Pool(children)
  }

  /** Starts the first k processes on `spec` and waits until each one's worker is ready. */
  async start(k: number, spec: WorkerSpec): Promise<void> {
    if (k > this.children.length) throw new Error(`pool has ${this.children.length} processes, ${k} asked`)
    if (this.active) await this.stop()
    const replies = await Promise.all(this.children.slice(0, k).map((c) => c.request({ op: 'start', spec })))
    this.active = k
    for (const r of replies) if (!r.ok) throw new Error(`bench worker failed to start: ${r.error}`)
  }

  async stop(): Promise<WorkerReport[]> {
    const replies = await Promise.all(this.children.slice(0, this.active).map((c) => c.request({ op: 'stop' })))
    this.active = 0
    return replies.map((r) => {
      if (!r.ok) throw new Error(`bench worker failed to stop: ${r.error}`)
      return r.report!
    })
  }

  async close(): Promise<void> {
    await Promise.all(
      this.children.map(async (c) => {
        if (c.proc.exitCode !== null) return
        const gone = new Promise((r) => c.proc.once('exit', r))
        await c.request({ op: 'exit' }, 5000).catch(() => undefined)
        await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))])
        if (c.proc.exitCode === null) c.proc.kill('SIGKILL')
      }),
    )
  }
}
