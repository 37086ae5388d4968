/**
 * /api/boards/{board}/worker/…: the worker endpoints (docs/http-api.md#worker-endpoints). A
 * long-poll claims a task of the given lanes (claims.ts); every later call names the run
 * id, so a worker whose run was taken away (reclaimed, timed out, its lease expired)
 * changes nothing and hears 409 STALE_RUN.
 */
import { StateError } from '../../errors.js'
import type { Claims } from '../claims.js'
import type { Registry } from '../define.js'
import { route } from '../define.js'
import { action, B, mustGet, R, refusal } from './common.js'

const W = `${B}/worker/tasks/{id}`

export function workerRoutes(reg: Registry, claims: Claims): void {
  route(
    reg,
    {
      method: 'post',
      path: `${B}/worker/claim`,
      role: 'operator',
      tag: 'worker',
      op: 'claim',
      summary: 'long-poll for a task of the given lanes and claim it',
      description:
        'Waits up to waitMs (default 20,000) for a task of one of the lanes, claims it (claimer: the token name, or token/name) and answers the claim, the lease length and the task; 204 when none came. Heartbeat at least every ttlMs / 3: the server does not renew the lease.',
      body: 'WorkerClaimBody',
      responses: { 200: { description: 'claimed', schema: 'WorkerClaim' }, 204: { description: 'nothing to do within waitMs' } },
    },
    async (call) => {
      const signal = call.c.req.raw.signal
      const handle = await call.handle()
      const claimer = call.body.name ? `${call.principal.name}/${call.body.name}` : call.principal.name
      const got = await claims.claim({ reader: call.reader, handle, lanes: call.body.lanes, claimer, waitMs: call.body.waitMs ?? 20_000, signal })
      if (!got) return call.c.body(null, 204)
      if (signal.aborted) {
        // the client went away while its task was claimed: give it back at once, neutrally
        await handle.releaseTask(got.task.id, { runId: got.claim.runId, reason: 'the HTTP worker disconnected before it got the claim' }).catch(() => undefined)
        return call.c.body(null, 204)
      }
      return call.c.json({ claim: got.claim, ttlMs: got.ttlMs, task: got.task })
    },
  )
  route(
    reg,
    {
      method: 'post',
      path: `${W}/heartbeat`,
      role: 'operator',
      tag: 'worker',
      op: 'heartbeat',
      summary: "extend the run's lease (and record progress with a note)",
      body: 'WorkerHeartbeatBody',
      responses: {
        200: { description: 'the new lease', schema: { type: 'object', properties: { ok: { type: 'boolean' }, leaseExpiresAt: { type: 'integer' } } } },
        404: R.notFound,
        409: R.refused,
      },
    },
    async (call) => {
      const id = call.param('id')
      const ok = await (await call.handle()).heartbeat(id, call.body)
      const task = await mustGet(call.reader, id)
      if (!ok) throw refusal(task, call.body.runId)
      return call.c.json({ ok: true, leaseExpiresAt: task.leaseExpiresAt })
    },
  )
  route(
    reg,
    {
      method: 'post',
      path: `${W}/complete`,
      role: 'operator',
      tag: 'worker',
      op: 'completeTask',
      summary: 'complete the run: -> done',
      body: 'WorkerCompleteBody',
      responses: { 200: R.action, 404: R.notFound, 409: R.refused },
    },
    async (call) => {
      const id = call.param('id')
      return action(call, await (await call.handle()).completeTask(id, call.body), id, { runId: call.body.runId })
    },
  )
  route(
    reg,
    {
      method: 'post',
      path: `${W}/block`,
      role: 'operator',
      tag: 'worker',
      op: 'blockTask',
      summary: 'hand the task to a human (sticky) and end the run',
      body: 'WorkerBlockBody',
      responses: { 200: R.action, 404: R.notFound, 409: R.refused },
    },
    async (call) => {
      const id = call.param('id')
      return action(call, await (await call.handle()).blockTask(id, call.body), id, { runId: call.body.runId })
    },
  )
  route(
    reg,
    {
      method: 'post',
      path: `${W}/review`,
      role: 'operator',
      tag: 'worker',
      op: 'requestReview',
      summary: 'running -> review and end the run',
      body: 'WorkerReviewBody',
      responses: { 200: R.action, 404: R.notFound, 409: R.refused },
    },
    async (call) => {
      const id = call.param('id')
      return action(call, await (await call.handle()).requestReview(id, call.body), id, { runId: call.body.runId })
    },
  )
  route(
    reg,
    {
      method: 'post',
      path: `${W}/fail`,
      role: 'operator',
      tag: 'worker',
      op: 'recordFailure',
      summary: 'record the run as failed (the circuit breaker) and end it',
      body: 'WorkerFailBody',
      responses: {
        200: {
          description: 'the breaker result and the task',
          schema: {
            type: 'object',
            properties: { ok: { type: 'boolean' }, result: { $ref: '#/components/schemas/FailureResult' }, task: { $ref: '#/components/schemas/Task' } },
          },
        },
        404: R.notFound,
        409: R.refused,
      },
    },
    async (call) => {
      const id = call.param('id')
      try {
        const result = await (await call.handle()).recordFailure(id, call.body)
        return call.c.json({ ok: true, result, task: await call.reader.getTask(id) })
      } catch (e) {
        if (e instanceof StateError) throw refusal(await mustGet(call.reader, id), call.body.runId)
        throw e
      }
    },
  )
  route(
    reg,
    {
      method: 'post',
      path: `${W}/release`,
      role: 'operator',
      tag: 'worker',
      op: 'releaseTask',
      summary: 'give the task back without fault (e.g. shutting down): -> ready, nothing counted',
      body: 'WorkerReleaseBody',
      responses: { 200: R.action, 404: R.notFound, 409: R.refused },
    },
    async (call) => {
      const id = call.param('id')
      return action(call, await (await call.handle()).releaseTask(id, call.body), id, { runId: call.body.runId })
    },
  )
  route(
    reg,
    {
      method: 'get',
      path: `${W}/context`,
      role: 'operator',
      tag: 'worker',
      op: 'workerContext',
      summary: "the run's context: the task, its parents' results, prior attempts, comments",
      query: [{ name: 'runId', type: 'string', description: 'the run (refused with 409 when it is not the open run)' }],
      responses: { 200: { description: 'the context', schema: 'WorkerContext' }, 404: R.notFound, 409: R.refused },
    },
    async (call) => {
      const id = call.param('id')
      const ctx = await call.reader.workerContext(id)
      const runId = call.query.runId as string | undefined
      if (runId !== undefined && ctx.task.currentRunId !== runId) throw refusal(ctx.task, runId)
      return call.c.json(ctx)
    },
  )
}
