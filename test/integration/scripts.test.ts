/**
 * How scripts reach the server (src/scripts.ts): one Redis Functions library, loaded once
 * and again after the server lost it; EVALSHA scripts where FUNCTION is missing. Each test
 * runs its own redis-server, since it flushes functions or disables a command.
 */
import { describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { Board } from '../../src/index.js'
import { functionName, scriptLibrary } from '../../src/scriptLoader.js'
import { withOwnRedis } from '../helpers/redis.js'

describe('scripts: a Redis Functions library, or EVALSHA scripts', () => {
  it('loads the library once and runs every call as FCALL; loads it again after the server lost it', { timeout: 60_000 }, async () => {
    await withOwnRedis(async (srv) => {
      const raw = new Redis(srv.url)
      const board = await Board.open({ redis: srv.url, board: 'fn' })
      try {
        const a = await board.createTask({ title: 'a' })
        const libs = (await raw.call('FUNCTION', 'LIST')) as unknown[][]
        expect(libs.map((l) => l[1])).toEqual([`kanban_${scriptLibrary().tag}`])
        await raw.config('RESETSTAT')
        const claim = await board.claimTask(a, { claimer: 'w' })
        expect(await board.completeTask(a, { runId: claim!.runId })).toBe(true)
        const stats = await raw.info('commandstats')
        expect(stats).toMatch(/cmdstat_fcall:calls=2,/)
        expect(stats).not.toMatch(/cmdstat_evalsha:/)
        expect(stats).not.toMatch(/cmdstat_function:/) // nothing loaded again

        // a new handle (another process, a CLI call) calls first and loads nothing when the
        // server has the library: no FUNCTION LOAD of its ~150 kB
        const other = await Board.open({ redis: srv.url, board: 'fn-other' })
        try {
          await raw.config('RESETSTAT')
          expect((await other.getTask(await other.createTask({ title: 'from another handle' })))!.status).toBe('ready')
          const fresh = await raw.info('commandstats')
          expect(fresh).toMatch(/cmdstat_fcall:calls=1,.*failed_calls=0\b/)
          expect(fresh).not.toMatch(/cmdstat_function:/)
        } finally {
          await other.close()
        }

        // a server that lost the library (FUNCTION FLUSH, a restart without persistence)
        await raw.call('FUNCTION', 'FLUSH')
        const b = await board.createTask({ title: 'b' })
        expect((await board.getTask(b))!.status).toBe('ready')
        expect(((await raw.call('FUNCTION', 'LIST')) as unknown[]).length).toBe(1)
        // the dispatcher's pipelined steps too
        await raw.call('FUNCTION', 'FLUSH')
        const r = await board.dispatchOnce()
        expect(r.skippedUnassigned).toBe(1) // b has no lane: reported, nothing enqueued
        // and a large createTasks, whose parts run in one MULTI / EXEC: none of them ran,
        // so the step runs again, whole, once the library is back
        await raw.call('FUNCTION', 'FLUSH')
        const many = await board.createTasks(Array.from({ length: 120 }, (_, i) => ({ ref: `n${i}`, title: `n${i}` })))
        expect(Object.keys(many)).toHaveLength(120)
        expect(await board.listTasks({ status: 'ready', limit: 1000 })).toHaveLength(121)
        expect(await raw.keys('*cb:*')).toEqual([])
      } finally {
        await board.close()
        raw.disconnect()
      }
    })
  })

  it('a server without FUNCTION runs the same scripts through EVALSHA', { timeout: 60_000 }, async () => {
    await withOwnRedis(
      async (srv) => {
        const raw = new Redis(srv.url)
        const board = await Board.open({ redis: srv.url, board: 'eval' })
        try {
          const ids = await board.createTasks([
            { ref: 'p', title: 'parent' },
            { ref: 'c', title: 'child', dependsOn: ['p'] },
          ])
          const claim = await board.claimTask(ids.p!, { claimer: 'w' })
          expect(await board.completeTask(ids.p!, { runId: claim!.runId })).toBe(true)
          expect((await board.getTask(ids.c!))!.status).toBe('ready')
          // a DAG of several parts: the parts go as EVAL in one MULTI / EXEC
          const many = await board.createTasks(
            Array.from({ length: 120 }, (_, i) => ({ ref: `n${i}`, title: `n${i}`, ...(i > 0 ? { dependsOn: [`n${i - 1}`] } : {}) })),
          )
          expect((await board.getTask(many.n119!))!.status).toBe('todo')
          expect(await board.parents(many.n119!)).toEqual([many.n118])
          // the read-only scripts go with their `#!lua flags=no-writes` line
          const page = await board.listTasksPage({ status: 'todo', limit: 200 })
          expect(page.tasks.map((t) => t.id)).toContain(many.n119)
          expect(page.tasks.find((t) => t.id === many.n119)!.parents).toEqual([many.n118])
          const laned = await board.createTask({ title: 'laned', assignee: 'coder' })
          expect((await board.dispatchOnce({ dryRun: true })).ids?.enqueued).toContain(laned)
          const stats = await raw.info('commandstats')
          expect(stats).toMatch(/cmdstat_evalsha:calls=\d+/)
          // one check call and five write parts (120 nodes, 119 links, 50 per part), as EVAL
          expect(Number(/cmdstat_eval:calls=(\d+)/.exec(stats)?.[1])).toBeGreaterThanOrEqual(6)
          // the first call tried FCALL (a process does not ask first), found no function,
          // could not load the library and switched to EVALSHA: no FCALL after that one
          expect(stats).toMatch(/cmdstat_fcall:calls=1,.*failed_calls=1\b/)
          await expect(raw.fcall(functionName('createTasks'), 1, 'k', 'p', '{}')).rejects.toThrow(/function not found/i)
        } finally {
          await board.close()
          raw.disconnect()
        }
      },
      { extraArgs: ['--rename-command', 'FUNCTION', ''] },
    )
  })

  it('a user whose ACL forbids FUNCTION runs them through EVALSHA too', { timeout: 60_000 }, async () => {
    await withOwnRedis(async (srv) => {
      const admin = new Redis(srv.url)
      await admin.call('ACL', 'SETUSER', 'worker', 'on', '>pw', '~*', '&*', '+@all', '-function')
      const board = await Board.open({ redis: srv.url.replace('redis://', 'redis://worker:pw@'), board: 'acl' })
      try {
        const id = await board.createTask({ title: 'a' })
        expect((await board.getTask(id))!.status).toBe('ready')
        expect(await admin.info('commandstats')).toMatch(/cmdstat_evalsha:calls=\d+/)
        expect(((await admin.call('FUNCTION', 'LIST')) as unknown[]).length).toBe(0)
      } finally {
        await board.close()
        admin.disconnect()
      }
    })
  })
})
