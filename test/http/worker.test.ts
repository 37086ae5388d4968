/**
 * Worker endpoints with a worker written in Python (workers/http-worker.py, standard
 * library only) run as a real process against a real listener: it long-polls for tasks of
 * its lane, heartbeats, and completes, blocks or fails them, every call fenced by the run
 * id; a run taken away meanwhile is refused (409) and the worker drops it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { listen, type Listening } from '../../src/http/node.js'
import { SECRETS, startApi, type Api } from './helpers.js'

const WORKER = fileURLToPath(new URL('../../workers/http-worker.py', import.meta.url))
const procs: ChildProcess[] = []
const servers: Listening[] = []
afterEach(async () => {
  for (const p of procs.splice(0)) {
    if (p.exitCode === null) {
      p.kill('SIGKILL')
      await new Promise((r) => p.once('exit', r))
    }
  }
  for (const s of servers.splice(0)) await s.close()
})

async function serve(api: Api): Promise<Listening> {
  const l = await listen(api.app, { port: 0, host: '127.0.0.1' })
  servers.push(l)
  return l
}

function pyWorker(l: Listening, board: string, env: Record<string, string> = {}) {
  const child = spawn('python3', [WORKER], {
    env: {
      PATH: process.env.PATH ?? '',
      KANBAN_URL: l.url,
      KANBAN_BOARD: board,
      KANBAN_TOKEN: SECRETS.operator,
      KANBAN_LANES: 'py',
      KANBAN_WORKER_NAME: 'pyw',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let log = ''
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d))
  procs.push(child)
  return { child, log: () => log }
}

async function until<T>(what: string, f: () => Promise<T | undefined | false | null>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await f()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('worker endpoints with a Python worker', () => {
  it('completes, blocks and fails tasks of its lane; runs and events name the token', async () => {
    const api = await startApi()
    const l = await serve(api)
    const w = pyWorker(l, api.board.name)
    const create = async (title: string, http_worker: object, extra: object = {}) =>
      (await api.json('POST', `${api.b}/tasks`, { as: 'operator', body: { title, assignee: 'py', metadata: { http_worker }, ...extra } })).body.id as string
    const ok = await create('ok', { outcome: 'complete', sleepMs: 100 })
    const child = (
      await api.json('POST', `${api.b}/tasks`, {
        as: 'operator',
        body: { title: 'child', assignee: 'py', parents: [ok], metadata: { http_worker: { outcome: 'complete' } } },
      })
    ).body.id as string
    const blocked = await create('needs a person', { outcome: 'block', reason: 'which API key?' })
    const failing = await create('fails', { outcome: 'fail', reason: 'boom' }, { maxRetries: 1 })

    await until('the child done', async () => (await api.board.getTask(child))?.status === 'done')
    await until('the block', async () => (await api.board.getTask(blocked))?.status === 'blocked')
    await until('the breaker', async () => (await api.board.getTask(failing))?.status === 'blocked')

    expect(await api.board.getTask(ok)).toMatchObject({ status: 'done', result: 'done by pyw' })
    expect(await api.board.getTask(blocked)).toMatchObject({ status: 'blocked', sticky: true, blockReason: 'which API key?' })
    expect(await api.board.getTask(failing)).toMatchObject({ status: 'blocked', sticky: false, consecutiveFailures: 1, lastFailureError: 'boom' })
    const runs = await api.board.runs(ok)
    expect(runs).toMatchObject([{ claimer: 'otto/pyw', outcome: 'completed' }])
    const evs = await api.board.events({ taskId: ok })
    expect(evs.filter((e) => e.kind === 'claimed' || e.kind === 'completed').map((e) => e.actor)).toEqual(['otto', 'otto'])
    expect(w.log()).toContain('"msg": "complete"')
  })

  it('a run taken away is refused: the heartbeat gets 409 and the worker drops the task', async () => {
    const api = await startApi()
    await api.board.configure({ claimTtlMs: 1500 })
    const l = await serve(api)
    const w = pyWorker(l, api.board.name, { KANBAN_MAX_TASKS: '1' })
    const id = (
      await api.json('POST', `${api.b}/tasks`, {
        as: 'operator',
        body: { title: 'slow', assignee: 'py', metadata: { http_worker: { outcome: 'complete', sleepMs: 60_000 } } },
      })
    ).body.id as string
    const t = await until('the claim', async () => {
      const x = await api.board.getTask(id)
      return x?.status === 'running' ? x : null
    })
    const runId = t.currentRunId!
    // it heartbeats: the lease moves on while it works
    await until('a heartbeat', async () => ((await api.board.getTask(id))?.leaseExpiresAt ?? 0) > t.leaseExpiresAt!)
    // an operator takes the task back; the worker's next heartbeat is refused
    expect((await api.json('POST', `${api.b}/tasks/${id}/reclaim`, { as: 'operator', body: { reason: 'moving it' } })).status).toBe(200)
    await until('the worker to notice', async () => w.log().includes('"msg": "run lost"'))
    await until('the worker to stop', async () => w.child.exitCode !== null)
    const runs = await api.board.runs(id)
    expect(runs[0]).toMatchObject({ id: runId, outcome: 'reclaimed' })
    expect(await api.board.getTask(id)).toMatchObject({ status: 'ready', currentRunId: null })
    // and a late write with the old run id changes nothing
    const late = await api.json('POST', `${api.b}/worker/tasks/${id}/complete`, { as: 'operator', body: { runId } })
    expect(late.status).toBe(409)
    expect(late.body.error.code).toBe('STALE_RUN')
  })

  it('a long-poll with nothing to do answers 204; the claim is for the given lanes only', async () => {
    const api = await startApi()
    const other = await api.board.createTask({ title: 'not mine', assignee: 'other' })
    await api.board.dispatchOnce()
    const r = await api.call('POST', `${api.b}/worker/claim`, { as: 'operator', body: { lanes: ['py'], waitMs: 300 } })
    expect(r.status).toBe(204)
    expect((await api.board.getTask(other))!.status).toBe('ready')
    const bad = await api.json('POST', `${api.b}/worker/claim`, { as: 'operator', body: { lanes: [] } })
    expect(bad.status).toBe(400)
    expect(bad.body.error.field).toBe('lanes')
    const viewer = await api.json('POST', `${api.b}/worker/claim`, { as: 'viewer', body: { lanes: ['py'] } })
    expect(viewer.status).toBe(403)
    // a task enqueued while a poll waits is handed to it
    const poll = api.json('POST', `${api.b}/worker/claim`, { as: 'operator', body: { lanes: ['other', 'py'], waitMs: 10_000, name: 'n1' } })
    const got = await poll
    expect(got.status).toBe(200)
    expect(got.body).toMatchObject({ claim: { taskId: other }, task: { id: other, status: 'running' } })
    expect(got.body.ttlMs).toBe(60_000)
    const hb = await api.json('POST', `${api.b}/worker/tasks/${other}/heartbeat`, { as: 'operator', body: { runId: got.body.claim.runId, note: 'half way' } })
    expect(hb.body.ok).toBe(true)
    const done = await api.json('POST', `${api.b}/worker/tasks/${other}/complete`, { as: 'operator', body: { runId: got.body.claim.runId, result: 'r' } })
    expect(done.body.task.status).toBe('done')
    expect((await api.board.runs(other))[0]!.claimer).toBe('otto/n1')
  })
})
